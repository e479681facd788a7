"""A digest's files on disk: where they go, and writing them whole from entries or from a spool.

The .jsonl, .html and .md are each streamed to a temporary file and renamed, so a run killed at
any moment leaves the old files or the new ones, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from summarizer.core.html import html_chunks
from summarizer.core.models import Entry, record_to_entry
from summarizer.core.render import digest_chunks, group_by_section, order_categories
from summarizer.edges.store import atomic_write_text, read_records, record_line


def digest_paths(output_dir: Path, day: date) -> dict[str, Path]:
    stem = day.isoformat()
    return {ext: output_dir / f"{stem}.{ext}" for ext in ("md", "html", "jsonl", "report.json")}


class EntrySpool:
    """Finished entries wait on disk, not in memory, until the digest is written.

    Memory then grows by a small index line per paper, not by the paper's text; the files are
    written in one streaming pass per output, in display order.
    """

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._file = tempfile.TemporaryFile(dir=directory)
        self.index: list[tuple[str, str, int, int]] = []  # (id, primary category, offset, length)

    def add(self, entry: Entry) -> None:
        data = record_line(entry).encode("utf-8")
        offset = self._file.seek(0, os.SEEK_END)
        self._file.write(data)
        self.index.append((entry.paper.id, entry.paper.primary_category, offset, len(data)))

    def read(self, item: tuple[str, str, int, int]) -> Entry:
        self._file.seek(item[2])
        return record_to_entry(json.loads(self._file.read(item[3])))

    def close(self) -> None:
        self._file.close()


def write_digest_stream(paths: dict[str, Path], sections: list[tuple[str, int]],
                        entries: Callable[[], Iterator[Entry]], title: str,
                        records: Callable[[], Iterator[Entry]] | None = None) -> None:
    """The .jsonl, .html and .md of a digest, each streamed to a temporary file and renamed.

    `entries` are the summarized papers in display order; `records` (default: the same) every paper
    the records file keeps, those still without a summary included.
    """
    atomic_write_text(paths["jsonl"], (record_line(e) for e in (records or entries)()))
    atomic_write_text(paths["html"], html_chunks(sections, entries(), title))
    atomic_write_text(paths["md"], digest_chunks(sections, entries()))


def write_digest(paths: dict[str, Path], entries: list[Entry], categories: list[str] | None, title: str) -> None:
    """A digest from entries in memory (sections in configured order); records in display order, then the
    papers still without a summary in their own order."""
    groups = group_by_section(entries, categories)
    ordered = [e for _, items in groups for e in items]
    waiting = [e for e in entries if e.summary is None]
    write_digest_stream(paths, [(c, len(items)) for c, items in groups], lambda: iter(ordered), title,
                        records=lambda: iter(ordered + waiting))


def write_spooled_digest(paths: dict[str, Path], spool: EntrySpool, categories: list[str], title: str,
                         waiting: list[Entry] | None = None) -> list[str]:
    """The nightly digest from the spool: papers by arXiv id within sections; returns the ids.

    `waiting` are papers the day's records keep without a summary yet (after the digest's papers).
    """
    groups: dict[str, list[tuple[str, str, int, int]]] = {}
    for item in sorted(spool.index, key=lambda item: item[0]):
        groups.setdefault(item[1], []).append(item)
    order = order_categories(groups, categories)
    ordered = [item for cat in order for item in groups[cat]]
    sections = [(cat, len(groups[cat])) for cat in order]

    def records() -> Iterator[Entry]:
        yield from (spool.read(item) for item in ordered)
        yield from waiting or []

    write_digest_stream(paths, sections, lambda: (spool.read(item) for item in ordered), title,
                        records=records if waiting else None)
    return [item[0] for item in ordered]


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


