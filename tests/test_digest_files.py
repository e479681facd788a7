"""A digest's files: streamed from entries looked up one at a time, sorted by id within configured sections."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from summarizer.core.models import Entry
from summarizer.jobs.digest_files import digest_paths, write_day_digest
from tests.conftest import SAMPLE


def test_the_day_digest_sorts_by_id_within_configured_sections(tmp_path: Path, sample_entries: list[Entry]) -> None:
    shuffled = list(sample_entries)
    random.Random(7).shuffle(shuffled)  # the order summaries finish in
    by_id = {e.paper.id: e for e in shuffled}
    looked_up: list[str] = []

    def entry_of(paper_id: str) -> Entry:
        looked_up.append(paper_id)
        return by_id[paper_id]

    paths = digest_paths(tmp_path / "out", date(2025, 12, 24))
    items = [(e.paper.id, e.paper.primary_category) for e in shuffled]
    ids = write_day_digest(paths, items, entry_of, ["cs.IR", "cs.AI", "cs.LG"], title="t")
    assert paths["md"].read_bytes() == SAMPLE.read_bytes()
    assert ids == [e.paper.id for e in sample_entries]
    assert paths["html"].read_text().count("<details>") == 38
    assert len(paths["jsonl"].read_text().splitlines()) == 38
    assert len(looked_up) == 3 * 38  # one look-up per paper and file: nothing is held for the whole digest


def test_papers_still_without_a_summary_stay_in_the_records_only(tmp_path: Path, sample_entries: list[Entry]) -> None:
    waiting = [sample_entries[0].model_copy(update={"summary": None})]
    rest = {e.paper.id: e for e in sample_entries[1:4]}
    paths = digest_paths(tmp_path / "out", date(2025, 12, 24))
    write_day_digest(paths, [(i, e.paper.primary_category) for i, e in rest.items()], rest.__getitem__, ["cs.IR"],
                     title="t", waiting=waiting)
    assert len(paths["jsonl"].read_text().splitlines()) == 4 and sample_entries[0].paper.title not in \
        paths["md"].read_text()
