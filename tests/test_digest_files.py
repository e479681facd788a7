"""The nightly job's parts: the on-disk spool of finished entries and the streamed digest files."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from summarizer.core.models import Entry
from summarizer.core.render import render_digest
from summarizer.jobs.digest_files import EntrySpool, digest_paths, write_spooled_digest
from tests.conftest import SAMPLE


def test_spooled_digest_sorts_by_id_within_configured_sections(tmp_path: Path, sample_entries: list[Entry]) -> None:
    shuffled = list(sample_entries)
    random.Random(7).shuffle(shuffled)  # the order summaries finish in
    spool = EntrySpool(tmp_path / "spool")
    for entry in shuffled:
        spool.add(entry)
    paths = digest_paths(tmp_path / "out", date(2025, 12, 24))
    ids = write_spooled_digest(paths, spool, ["cs.IR", "cs.AI", "cs.LG"], title="t")
    spool.close()
    assert paths["md"].read_bytes() == SAMPLE.read_bytes()
    assert ids == [e.paper.id for e in sample_entries]
    assert paths["html"].read_text().count("<details>") == 38
    assert len(paths["jsonl"].read_text().splitlines()) == 38


def test_spool_keeps_entries_exactly(tmp_path: Path, sample_entries: list[Entry]) -> None:
    spool = EntrySpool(tmp_path)
    for entry in sample_entries[:5]:
        spool.add(entry)
    again = [spool.read(item) for item in spool.index]
    spool.close()
    assert again == sample_entries[:5]
    assert render_digest(again) == render_digest(sample_entries[:5])
