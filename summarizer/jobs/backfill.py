"""`backfill`: summaries for a range of listing dates, or for every paper in OUTPUT_DIR still without one.

With --from/--to, every listing date of the range is fetched (weekends skipped, each day exactly
its listing window, a paper in two windows kept in the earlier day), its papers kept on disk in the
job's paper store, not in memory. Every paper not already cached is then summarized: in sync mode
day by day, in batch mode in one batch job for the whole range. Each day's files are written by
the nightly job's own code once that day's summaries are settled, so a day never holds half its
papers and a killed backfill resumes: fetched days are not fetched again, submitted batches not
submitted again. With --missing, the papers come from OUTPUT_DIR's records instead (failed ones,
placeholders imported from another tool's history) and their days' files are rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from summarizer.core.errors import ConfigError, Interrupted
from summarizer.core.listing import newest_listing
from summarizer.core.models import Paper
from summarizer.core.settings import Settings
from summarizer.edges.cache import PaperStore, SummaryCache
from summarizer.edges.fetch import ArxivFetcher
from summarizer.edges.store import ensure_writable, read_records
from summarizer.jobs.nightly import NightlyRun
from summarizer.jobs.summaries import BatchReport, Report, Services, Summarizer
from summarizer.jobs.summary_batch import BatchRequest, SummaryBatch, run_summary_batch, summary_job_id


@dataclass
class BackfillStatus:
    """What the progress display shows."""

    phase: str = "fetch"  # fetch, batch, write, done
    days_total: int = 0
    days_fetched: int = 0
    days_written: int = 0
    papers: int = 0
    batch: BatchReport | None = None


@dataclass
class BackfillResult:
    status: str  # done, submitted, exported, incomplete
    days: int
    papers: int
    reports: list[Report] = field(default_factory=list)
    batch: BatchReport | None = None


def listing_days(start: date, end: date) -> list[date]:
    """Every weekday of [start, end]: arXiv lists Monday to Friday (holidays simply list nothing)."""
    if end < start:
        raise ConfigError(f"--from {start} is after --to {end}", key="--from")
    return [start + timedelta(days=n) for n in range((end - start).days + 1)
            if (start + timedelta(days=n)).weekday() < 5]


def missing_by_day(output_dir: Path) -> dict[date, list[Paper]]:
    """The papers of OUTPUT_DIR's records that have no summary, by day."""
    found: dict[date, list[Paper]] = {}
    for path in sorted(output_dir.glob("????-??-??.jsonl")):
        try:
            day = date.fromisoformat(path.stem)
        except ValueError:
            continue
        papers = [e.paper for e in read_records(path) if e.summary is None]
        if papers:
            found[day] = papers
    return found


class Backfill:
    """One backfill: the paper store and the days, shared by its phases."""

    def __init__(self, settings: Settings, services: Services, categories: list[str], job_key: list[object],
                 stack: contextlib.ExitStack, on_status: Callable[[BackfillStatus], None]) -> None:
        self.settings, self.services, self.categories = settings, services, categories
        self.cache_dir = Path(settings.paths.cache_dir).expanduser()
        self.key = hashlib.sha256(json.dumps(job_key, default=str).encode()).hexdigest()[:16]
        self.store = PaperStore(self.cache_dir / "backfill" / self.key)
        stack.callback(self.store.close)
        self.days: list[date] = []
        self.status = BackfillStatus()
        self.on_status = on_status
        self.newest = newest_listing(services.now())

    def ids(self) -> Iterator[str]:
        for day in self.days:
            yield from self.store.day(day) or []

    def _stopped(self) -> bool:
        return self.services.stop is not None and self.services.stop.is_set()

    async def fetch(self, days: list[date]) -> None:
        """Each day's listing into the store; a day already stored (a resumed job) is not fetched again."""
        self.days = days
        self.status.days_total = len(days)
        assigned: set[str] = set()
        fetcher = ArxivFetcher(self.settings.arxiv, self.services.arxiv_http, sleep=self.services.sleep,
                               clock=self.services.clock, categories=self.categories)
        for day in days:
            ids = self.store.day(day)
            if ids is None:
                ids = []
                async for paper in fetcher.listing(day):
                    if self._stopped():
                        raise Interrupted(f"stopped by a signal while fetching {day}; re-run the same command "
                                          "to resume (fetched days are kept)")
                    if paper.id not in assigned:
                        self.store.put(paper)
                        ids.append(paper.id)
                self.store.set_day(day, ids)
            assigned.update(ids)
            self.status.days_fetched += 1
            self.status.papers += len(ids)
            self.on_status(self.status)

    def keep(self, by_day: dict[date, list[Paper]]) -> None:
        """Papers known already (--missing): into the store, by day."""
        self.days = sorted(by_day)
        self.status.days_total = self.status.days_fetched = len(self.days)
        for day, papers in by_day.items():
            for paper in papers:
                self.store.put(paper)
            self.store.set_day(day, [p.id for p in papers])
            self.status.papers += len(papers)

    async def write_day(self, day: date, given: list[Paper], batch_failures: dict[str, str] | None,
                        batch: BatchReport | None) -> Report:
        async with contextlib.AsyncExitStack() as stack:
            run = NightlyRun(self.settings, self.services, day, self.newest, self.categories, False, None, stack)
            run.given = given
            run.batch_failures = batch_failures
            if batch is not None:
                run.report.mode = "batch"
            report, _ = await run.run()
        self.status.days_written += 1
        self.on_status(self.status)
        return report


async def run_backfill(settings: Settings, services: Services, *, start: date | None = None,
                       end: date | None = None, missing: bool = False, mode: str = "sync",
                       categories: list[str] | None = None, request: BatchRequest | None = None,
                       on_status: Callable[[BackfillStatus], None] = lambda s: None) -> BackfillResult:
    request = request or BatchRequest()
    output_dir = Path(settings.paths.output_dir).expanduser()
    ensure_writable(output_dir, "output_dir")
    ensure_writable(Path(settings.paths.cache_dir).expanduser(), "cache_dir")
    cats = categories or settings.arxiv.categories
    with contextlib.ExitStack() as stack:
        if missing:
            by_day = missing_by_day(output_dir)
            key: list[object] = ["missing", sorted((d.isoformat(), sorted(p.id for p in ps))
                                                   for d, ps in by_day.items())]
            job = Backfill(settings, services, cats, key, stack, on_status)
            job.keep(by_day)
        else:
            if start is None or end is None:
                raise ConfigError("backfill needs --from and --to, or --missing", key="--from")
            days = listing_days(start, min(end, newest_listing(services.now())))
            job = Backfill(settings, services, cats, ["range", start, end, sorted(cats)], stack, on_status)
            await job.fetch(days)
        return await _summarize_and_write(job, mode, request, missing)


async def _summarize_and_write(job: Backfill, mode: str, request: BatchRequest, missing: bool) -> BackfillResult:
    settings, services = job.settings, job.services
    batch: BatchReport | None = None
    failures: dict[str, str] | None = None
    if mode == "batch" or request.export_dir is not None or request.import_files is not None:
        job.status.phase = "batch"
        job.on_status(job.status)
        cache = SummaryCache(job.cache_dir)
        summarizer = Summarizer(settings, services, cache)
        try:
            work = SummaryBatch(summarizer, job.ids, job.store.get)
            job_id = summary_job_id(summarizer, "backfill", job.key)
            args = {"kind": f"summaries of backfill {job.key}", "rerun": "the same summarizer backfill command"}
            outcome, batch = await run_summary_batch(summarizer, work, job.cache_dir, job_id, args, request,
                                                     sleep=services.sleep, stop=services.stop)
        finally:
            cache.close()
            await summarizer.client.close()
        job.status.batch = batch
        job.on_status(job.status)
        if outcome.status in ("submitted", "exported"):
            return BackfillResult(outcome.status, len(job.days), job.status.papers, batch=batch)
        failures = outcome.failures
    job.status.phase = "write"
    reports = []
    for day in job.days:
        if job._stopped():
            raise Interrupted(f"stopped by a signal after {job.status.days_written} of {len(job.days)} days; "
                              "re-run the same command to resume")
        ids = job.store.day(day) or []
        if not ids:
            continue  # a holiday, or a day whose papers all went to an earlier listing
        given = [] if missing else [job.store.get(i) for i in ids]
        reports.append(await job.write_day(day, given, failures, batch))
    job.status.phase = "done"
    job.on_status(job.status)
    incomplete = any(r.failed or r.not_started for r in reports)
    return BackfillResult("incomplete" if incomplete else "done", len(job.days), job.status.papers, reports, batch)
