"""Files on disk: atomic writes with the modes users publish with, the records file, writable folders."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.core.errors import OutputError, RecordsError
from summarizer.core.models import Entry, Paper, Summary, is_placeholder
from summarizer.edges.storage import store
from summarizer.edges.storage.store import (
    atomic_write_text,
    ensure_writable,
    parse_records,
    read_records,
    write_records,
)


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    saved = store.UMASK
    store.UMASK = 0o022
    try:
        yield
    finally:
        os.umask(old)
        store.UMASK = saved


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_files_follow_the_umask_and_replaced_ones_keep_their_mode(tmp_path: Path, umask_022: None) -> None:
    fresh = tmp_path / "d.md"
    atomic_write_text(fresh, "one\n")
    assert mode(fresh) == 0o644  # mkstemp alone gave 0600 (issue 10, item 2)
    private = tmp_path / "p.md"
    private.write_text("x")
    private.chmod(0o640)
    atomic_write_text(private, "two\n")
    assert mode(private) == 0o640 and private.read_text() == "two\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_a_failed_write_leaves_the_old_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "d.md"
    path.write_text("old\n")

    def chunks() -> Iterator[str]:
        yield "new"
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write_text(path, chunks())
    assert path.read_text() == "old\n" and len(list(tmp_path.iterdir())) == 1


def test_records_round_trip_including_papers_without_a_summary(tmp_path: Path, sample_entries: list[Entry]) -> None:
    waiting = sample_entries[1].model_copy(update={"summary": None, "day": "2025-12-24"})
    entries = [sample_entries[0], waiting]
    path = tmp_path / "r.jsonl"
    write_records(path, entries)
    assert read_records(path) == entries
    assert parse_records(path.read_bytes(), "<stdin>") == entries


def test_bad_records_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"id": "2512.1", "title": "T", "summary": "A", "categories": ["cs.IR"]}\n[1]\n')
    with pytest.raises(RecordsError, match=r"r.jsonl:2: a record must be a JSON object"):
        read_records(path)
    path.write_bytes(b'{"id": "2512.1", "title": "T", "summary": "A", "categories": ["cs.IR"], "AI": {"tldr": "x"}}\n')
    with pytest.raises(RecordsError, match=r":1: paper 2512.1: 'AI' lacks motivation"):
        read_records(path)


def test_a_folder_that_cannot_be_written_is_a_one_line_error(tmp_path: Path) -> None:
    ensure_writable(tmp_path / "new" / "deeper", "output_dir")  # created
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match="output_dir .*a-file/out is not writable"):
        ensure_writable(blocker / "out", "output_dir")


_ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)  # Zl, Zp, U+0085 and controls included
_SUMMARY_TEXT = _ANY_TEXT.filter(lambda t: not is_placeholder(t))


@st.composite
def any_unicode_entries(draw: st.DrawFn) -> list[Entry]:
    result = []
    for n in range(draw(st.integers(0, 4))):
        paper = Paper(id=f"2512.{20000 + n}", title=draw(_ANY_TEXT), authors=draw(st.lists(_ANY_TEXT, max_size=3)),
                      abstract=draw(_ANY_TEXT), primary_category="cs.IR", categories=["cs.IR"],
                      comment=draw(st.none() | _ANY_TEXT), abs_url=f"https://arxiv.org/abs/2512.{20000 + n}")
        summary = draw(st.none() | st.builds(Summary, tldr=_SUMMARY_TEXT, motivation=_SUMMARY_TEXT,
                                             method=_SUMMARY_TEXT, result=_SUMMARY_TEXT, conclusion=_SUMMARY_TEXT))
        result.append(Entry(paper=paper, summary=summary, day=draw(st.none() | st.just("2025-12-24"))))
    return result


@settings(max_examples=150, deadline=None)
@given(any_unicode_entries())
def test_records_round_trip_over_any_unicode(entries: list[Entry]) -> None:
    # U+2028 in a field split a record in two when read back with str.splitlines() (issue 16, item 7).
    data = b"".join(store.record_line(e).encode("utf-8") for e in entries)
    assert parse_records(data, "<mem>") == entries
