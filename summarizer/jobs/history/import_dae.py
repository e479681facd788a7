"""Bring a history kept by daily-arXiv-ai-enhanced (`D_AI_enhanced_<Language>.jsonl` files) into OUTPUT_DIR.

Each file becomes our D.jsonl (with D.md and D.html). Its early records call the TL;DR `task`;
its failed summaries are placeholders ("Summary generation failed", "Error"): those papers are
imported without a summary, so `nightly --date D`, `paper ID` or `backfill --missing` can complete
them later, and no digest or page ever shows a placeholder. Its dates are its crawl dates, not
arXiv listing dates; they are kept as they are. A day that already has records is merged: a paper
keeps the summary it has, and gains one it lacked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from summarizer.core.errors import RecordsError
from summarizer.core.languages import UnknownLanguage, resolve_language
from summarizer.core.models import Entry, record_to_entry
from summarizer.core.settings import Settings
from summarizer.edges.storage.store import ensure_writable, numbered_json_lines, read_records
from summarizer.jobs.digest_files import digest_paths, write_digest

DAE_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})_AI_enhanced_([A-Za-z_ ]+)\.jsonl$")


@dataclass
class ImportReport:
    days: list[str] = field(default_factory=list)
    papers: int = 0
    with_summary: int = 0
    without_summary: int = 0  # placeholders: to be completed later
    repeats: int = 0  # records of a paper its day already listed, kept once


def read_dae_file(path: Path, day: str, language: str) -> list[Entry]:
    """The entries of one of daily-arXiv-ai-enhanced's files; a bad line is an error naming it."""
    try:
        name = resolve_language(language.replace("_", " ")).name
    except UnknownLanguage:
        name = language
    entries = []
    for number, row in numbered_json_lines(path):
        entry = record_to_entry(row, line=number, path=str(path))
        entries.append(entry.model_copy(update={"day": day, "language": name if entry.summary else None}))
    return entries


def once(entries: list[Entry]) -> list[Entry]:
    """Each paper once, where it first appears. Its files can list a paper more than once: most of its early days
    a few times, and 2025-03-20's 657 records are 211 papers, each rerun's summaries appended. The first copy stays,
    unless it lacks a summary that a later copy has; `merge` applies the same rule to an old day and a new one."""
    kept: dict[str, Entry] = {}
    for entry in entries:
        have = kept.get(entry.paper.id)
        if have is None or (have.summary is None and entry.summary is not None):
            kept[entry.paper.id] = entry
    return list(kept.values())


def merge(existing: list[Entry], incoming: list[Entry]) -> list[Entry]:
    """The day's papers, each once: existing order first; a paper without a summary takes one from the other
    side. This is `once`'s rule over both lists in turn. (A day imported before repeats were merged is mended
    here.)"""
    return once([*existing, *incoming])


def import_dae(settings: Settings, directory: Path) -> ImportReport:
    files = sorted((m.group(1), m.group(2), p) for p in directory.iterdir() if (m := DAE_FILE.match(p.name))) \
        if directory.is_dir() else []
    if not files:
        raise RecordsError(f"no D_AI_enhanced_<Language>.jsonl files in {directory}", path=str(directory))
    for day, _, path in files:  # every name first: an impossible date must not stop the import half-way
        try:
            date.fromisoformat(day)
        except ValueError:
            raise RecordsError(f"{day} in the file name is not a date; nothing was imported", path=str(path)) from None
    output_dir = Path(settings.paths.output_dir).expanduser()
    ensure_writable(output_dir, "output_dir")
    parsed = [(day, read_dae_file(path, day, language)) for day, language, path in files]  # all read before writing
    report = ImportReport()
    for day, records in parsed:
        paths = digest_paths(output_dir, date.fromisoformat(day))
        entries = once(records)
        report.repeats += len(records) - len(entries)
        if paths["jsonl"].exists():
            entries = merge(read_records(paths["jsonl"]), entries)
        write_digest(paths, entries, settings.arxiv.categories, title=f"arXiv digest {day}")
        report.days.append(day)
        report.papers += len(entries)
        report.with_summary += sum(e.summary is not None for e in entries)
        report.without_summary += sum(e.summary is None for e in entries)
    return report
