"""Importing daily-arXiv-ai-enhanced's history: its `task` schema, placeholders, merging, completing them later."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from summarizer.core.errors import RecordsError
from summarizer.core.models import SUMMARY_FIELDS, Entry, Summary, entry_to_record, summary_from_record
from summarizer.core.settings import ArxivSettings, LLMSettings, PathSettings, Settings
from summarizer.edges.storage.store import read_records
from summarizer.jobs.history.import_dae import import_dae, merge
from summarizer.jobs.nightly.day_run import NightlyParams
from summarizer.jobs.nightly.job import run_nightly
from summarizer.jobs.services import Services
from tests.conftest import FIXTURES, SAMPLE
from tests.fakes import FakeServer, Sleeps

DAE = FIXTURES / "dae"


def make_settings(tmp: Path, server: FakeServer | None = None) -> Settings:
    url = server.url if server else "http://127.0.0.1:9"
    return Settings(arxiv=ArxivSettings(categories=["cs.IR", "cs.AI"], api_url=f"{url}/api/query", use_rss=False,
                                        delay_seconds=0),
                    llm=LLMSettings(base_url=f"{url}/v1", api_key="k", model="fake-model"),
                    paths=PathSettings(cache_dir=str(tmp / "cache"), output_dir=str(tmp / "out")))


def test_the_four_samples(tmp_path: Path) -> None:
    report = import_dae(make_settings(tmp_path), DAE)
    assert report.days == ["2025-03-21", "2025-11-15", "2025-12-25", "2026-05-21"]
    assert report.papers == 45 + 7 + 102 + 231 and report.without_summary == 48
    out = tmp_path / "out"
    early = {e.paper.id: e for e in read_records(out / "2025-03-21.jsonl")}
    raw = json.loads((DAE / "2025-03-21_AI_enhanced_Chinese.jsonl").read_text().splitlines()[0])
    first = early[raw["id"]]
    assert first.summary is not None and first.summary.tldr == raw["AI"]["task"]  # `task` is the TL;DR
    assert first.day == "2025-03-21" and first.language == "Chinese" and len(early) == 45
    placeholders = [e for e in read_records(out / "2026-05-21.jsonl") if e.summary is None]
    assert len(placeholders) == 48
    digest = (out / "2026-05-21.md").read_text()
    assert "Summary generation failed" not in digest and "[Total:" in digest
    assert sum(1 for line in digest.splitlines() if line.startswith("### [")) == 231 - 48
    # keys daily-arXiv-ai-enhanced has and we do not model are kept, not dropped
    coded = [json.loads(line) for line in (out / "2026-05-21.jsonl").read_text().splitlines()]
    assert sum("code_url" in r for r in coded) == 34


def test_importing_twice_changes_nothing(tmp_path: Path) -> None:
    import_dae(make_settings(tmp_path), DAE)
    first = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    import_dae(make_settings(tmp_path), DAE)
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == first


def test_a_bad_file_is_an_error_naming_the_line_and_nothing_is_written(tmp_path: Path) -> None:
    folder = tmp_path / "dae"
    folder.mkdir()
    shutil.copy(DAE / "2025-11-15_AI_enhanced_Chinese.jsonl", folder)
    (folder / "2025-11-16_AI_enhanced_Chinese.jsonl").write_text('{"id": "1"}\n')
    with pytest.raises(RecordsError, match=r"2025-11-16_AI_enhanced_Chinese.jsonl:1: 'categories' must be"):
        import_dae(make_settings(tmp_path), folder)
    (folder / "2025-11-16_AI_enhanced_Chinese.jsonl").write_text('{"id": "1"}\nnot json\n')
    with pytest.raises(RecordsError, match=r"2025-11-16_AI_enhanced_Chinese.jsonl:2: not JSON"):
        import_dae(make_settings(tmp_path), folder)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    with pytest.raises(RecordsError, match="no D_AI_enhanced"):
        import_dae(make_settings(tmp_path), tmp_path / "nowhere")


def test_a_day_listed_three_times_over_is_imported_once(tmp_path: Path) -> None:
    # The real history's 2025-03-20 file is its 211 papers in 657 records: the day appended once per run, a
    # rerun's summaries beside the first run's placeholders. Here the same with the sample day of 48 placeholders.
    rows = [json.loads(line) for line in (DAE / "2026-05-21_AI_enhanced_Chinese.jsonl").read_text().splitlines()]
    failed = {r["id"] for r in rows if r["AI"]["tldr"] == "Summary generation failed"}
    donor = next(r["AI"] for r in rows if r["id"] not in failed)
    rerun = [{**r, "AI": {**donor, "tldr": f"rerun {r['id']}"}} for r in rows]
    folder = tmp_path / "dae"
    folder.mkdir()
    name = folder / "2026-05-21_AI_enhanced_Chinese.jsonl"
    name.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows + rerun + rows))
    out = tmp_path / "out" / "2026-05-21.jsonl"
    report = import_dae(make_settings(tmp_path), folder)
    entries = read_records(out)
    assert sorted(e.paper.id for e in entries) == sorted(r["id"] for r in rows)  # each once
    assert report.papers == 231 and report.repeats == 462 and report.without_summary == 0
    tldr = {e.paper.id: e.summary.tldr for e in entries if e.summary}
    assert all(tldr[i] == f"rerun {i}" for i in failed)  # a placeholder takes the rerun's summary
    assert all(tldr[r["id"]] == r["AI"]["tldr"] for r in rows if r["id"] not in failed)  # the first copy stays
    digest = (tmp_path / "out" / "2026-05-21.md").read_text()
    assert sum(line.startswith("### [") for line in digest.splitlines()) == 231


def test_a_day_imported_with_its_repeats_is_mended_by_importing_again(tmp_path: Path) -> None:
    from summarizer.edges.storage.store import write_records

    settings = make_settings(tmp_path)
    import_dae(settings, DAE)
    out = tmp_path / "out" / "2025-11-15.jsonl"
    once = read_records(out)
    write_records(out, once * 3)  # as an import before repeats were merged left it
    import_dae(settings, DAE)
    assert read_records(out) == once


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        yield srv


def test_nightly_completes_imported_placeholders(tmp_path: Path, server: FakeServer,
                                                 sample_entries: list[Entry]) -> None:
    # A day of daily-arXiv-ai-enhanced's history with every summary failed: nightly --date D completes it.
    folder = tmp_path / "dae"
    folder.mkdir()
    rows = []
    for entry in sample_entries:
        record = entry_to_record(entry)
        record["AI"] = {"tldr": "Summary generation failed", "motivation": "Motivation analysis unavailable",
                        "method": "Method extraction failed", "result": "Result analysis unavailable",
                        "conclusion": "Conclusion extraction failed"}
        rows.append(json.dumps(record, ensure_ascii=False))
    (folder / "2025-12-24_AI_enhanced_Chinese.jsonl").write_text("\n".join(rows) + "\n")
    settings = make_settings(tmp_path, server)
    assert import_dae(settings, folder).without_summary == 38
    assert (tmp_path / "out" / "2025-12-24.md").read_text().count("### [") == 0

    async def go() -> None:
        async with httpx.AsyncClient() as client:
            await run_nightly(settings, Services(arxiv_http=client, sleep=Sleeps()),
                              NightlyParams(day=date(2025, 12, 24)))

    asyncio.run(go())
    assert (tmp_path / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()
    assert all(e.summary is not None for e in read_records(tmp_path / "out" / "2025-12-24.jsonl"))


def test_an_impossible_date_in_a_name_stops_before_anything_is_written(tmp_path: Path) -> None:
    # A file named with 2025-02-30 gave a traceback after the earlier days were written (issue 16, item 12).
    source = tmp_path / "dae"
    source.mkdir()
    shutil.copy(FIXTURES / "dae" / "2025-03-21_AI_enhanced_Chinese.jsonl", source)
    shutil.copy(FIXTURES / "dae" / "2025-11-15_AI_enhanced_Chinese.jsonl",
                source / "2025-02-30_AI_enhanced_Chinese.jsonl")
    settings = make_settings(tmp_path)
    with pytest.raises(RecordsError, match=r"2025-02-30_AI_enhanced_Chinese.jsonl: 2025-02-30 in the file name is "
                                           r"not a date; nothing was imported"):
        import_dae(settings, source)
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_a_summary_json_encoded_twice_reads_as_its_text() -> None:
    """A few DAE records (2509.04159 of 2025-09-05) hold their fields as literal "\\u63d0\\u51fa…" escapes."""
    escaped = {f: "".join(f"\\u{ord(c):04x}" for c in "提出了一种方法") + " (2025)" for f in SUMMARY_FIELDS}
    summary = summary_from_record(escaped, "2509.04159")
    assert summary is not None and summary.tldr == "提出了一种方法 (2025)"
    # an ASCII text naming one escape stays as written
    plain = {f: "the \\u escape of JSON" for f in SUMMARY_FIELDS}
    assert summary_from_record(plain, "2509.04159") == Summary(**plain)


def test_merging_a_day_keeps_its_order_and_summaries_and_fills_its_placeholders(sample_entries: list[Entry]) -> None:
    a, b, c, d = sample_entries[:4]
    bare = [e.model_copy(update={"summary": None}) for e in (a, b, c, d)]
    # the old day: a with its summary, b and c placeholders; the new import: c and b summarized again, a bare, d new
    merged = merge([a, bare[1], bare[2]], [bare[0], c, b, d])
    assert [e.paper.id for e in merged] == [a.paper.id, b.paper.id, c.paper.id, d.paper.id]
    assert merged[0] is a and merged[1] is b and merged[2] is c and merged[3] is d
    assert merge([bare[0]], [bare[0], a])[0] is a  # a repeat with a summary, after a bare one, still fills it
    assert merge([a], [])[0] is a and merge([], [bare[1], b]) == [b]
