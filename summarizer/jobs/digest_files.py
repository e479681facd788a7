"""A digest's files on disk: where they go, and writing them whole, from entries in memory or looked up one at a time.

The .jsonl, .html and .md are each streamed to a temporary file and renamed, so a run killed at
any moment leaves the old files or the new ones, never half of one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from summarizer.core.digest.html import html_chunks
from summarizer.core.digest.render import digest_chunks, group_by_section, listed_entries, order_categories
from summarizer.core.models import Entry, listed_only
from summarizer.edges.storage.store import atomic_write_text, read_records, record_line

DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.jsonl$")


def find_days(output_dir: Path) -> dict[str, Path]:
    """Every day's records file in OUTPUT_DIR (D.jsonl; translations D.<lang>.jsonl are not days)."""
    if not output_dir.is_dir():
        return {}
    return {m.group(1): p for p in output_dir.iterdir() if (m := DAY_FILE.match(p.name))}


def digest_paths(output_dir: Path, day: date) -> dict[str, Path]:
    stem = day.isoformat()
    return {ext: output_dir / f"{stem}.{ext}" for ext in ("md", "html", "jsonl", "report.json")}


def write_digest_stream(paths: dict[str, Path], sections: list[tuple[str, int]],
                        entries: Callable[[], Iterator[Entry]], title: str,
                        records: Callable[[], Iterator[Entry]] | None = None,
                        listed: list[Entry] | None = None) -> None:
    """The .jsonl, .html and .md of a digest, each streamed to a temporary file and renamed.

    `entries` are the summarized papers in display order; `records` (default: the same) every paper
    the records file keeps, those still without a summary included; `listed` the papers a reader's
    ranking left unsummarized (a last section, best first).
    """
    atomic_write_text(paths["jsonl"], (record_line(e) for e in (records or entries)()))
    atomic_write_text(paths["html"], html_chunks(sections, entries(), title, listed or []))
    atomic_write_text(paths["md"], digest_chunks(sections, entries(), listed or []))


def write_digest(paths: dict[str, Path], entries: list[Entry], categories: list[str] | None, title: str) -> None:
    """A digest from entries in memory (sections in configured order); records in display order, then the
    papers still without a summary in their own order."""
    groups = group_by_section(entries, categories)
    ordered = [e for _, items in groups for e in items]
    listed = listed_entries(entries)
    waiting = [e for e in entries if e.summary is None and not listed_only(e)]
    write_digest_stream(paths, [(c, len(items)) for c, items in groups], lambda: iter(ordered), title,
                        records=lambda: iter(ordered + listed + waiting), listed=listed)


def write_day_digest(paths: dict[str, Path], items: list[tuple[str, str]], entry_of: Callable[[str], Entry],
                     categories: list[str], title: str, waiting: list[Entry] | None = None,
                     listed: list[Entry] | None = None) -> list[str]:
    """The nightly digest, streamed: `items` are (id, primary category) of the papers it shows, each
    entry is looked up when written (its summary read from the cache, not held in memory); papers by
    arXiv id within sections. `waiting` are papers the day's records keep without a summary yet (after
    the digest's papers). Returns the ids in display order."""
    groups: dict[str, list[str]] = {}
    for paper_id, category in sorted(items):
        groups.setdefault(category, []).append(paper_id)
    order = order_categories(groups, categories)
    ordered = [paper_id for cat in order for paper_id in groups[cat]]
    sections = [(cat, len(groups[cat])) for cat in order]

    def records() -> Iterator[Entry]:
        yield from (entry_of(paper_id) for paper_id in ordered)
        yield from listed or []
        yield from waiting or []

    write_digest_stream(paths, sections, lambda: (entry_of(paper_id) for paper_id in ordered), title,
                        records=records if waiting or listed else None, listed=listed)
    return ordered


def find_digest(output_dir: Path, paper_id: str, day: date | None) -> tuple[Path, list[Entry]] | None:
    """The records file of D (or, without D, the newest one that holds the id) and its entries."""
    if day is not None:
        path = output_dir / f"{day.isoformat()}.jsonl"
        return (path, read_records(path)) if path.exists() else None
    for path in sorted(output_dir.glob("????-??-??.jsonl"), reverse=True):
        entries = read_records(path)
        if any(e.paper.id == paper_id for e in entries):
            return path, entries
    return None


