"""The nightly job: fetch listing D, summarize every paper (cache first), write the digest.

Fetching streams papers into a queue while `max_concurrency` workers summarize them, so the first
request leaves before the listing is complete. Papers an earlier run could not finish (failed, or
never started because of the budget or a signal) are fetched again and completed in this run,
whichever way the listing is read. The digest, its HTML page, its records and the run report are
written at the end; a paper whose summary fails is left out and reported, never given a
placeholder. Anything that goes wrong with one paper is that paper's failure, never a dead
worker, and a signal ends the run within `STOP_GRACE` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path
from typing import Any

from summarizer.core.errors import BudgetExceeded, Interrupted, LLMError
from summarizer.core.listing import check_listing_date, newest_listing
from summarizer.core.models import Entry, Paper, Summary
from summarizer.core.settings import Settings
from summarizer.edges.cache import History, SummaryCache
from summarizer.edges.fetch import ArxivFetcher
from summarizer.edges.store import atomic_write_text, ensure_writable, read_records
from summarizer.jobs.digest_files import EntrySpool, digest_paths, write_spooled_digest
from summarizer.jobs.summaries import Failure, Progress, Report, Services, Summarizer

log = logging.getLogger(__name__)

STOP_GRACE = 2.0  # seconds in-flight requests get to land after a signal (their answers are paid for)


async def until_done_or_stopped(tasks: list[asyncio.Task[None]], stop: asyncio.Event, grace: float) -> None:
    """Wait for `tasks`; once `stop` is set, give them `grace` seconds, then cancel the rest.

    The first exception a task raised is raised again once every task has ended.
    """
    stopper: asyncio.Task[Any] = asyncio.create_task(stop.wait())
    try:
        pending: set[asyncio.Task[Any]] = set(tasks)
        while pending and not stop.is_set():
            _, pending = await asyncio.wait(pending | {stopper}, return_when=asyncio.FIRST_COMPLETED)
            pending.discard(stopper)
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
    finally:
        stopper.cancel()
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]


async def _each(papers: list[Paper]) -> AsyncIterator[Paper]:
    for paper in papers:
        yield paper


class NightlyRun:
    """One run of the nightly job: a producer fetching, workers summarizing, a report."""

    def __init__(self, settings: Settings, services: Services, day: date, newest: date, categories: list[str],
                 force: bool, limit: int | None, stack: contextlib.AsyncExitStack,
                 summarizer_type: type[Summarizer] = Summarizer) -> None:
        self.settings, self.services, self.day = settings, services, day
        self.categories, self.force, self.limit = categories, force, limit
        self.use_rss = settings.arxiv.use_rss and day == newest
        cache_dir = Path(settings.paths.cache_dir).expanduser()
        self.cache = SummaryCache(cache_dir)
        stack.callback(self.cache.close)
        self.history = History(cache_dir)
        stack.callback(self.history.close)
        self.spool = EntrySpool(cache_dir / "spool")
        stack.callback(self.spool.close)
        self.summarizer = summarizer_type(settings, services, self.cache)
        stack.push_async_callback(self.summarizer.client.close)
        self.fetcher = ArxivFetcher(settings.arxiv, services.arxiv_http, sleep=services.sleep, clock=services.clock,
                                    categories=categories)
        self.report = Report(date=day.isoformat(), model=settings.llm.model)
        self.progress = Progress(usage=self.summarizer.client.usage)
        self.stop = services.stop or asyncio.Event()
        self.workers_n = settings.llm.max_concurrency
        self.queue: asyncio.Queue[Paper | None] = asyncio.Queue(maxsize=self.workers_n * 4)
        self.unfinished: list[str] = []  # failed or not started: the next run completes them
        self.fetched_ids: list[str] = []
        self.paths = digest_paths(Path(settings.paths.output_dir).expanduser(), day)
        # A day that already has records (an earlier run, an imported history) loses none of its papers:
        # those without a summary are completed, those not in tonight's listing are kept.
        self.existing = read_records(self.paths["jsonl"]) if self.paths["jsonl"].exists() else []
        self.started = services.clock()
        self.given: list[Paper] | None = None  # papers already fetched (batch mode, backfill): no listing request
        # Set in batch mode: papers the batch left without a summary fail with its reason, never asked in sync.
        self.batch_failures: dict[str, str] | None = None
        self.on_report: Callable[[Report], None] = lambda report: None  # batch mode adds the batch's cost

    def _halted(self) -> bool:
        return self.stop.is_set() or self.progress.usage.stopped is not None

    async def candidates(self) -> AsyncIterator[Paper]:
        """The run's papers once each: the listing (or the papers given), earlier unfinished ones, the
        day's records still without a summary; `--limit` applies."""
        seen: set[str] = set()
        if self.given is not None:
            sources: tuple[AsyncIterator[Paper], ...] = (_each(self.given), self._existing_without_summary())
        else:
            earlier = self.history.earlier(self.day)
            waiting = self.history.pending() - (earlier or set())
            listing = self.fetcher.listing(self.day, exclude=earlier, use_rss=self.use_rss)
            sources = (listing, self.fetcher.by_ids(sorted(waiting)), self._existing_without_summary())
        for source in sources:
            async for paper in source:
                if self._halted() or (self.limit is not None and len(seen) >= self.limit):
                    return
                if paper.id not in seen:
                    seen.add(paper.id)
                    yield paper

    async def _papers(self) -> None:
        async for paper in self.candidates():
            self.fetched_ids.append(paper.id)
            self.progress.fetched += 1
            await self.queue.put(paper)
            self.services.on_progress(self.progress)

    async def _existing_without_summary(self) -> AsyncIterator[Paper]:
        for entry in self.existing:
            if entry.summary is None:
                yield entry.paper

    def _carried_over(self, done: set[str]) -> list[Entry]:
        """The day's earlier papers this run did not finish: summarized ones go to the spool, the rest wait."""
        waiting = []
        for entry in self.existing:
            if entry.paper.id in done:
                continue
            if entry.summary is not None:
                self.spool.add(entry)
            else:
                waiting.append(entry)
        return waiting

    async def produce(self) -> None:
        try:
            await self._papers()
        finally:
            self.progress.fetching = False
            self.report.durations_s["fetch"] = round(self.services.clock() - self.started, 3)
            if not self.stop.is_set():  # after a signal the workers are cancelled instead
                for _ in range(self.workers_n):
                    await self.queue.put(None)

    async def summary_of(self, paper: Paper) -> Summary | None:
        """The paper's summary, or None when it failed or was not started (recorded either way)."""
        summary = None if self.force else self.summarizer.cached(paper)
        if summary is not None:
            self.progress.cached += 1
            return summary
        if self._halted():
            self.report.not_started += 1
            self.unfinished.append(paper.id)
            return None
        if self.batch_failures is not None:
            self.unfinished.append(paper.id)
            self.progress.failed += 1
            self.report.failed.append(Failure(id=paper.id, title=paper.title,
                                              reason=self.batch_failures.get(paper.id, "no answer from the batch")))
            return None
        reason: str | None
        try:
            return await self.summarizer.fresh(paper)
        except BudgetExceeded:
            self.report.not_started += 1
            self.report.budget_reached = True
            reason = None
        except LLMError as exc:
            reason = str(exc)
        except Exception as exc:  # a bug or an answer nobody foresaw: this paper fails, the worker lives
            log.debug("unexpected error on %s", paper.id, exc_info=True)
            reason = f"unexpected error: {type(exc).__name__}: {exc}"
        self.unfinished.append(paper.id)
        if reason is not None:
            self.progress.failed += 1
            self.report.failed.append(Failure(id=paper.id, title=paper.title, reason=reason))
        return None

    async def work(self) -> None:
        while (paper := await self.queue.get()) is not None:
            summary = await self.summary_of(paper)
            if summary is not None:
                self.progress.done += 1
                self.spool.add(self.summarizer.entry(paper, summary, self.day.isoformat()))
            self.services.on_progress(self.progress)

    def finish_report(self) -> None:
        report, progress = self.report, self.progress
        report.fetched, report.from_cache = progress.fetched, progress.cached
        report.summarized = progress.done - progress.cached
        self.summarizer.report_usage(report)
        report.arxiv_requests, report.arxiv_retries = self.fetcher.stats.requests, self.fetcher.stats.retries
        report.durations_s["summarize"] = round(self.services.clock() - self.started, 3)
        if report.fetched == 0:
            cats = ", ".join(self.categories)
            report.note = (f"arXiv listed no new papers in {cats} for {self.day.isoformat()} (an arXiv holiday, or "
                           "every paper was already digested)")
        self.on_report(report)

    async def run(self) -> tuple[Report, list[str]]:
        tasks = [asyncio.create_task(self.produce())] + [asyncio.create_task(self.work())
                                                         for _ in range(self.workers_n)]
        await until_done_or_stopped(tasks, self.stop, STOP_GRACE)
        self.finish_report()
        paths = digest_paths(Path(self.settings.paths.output_dir).expanduser(), self.day)
        stopped = self.progress.usage.stopped
        if stopped is not None or self.stop.is_set():
            # Nothing replaces a digest here: a complete one from an earlier run must not give way to a
            # partial one. The cache keeps every answer, so the re-run finishes in seconds.
            self.report.interrupted = self.stop.is_set()
            self.history.add_pending(self.day, self.fetched_ids)  # no digest holds them yet
            self.write_report(paths["report.json"])
            if stopped is not None:
                raise stopped
            raise Interrupted(f"stopped by a signal after {self.progress.done} papers; re-run to finish (cached "
                              "answers are kept)")
        ids: list[str] = []
        waiting = self._carried_over({item[0] for item in self.spool.index})
        if self.spool.index or self.report.failed or waiting:
            ids = write_spooled_digest(paths, self.spool, self.categories, title=f"arXiv digest {self.day.isoformat()}",
                                       waiting=waiting)
        if ids or self.unfinished:
            self.history.record(self.day, ids, self.unfinished)
        self.write_report(paths["report.json"])
        return self.report, ids

    def write_report(self, path: Path) -> None:
        self.report.durations_s["total"] = round(self.services.clock() - self.started, 3)
        atomic_write_text(path, self.report.model_dump_json(indent=2) + "\n")


async def run_nightly(settings: Settings, day: date | None, services: Services, categories: list[str] | None = None,
                      force: bool = False, limit: int | None = None,
                      summarizer_type: type[Summarizer] = Summarizer) -> tuple[Report, list[str]]:
    """Fetch listing `day`, summarize every paper, write the digest files; returns the report and the ids.

    `summarizer_type` is the cache-first summarizer to use (tests pass one that fails on purpose).
    """
    newest = newest_listing(services.now())
    day = day or newest
    check_listing_date(day)
    ensure_writable(Path(settings.paths.output_dir).expanduser(), "output_dir")
    ensure_writable(Path(settings.paths.cache_dir).expanduser(), "cache_dir")
    async with contextlib.AsyncExitStack() as stack:
        run = NightlyRun(settings, services, day, newest, categories or settings.arxiv.categories, force, limit,
                         stack, summarizer_type)
        return await run.run()

