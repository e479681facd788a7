"""One run of the nightly job over one listing day: what it was asked, what it works with, what its stages pass on.

`NightlyParams` is everything a caller decides (the command line, backfill, the collection of an
earlier batch): a run is configured through it, never by setting attributes afterwards. `Run`
holds the open edges (caches, LLM client, fetcher) and the report the stages fill; `open_run`
opens and closes them. `DayState` is what the stages hand each other: each stage takes one and
returns a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from summarizer.core.listing import Calendar
from summarizer.core.models import Entry, Paper, SourceText
from summarizer.core.settings import ProfileSettings, Settings
from summarizer.edges.arxiv.fetch import ArxivFetcher
from summarizer.edges.resources import listing_calendar
from summarizer.edges.storage.cache import History, SummaryCache
from summarizer.edges.storage.run_lock import RunLock
from summarizer.edges.storage.store import atomic_write_text, ensure_writable
from summarizer.jobs.digest_files import digest_paths
from summarizer.jobs.report import BatchReport, Progress, Report
from summarizer.jobs.services import Services
from summarizer.jobs.summaries.summarizer import Summarizer

if TYPE_CHECKING:
    from summarizer.jobs.rank.day import Ranking
    from summarizer.jobs.site.build import SiteReport
    from summarizer.jobs.summaries.batch import BatchRequest

log = logging.getLogger(__name__)

_WARNED_YEARS: set[int] = set()  # "no holiday calendar for YEAR" once per process, not once per day


@dataclass(frozen=True)
class NightlyParams:
    """What a caller asks of one run."""

    day: date | None = None  # default: the newest listing announced
    categories: tuple[str, ...] | None = None  # default: [arxiv] categories
    force: bool = False  # ask the LLM again even when a summary is cached
    limit: int | None = None
    batch: BatchRequest | None = None  # summaries through the Batch API (submit, export or import)
    given: tuple[Paper, ...] | None = None  # the day's papers, fetched already: no listing request
    batch_failures: Mapping[str, str] | None = None  # papers a collected batch left: failed, never asked in sync
    batch_report: BatchReport | None = None  # the collected batch, for the day's report
    publish_site: bool = False
    deliver: bool = False  # send the day to the [[deliver]] channels at the end
    profile: ProfileSettings | None = None  # --profile FILE; default: [profile] of the config
    top: int | None = None  # --top K; default: [profile] summarize_top
    command: str = "nightly"  # for the lock file: who holds the cache
    lock: bool = True  # False for the days a caller that holds the lock writes (backfill, collection)
    collect_earlier: bool = True  # collect finished batch jobs of other days first


@dataclass
class Run:
    """The edges one run works with, opened by `open_run`, and the report its stages fill."""

    settings: Settings
    services: Services
    params: NightlyParams
    day: date
    newest: date
    categories: list[str]
    calendar: Calendar
    cache: SummaryCache
    history: History
    summarizer: Summarizer
    fetcher: ArxivFetcher
    report: Report
    progress: Progress
    stop: asyncio.Event
    started: float
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def cache_dir(self) -> Path:
        return Path(self.settings.paths.cache_dir).expanduser()

    @property
    def output_dir(self) -> Path:
        return Path(self.settings.paths.output_dir).expanduser()

    @property
    def profile(self) -> ProfileSettings:
        return self.params.profile if self.params.profile is not None else self.settings.profile

    @property
    def top(self) -> int | None:
        return self.params.top if self.params.top is not None else self.profile.summarize_top

    def halted(self) -> bool:
        """A signal, or a provider condition no paper can get past (key refused, quota exhausted)."""
        return self.stop.is_set() or self.progress.usage.stopped is not None

    def write_report(self) -> None:
        self.report.durations_s["total"] = round(self.services.clock() - self.started, 3)
        atomic_write_text(self.paths["report.json"], self.report.model_dump_json(indent=2) + "\n")


@dataclass(frozen=True)
class DayState:
    """What the stages hand each other, in the order they fill it."""

    elsewhere: frozenset[str] = frozenset()  # collect: ids waiting in another unfinished batch job
    papers: tuple[Paper, ...] = ()  # list: the run's papers, in listing order
    existing: tuple[Entry, ...] = ()  # list: the day's records before this run
    ranking: Ranking | None = None  # rank: every kept paper's score and reason (None: no profile)
    selected: frozenset[str] | None = None  # rank: the papers to summarize (None: every one)
    seen: Mapping[str, SourceText] = field(default_factory=dict)  # fulltext: what a paper is summarized from
    unfinished: frozenset[str] = frozenset()  # summarize: failed or not started, completed by a later run
    accepted_in_batch: int = 0  # summarize: answers this run's batch brought (counted as summarized)
    digest_ids: tuple[str, ...] = ()  # write: the ids the digest holds
    site: SiteReport | None = None  # site: what the refresh rebuilt
    halt: str | None = None  # a stage ended the run here (a batch submitted or exported): why


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[Run, DayState], Awaitable[DayState]]


async def run_stages(run: Run, stages: tuple[Stage, ...], state: DayState | None = None) -> DayState:
    state = state or DayState()
    for stage in stages:
        if state.halt is not None:
            break
        began = run.services.clock()
        state = await stage.run(run, state)
        run.report.durations_s[stage.name] = round(run.services.clock() - began, 3)
    return state


def warn_unknown_years(calendar: Calendar, days: Iterable[date]) -> None:
    for year in calendar.unknown_years(days):
        if year not in _WARNED_YEARS:
            _WARNED_YEARS.add(year)
            log.warning("arXiv's holidays for %d are not known to this version (summarizer/data/arxiv-holidays.toml): "
                        "every weekday of %d is taken as a listing day; add them with [arxiv] holidays", year, year)


def run_calendar(settings: Settings, days: Iterable[date] = ()) -> Calendar:
    calendar = listing_calendar(settings.arxiv.holidays)
    warn_unknown_years(calendar, days)
    return calendar


@contextlib.asynccontextmanager
async def open_run(settings: Settings, services: Services, params: NightlyParams,
                   summarizer_type: type[Summarizer] = Summarizer) -> AsyncIterator[Run]:
    """The run's edges, open for the `async with` block: the lock, both caches, the LLM client, the fetcher.

    The date of a listing to fetch is checked (weekend, arXiv holiday) and both folders proven writable before anything
    is opened or asked. `summarizer_type` lets tests fail a paper on purpose.
    """
    calendar = listing_calendar(settings.arxiv.holidays)
    newest = calendar.newest(services.now())
    day = params.day or newest
    if params.given is None:  # a day read from arXiv; given papers (an import's crawl dates) may carry any date
        warn_unknown_years(calendar, [day])
        calendar.check(day)
    output_dir, cache_dir = Path(settings.paths.output_dir).expanduser(), Path(settings.paths.cache_dir).expanduser()
    ensure_writable(output_dir, "output_dir")
    ensure_writable(cache_dir, "cache_dir")
    categories = list(params.categories or settings.arxiv.categories)
    async with contextlib.AsyncExitStack() as stack:
        if params.lock:
            stack.enter_context(RunLock(cache_dir, params.command, services.now()))
        cache = _closing(stack, SummaryCache(cache_dir))
        history = _closing(stack, History(cache_dir))
        summarizer = summarizer_type(settings, services, cache)
        stack.push_async_callback(summarizer.client.close)
        fetcher = ArxivFetcher(settings.arxiv, services.arxiv_http, sleep=services.sleep, clock=services.clock,
                               categories=categories, calendar=calendar)
        yield Run(settings=settings, services=services, params=params, day=day, newest=newest,
                  categories=categories, calendar=calendar, cache=cache, history=history, summarizer=summarizer,
                  fetcher=fetcher, report=Report(date=day.isoformat(), model=settings.llm.model),
                  progress=Progress(usage=summarizer.client.usage), stop=services.stop or asyncio.Event(),
                  started=services.clock(), paths=digest_paths(output_dir, day))


def _closing(stack: contextlib.AsyncExitStack, resource: Any) -> Any:
    stack.callback(resource.close)
    return resource
