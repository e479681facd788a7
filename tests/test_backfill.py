"""Backfill over arXiv's calendar: holidays skipped, their submissions in the next listing, nothing lost."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from summarizer.core.settings import ArxivSettings, LLMSettings, PathSettings, Settings
from summarizer.demo.replay import RecordedAnswers
from summarizer.edges.resources import listing_calendar
from summarizer.edges.storage.store import read_records
from summarizer.jobs.history.backfill import BackfillResult, run_backfill
from summarizer.jobs.services import Services
from tests.fakes import FakeServer, FakeState, Sleeps, spread_archive


def test_backfill_over_the_holidays_writes_no_holidays_digest_and_loses_no_paper(tmp_path: Path) -> None:
    # Backfill treated 2025-12-25 as a listing day (issue 16, item 4): its window's papers were digested under
    # a date arXiv never announced. Papers are submitted every 7 hours from 17 Dec to 6 Jan here.
    archive = spread_archive(datetime(2025, 12, 17, tzinfo=UTC), datetime(2026, 1, 6, tzinfo=UTC), timedelta(hours=7))
    state = FakeState(archive=archive, answers=RecordedAnswers({}), abstracts={"-": "-"}, synthesize=True)
    with FakeServer(state) as server:
        settings = Settings(
            arxiv=ArxivSettings(categories=["cs.IR", "cs.AI"], api_url=f"{server.url}/api/query", use_rss=False,
                                delay_seconds=0, page_size=500),
            llm=LLMSettings(base_url=f"{server.url}/v1", api_key="k", model="m", max_concurrency=8),
            paths=PathSettings(cache_dir=str(tmp_path / "cache"), output_dir=str(tmp_path / "out")))

        async def go() -> BackfillResult:
            async with httpx.AsyncClient() as client:
                services = Services(arxiv_http=client, sleep=Sleeps(),
                                    now=lambda: datetime(2026, 1, 10, tzinfo=UTC))
                return await run_backfill(settings, services, start=date(2025, 12, 22), end=date(2026, 1, 5))

        result = asyncio.run(go())
    assert result.status == "done"
    written = sorted(p.stem for p in (tmp_path / "out").glob("*.md"))
    assert written == ["2025-12-22", "2025-12-23", "2025-12-24", "2025-12-26", "2025-12-29", "2025-12-31",
                       "2026-01-02", "2026-01-05"]
    calendar = listing_calendar()
    for day in written:  # each day holds exactly the papers submitted in its window, the holidays' included
        start, end = calendar.window(date.fromisoformat(day))
        published = [e.paper.published for e in read_records(tmp_path / "out" / f"{day}.jsonl")]
        assert published and all(p is not None and start <= p < end for p in published), day
    first, last = calendar.window(date(2025, 12, 22))[0], calendar.window(date(2026, 1, 5))[1]
    expected = sum(1 for e in archive.entries if first <= archive.entry_published(e) < last
                   and {"cs.IR", "cs.AI"} & set(archive.entry_categories(e)))
    assert sum(len(read_records(p)) for p in (tmp_path / "out").glob("*.jsonl")) == expected
