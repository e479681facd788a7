"""The nightly job in process against the loopback fakes: the budget, unfinished papers, empty days, --limit."""

from __future__ import annotations

import asyncio
import errno
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import diskcache
import httpx
import pytest

from summarizer.core.errors import OutputError, RunFailed
from summarizer.core.models import Entry, Paper, SourceText, Summary
from summarizer.core.pricing import Price
from summarizer.core.settings import ArxivSettings, LLMSettings, PathSettings, Settings
from summarizer.edges.llm.engine import Answer
from summarizer.jobs.nightly.day_run import NightlyParams
from summarizer.jobs.nightly.job import run_nightly
from summarizer.jobs.report import Report
from summarizer.jobs.services import Services
from summarizer.jobs.summaries.summarizer import Summarizer
from tests.fakes import FIXTURES, FakeServer, Sleeps

DAY = date(2025, 12, 24)
AFTER_ANNOUNCEMENT = datetime(2025, 12, 24, 3, 0, tzinfo=UTC)  # 22:00 US-Eastern on the 23rd


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        yield srv


def make_settings(server: FakeServer, tmp: Path, concurrency: int = 8, **llm: Any) -> Settings:
    return Settings(
        arxiv=ArxivSettings(categories=["cs.IR", "cs.AI"], api_url=f"{server.url}/api/query",
                            rss_url=f"{server.url}/rss/cs.IR+cs.AI", use_rss=False, delay_seconds=0),
        llm=LLMSettings(**{"base_url": f"{server.url}/v1", "api_key": "k", "model": "fake-model",
                           "max_concurrency": concurrency, "timeout_seconds": 2.0, **llm}),
        paths=PathSettings(cache_dir=str(tmp / "cache"), output_dir=str(tmp / "out")),
    )


def nightly(settings: Settings, day: date | None = DAY, now: datetime = AFTER_ANNOUNCEMENT,
            summarizer_type: type[Summarizer] = Summarizer, **params: Any) -> tuple[Report, list[str]]:
    async def go() -> tuple[Report, list[str]]:
        async with httpx.AsyncClient() as client:
            services = Services(arxiv_http=client, sleep=Sleeps(), now=lambda: now)
            result = await run_nightly(settings, services, NightlyParams(day=day, **params), summarizer_type)
            return result.report, result.ids

    return asyncio.run(go())


def chat_bodies(server: FakeServer) -> list[dict[str, Any]]:
    return [r.body for r in server.state.requests("/chat/completions") if r.body]


def test_the_cap_holds_at_concurrency_8(tmp_path: Path, server: FakeServer) -> None:
    # At concurrency 8, a $0.001 cap spent $0.0073: every worker had started before any cost came in (issue 10).
    price = Price(input=10.0, output=10.0)
    settings = make_settings(server, tmp_path, prices={"fake-model": price}, max_cost_usd=0.05, max_tokens=2048)
    report, ids = nightly(settings)
    spent = report.cost_usd
    assert spent is not None and report.budget_reached
    # the most one request could cost: its prompt and a full max_tokens answer
    largest_prompt = max(sum(len(str(m["content"]).encode()) // 4 + 8 for m in b["messages"])
                         for b in chat_bodies(server))
    one_estimate = (largest_prompt * price.input + 2048 * price.output) / 1e6
    assert 0.05 <= spent <= 0.05 + one_estimate
    assert report.not_started == 38 - len(ids) and report.failed == []  # stopped by the cap: not failures
    assert len(chat_bodies(server)) == len(ids)


def test_a_papers_crash_is_that_papers_failure(tmp_path: Path, server: FakeServer,
                                               sample_entries: list[Entry]) -> None:
    broken = sample_entries[7].paper.id

    class Crashes(Summarizer):
        async def ask(self, paper: Paper, seen: SourceText | None = None) -> Answer:
            if paper.id == broken:
                raise RuntimeError("boom")
            return await super().ask(paper, seen)

    report, ids = nightly(make_settings(server, tmp_path), summarizer_type=Crashes)
    assert [(f.id, f.reason) for f in report.failed] == [(broken, "unexpected error: RuntimeError: boom")]
    assert len(ids) == 37 and broken not in ids


def rss_for(day: date, ids: list[str]) -> dict[str, bytes]:
    """arXiv's RSS feed of cs.IR+cs.AI for `day` with these new papers (the fixture's shape)."""
    text = (FIXTURES / "arxiv" / "rss-2025-12-24.xml").read_text(encoding="utf-8")
    head, _, rest = text.partition("<item>")
    tail = rest[rest.rindex("</item>") + len("</item>"):]
    stamp = datetime(day.year, day.month, day.day, tzinfo=UTC).strftime("%a, %d %b %Y 00:00:00 +0000")
    head = head.replace("Wed, 24 Dec 2025 00:00:00 -0500", stamp)
    items = "".join(f"<item><guid isPermaLink=\"false\">oai:arXiv.org:{i}v1</guid>"
                    f"<arxiv:announce_type>new</arxiv:announce_type></item>" for i in ids)
    return {"cs.IR+cs.AI": (head + items + tail).encode()}


def test_yesterdays_failure_is_completed_on_the_default_rss_path(tmp_path: Path, server: FakeServer,
                                                                  sample_entries: list[Entry]) -> None:
    # The default run reads the RSS feed, which skipped history and lookback: a paper that failed last night
    # was never retried (issue 10, item 5).
    settings = make_settings(server, tmp_path, max_retries=0)
    settings = settings.model_copy(update={"arxiv": settings.arxiv.model_copy(update={"use_rss": True})})
    server.state.rss = {"cs.IR+cs.AI": (FIXTURES / "arxiv" / "rss-2025-12-24.xml").read_bytes()}
    broken = sample_entries[3].paper
    server.state.always_fail = {broken.title}
    first, ids = nightly(settings, day=None)
    assert [f.id for f in first.failed] == [broken.id] and broken.id not in ids
    server.state.always_fail = set()
    server.state.synthesize = True  # a paper with no recorded answer gets a plain valid one
    server.state.rss = rss_for(date(2025, 12, 26), [broken.id])  # the next listing (after the holiday)
    second, ids = nightly(settings, day=None, now=datetime(2025, 12, 26, 3, 0, tzinfo=UTC))
    assert second.date == "2025-12-26" and broken.id in ids and second.summarized == len(ids)
    digest = (tmp_path / "out" / "2025-12-26.md").read_text()
    assert broken.title in digest
    third, ids = nightly(settings, day=None, now=datetime(2025, 12, 29, 3, 0, tzinfo=UTC))
    assert third.fetched == 0  # completed once: not again


def test_an_empty_listing_writes_a_report_saying_so(tmp_path: Path, server: FakeServer) -> None:
    settings = make_settings(server, tmp_path)
    settings = settings.model_copy(update={"arxiv": settings.arxiv.model_copy(update={"use_rss": True})})
    server.state.rss = rss_for(date(2025, 12, 26), [])
    report, ids = nightly(settings, day=None, now=datetime(2025, 12, 26, 3, 0, tzinfo=UTC))
    assert ids == [] and report.fetched == 0
    saved = json.loads((tmp_path / "out" / "2025-12-26.report.json").read_text())
    assert saved["fetched"] == 0 and "no new papers in cs.IR, cs.AI for 2025-12-26" in saved["note"]
    assert not (tmp_path / "out" / "2025-12-26.md").exists()


def test_limit_tries_a_few_papers(tmp_path: Path, server: FakeServer) -> None:
    report, ids = nightly(make_settings(server, tmp_path), limit=5)
    assert report.fetched == 5 and len(ids) == 5 and len(chat_bodies(server)) == 5


def test_an_unwritable_output_dir_stops_before_any_request(tmp_path: Path, server: FakeServer) -> None:
    # It gave a 48-line traceback after all 38 summaries were paid for (issue 10, item 4).
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings = make_settings(server, tmp_path)
    settings = settings.model_copy(update={"paths": settings.paths.model_copy(update={"output_dir": str(blocker)})})
    with pytest.raises(OutputError, match="output_dir .*not-a-folder is not writable"):
        nightly(settings)
    assert server.state.log == []


def test_a_cache_that_cannot_be_written_ends_the_run_at_once(tmp_path: Path, server: FakeServer) -> None:
    # cached() and the spool ran outside the worker's try: an OSError (disk full) or a diskcache Timeout killed
    # each worker, the producer then blocked on the full queue, and the run never ended (issue 16, item 5).
    stored: list[str] = []

    class DiskFills(Summarizer):
        def store(self, paper: Paper, answer: Answer, seen: SourceText | None = None) -> Summary:
            if len(stored) == 5:
                raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "cache" / "answers"))
            stored.append(paper.id)
            return super().store(paper, answer, seen)

    settings = make_settings(server, tmp_path, concurrency=4)

    async def go() -> None:
        async with httpx.AsyncClient() as client:
            services = Services(arxiv_http=client, sleep=Sleeps(), now=lambda: AFTER_ANNOUNCEMENT)
            await asyncio.wait_for(run_nightly(settings, services, NightlyParams(day=DAY), DiskFills), timeout=60)

    with pytest.raises(RunFailed, match=r"the run stopped: OSError: No space left on device \(.*answers\); the "
                                         r"5 summaries done so far are cached"):
        asyncio.run(go())
    assert len(chat_bodies(server)) <= 5 + 4  # the workers stopped: no new request after the failure
    assert not (tmp_path / "out" / "2025-12-24.md").exists()
    report = json.loads((tmp_path / "out" / "2025-12-24.report.json").read_text())
    assert "No space left on device" in report["stopped"]
    before = len(chat_bodies(server))
    again, ids = nightly(settings)  # the paid answers stayed cached: the re-run asks only for the others
    assert len(ids) == 38 and len(chat_bodies(server)) - before == 38 - 5 and again.from_cache == 5


def test_a_cache_read_that_fails_in_every_worker_ends_the_run(tmp_path: Path, server: FakeServer) -> None:
    class Locked(Summarizer):
        def cached(self, paper: Paper, seen: SourceText | None = None) -> Summary | None:
            raise diskcache.Timeout("database is locked")

    async def go() -> None:
        async with httpx.AsyncClient() as client:
            services = Services(arxiv_http=client, sleep=Sleeps(), now=lambda: AFTER_ANNOUNCEMENT)
            await asyncio.wait_for(run_nightly(make_settings(server, tmp_path), services, NightlyParams(day=DAY),
                                               Locked), timeout=60)

    with pytest.raises(RunFailed, match="Timeout: database is locked"):
        asyncio.run(go())
    assert chat_bodies(server) == []
