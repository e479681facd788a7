"""`backfill`: summaries for a range of listing dates, or for every paper in OUTPUT_DIR still without one.

With --from/--to, every listing date of the range is fetched (weekends and arXiv holidays
skipped, each day exactly its listing window, a paper in two windows kept in the earlier day),
its papers kept on disk in the job's paper store, not in memory. Every paper not already cached
is then summarized: in sync mode day by day, in batch mode in one batch job for the whole range.
Each day's files are written by the nightly job's own stages once that day's summaries are
settled, so a day never holds half its papers and a killed backfill resumes: fetched days are not
fetched again, submitted batches not submitted again. With --missing, the papers come from
OUTPUT_DIR's records instead (failed ones, placeholders imported from daily-arXiv-ai-enhanced's
history) and their days' files are rewritten. Like a nightly run, a backfill holds the cache's
lock, first collects other runs' finished batch jobs, and asks nothing for a paper another
unfinished job holds.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from summarizer.core.errors import ConfigError, Interrupted
from summarizer.core.models import Paper, listed_only
from summarizer.core.settings import ProfileSettings, Settings
from summarizer.edges.arxiv.fetch import ArxivFetcher
from summarizer.edges.storage.cache import PaperStore, SummaryCache
from summarizer.edges.storage.run_lock import RunLock
from summarizer.edges.storage.store import ensure_writable, read_records
from summarizer.jobs.nightly.day_run import run_calendar
from summarizer.jobs.nightly.day_writer import write_given_day
from summarizer.jobs.rank.day import rank_day
from summarizer.jobs.report import BatchReport, CollectedJob, Report
from summarizer.jobs.services import Services
from summarizer.jobs.summaries.batch import BatchRequest, SummaryBatch, run_summary_batch, summary_job_id
from summarizer.jobs.summaries.batch_collect import collect_jobs
from summarizer.jobs.summaries.summarizer import Summarizer


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
    collected: list[CollectedJob] = field(default_factory=list)
    in_other_batches: int = 0


def missing_by_day(output_dir: Path) -> dict[date, list[Paper]]:
    """The papers of OUTPUT_DIR's records that have no summary, by day."""
    found: dict[date, list[Paper]] = {}
    for path in sorted(output_dir.glob("????-??-??.jsonl")):
        try:
            day = date.fromisoformat(path.stem)
        except ValueError:
            continue
        papers = [e.paper for e in read_records(path) if e.summary is None and not listed_only(e)]
        if papers:
            found[day] = papers
    return found


class Backfill:
    """One backfill: the paper store and the days, shared by its phases."""

    def __init__(self, settings: Settings, services: Services, categories: list[str], key: str, store: PaperStore,
                 on_status: Callable[[BackfillStatus], None], *, fetcher: ArxivFetcher, elsewhere: set[str],
                 profile: ProfileSettings | None, top: int | None) -> None:
        self.settings, self.services, self.categories = settings, services, categories
        self.cache_dir = Path(settings.paths.cache_dir).expanduser()
        self.key = key
        self.store = store
        self.fetcher = fetcher
        self.days: list[date] = []
        self.status = BackfillStatus()
        self.on_status = on_status
        self.elsewhere = elsewhere  # ids another unfinished batch job holds
        self.profile, self.top = profile, top
        self.chosen: dict[date, set[str]] = {}  # with a K: the papers of each day to summarize

    def ids(self) -> Iterator[str]:
        for day in self.days:
            chosen = self.chosen.get(day)
            yield from (i for i in self.store.day(day) or [] if i not in self.elsewhere
                        and (chosen is None or i in chosen))

    async def choose(self) -> None:
        """With a K (--top, or [profile] summarize_top): each day's papers ranked as a nightly run ranks them,
        so a batch submits exactly what the days will show summarized."""
        profile = self.profile or self.settings.profile
        top = self.top if self.top is not None else profile.summarize_top
        if top is None:
            return
        for day in self.days:
            papers = [self.store.get(i) for i in self.store.day(day) or []]
            ranking = await rank_day(self.settings, profile, papers, cache_dir=self.cache_dir, fetcher=self.fetcher,
                                     today=day, top=top)
            self.chosen[day] = set(ranking.selected or ())

    def stopped(self) -> bool:
        return self.services.stop is not None and self.services.stop.is_set()

    async def fetch(self, days: list[date]) -> None:
        """Each day's listing into the store; a day already stored (a resumed job) is not fetched again."""
        self.days = days
        self.status.days_total = len(days)
        assigned: set[str] = set()
        for day in days:
            ids = self.store.day(day)
            if ids is None:
                ids = []
                async for paper in self.fetcher.listing(day):
                    if self.stopped():
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

    def job_args(self, missing: bool) -> dict[str, object]:
        return {"kind": f"summaries of backfill {self.key}", "rerun": "the same summarizer backfill command",
                "store": f"backfill/{self.key}", "days": [d.isoformat() for d in self.days],
                "categories": self.categories, "missing": missing}


def backfill_key(job_key: list[object]) -> str:
    return hashlib.sha256(json.dumps(job_key, default=str).encode()).hexdigest()[:16]


async def run_backfill(settings: Settings, services: Services, *, start: date | None = None,
                       end: date | None = None, missing: bool = False, mode: str = "sync",
                       categories: list[str] | None = None, request: BatchRequest | None = None,
                       on_status: Callable[[BackfillStatus], None] = lambda s: None,
                       command: str = "backfill", profile: ProfileSettings | None = None,
                       top: int | None = None) -> BackfillResult:
    request = request or BatchRequest()
    output_dir = Path(settings.paths.output_dir).expanduser()
    cache_dir = Path(settings.paths.cache_dir).expanduser()
    ensure_writable(output_dir, "output_dir")
    ensure_writable(cache_dir, "cache_dir")
    cats = categories or settings.arxiv.categories
    calendar = run_calendar(settings, [] if missing else [d for d in (start, end) if d is not None])
    if missing:
        by_day = missing_by_day(output_dir)
        key = backfill_key(["missing", sorted((d.isoformat(), sorted(p.id for p in ps)) for d, ps in by_day.items())])
    else:
        if start is None or end is None:
            raise ConfigError("backfill needs --from and --to, or --missing", key="--from")
        days = calendar.days(start, min(end, calendar.newest(services.now())))
        key = backfill_key(["range", start, end, sorted(cats)])
    fetcher = ArxivFetcher(settings.arxiv, services.arxiv_http, sleep=services.sleep, clock=services.clock,
                           categories=cats, calendar=calendar)
    async with contextlib.AsyncExitStack() as stack:
        stack.enter_context(RunLock(cache_dir, command, services.now()))
        store = PaperStore(cache_dir / "backfill" / key)
        stack.callback(store.close)
        cache = SummaryCache(cache_dir)
        stack.callback(cache.close)
        summarizer = Summarizer(settings, services, cache)
        stack.push_async_callback(summarizer.client.close)
        collected, elsewhere = await collect_jobs(settings, services, summarizer, cache_dir,
                                                  skip={summary_job_id(summarizer, "backfill", key)})
        job = Backfill(settings, services, cats, key, store, on_status, fetcher=fetcher, elsewhere=elsewhere,
                       profile=profile, top=top)
        if missing:
            job.keep(by_day)
        else:
            await job.fetch(days)
        await job.choose()
        result = await _summarize_and_write(job, summarizer, mode, request, missing)
        result.collected = collected
        return result


async def _summarize_batch(job: Backfill, summarizer: Summarizer, request: BatchRequest,
                           missing: bool) -> tuple[str, BatchReport, dict[str, str]]:
    job.status.phase = "batch"
    job.on_status(job.status)
    work = SummaryBatch(summarizer, job.ids, job.store.get)
    job_id = summary_job_id(summarizer, "backfill", job.key)
    outcome, batch = await run_summary_batch(summarizer, work, job.cache_dir, job_id, job.job_args(missing),
                                             request, sleep=job.services.sleep, stop=job.services.stop)
    job.status.batch = batch
    job.on_status(job.status)
    return outcome.status, batch, outcome.failures


async def _summarize_and_write(job: Backfill, summarizer: Summarizer, mode: str, request: BatchRequest,
                               missing: bool) -> BackfillResult:
    batch: BatchReport | None = None
    failures: dict[str, str] | None = None
    if mode == "batch" or request.export_dir is not None or request.import_files is not None:
        status, batch, failures = await _summarize_batch(job, summarizer, request, missing)
        if status in ("submitted", "exported"):
            return BackfillResult(status, len(job.days), job.status.papers, batch=batch)
    job.status.phase = "write"
    reports = []
    for day in job.days:
        if job.stopped():
            raise Interrupted(f"stopped by a signal after {job.status.days_written} of {len(job.days)} days; "
                              "re-run the same command to resume")
        ids = [i for i in job.store.day(day) or [] if i not in job.elsewhere]
        if not ids:
            continue  # a day whose papers all went to an earlier listing, or to another batch job
        given = [] if missing else [job.store.get(i) for i in ids]
        reports.append(await write_given_day(job.settings, job.services, day, given, categories=job.categories,
                                             failures=failures, profile=job.profile,
                                             top=job.top))
        job.status.days_written += 1
        job.on_status(job.status)
    job.status.phase = "done"
    job.on_status(job.status)
    incomplete = any(r.failed or r.not_started for r in reports)
    held = sum(1 for day in job.days for i in job.store.day(day) or [] if i in job.elsewhere)
    return BackfillResult("incomplete" if incomplete else "done", len(job.days), job.status.papers, reports, batch,
                          in_other_batches=held)
