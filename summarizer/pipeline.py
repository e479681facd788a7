"""The jobs: the nightly digest and the regeneration of one paper's summary.

Fetching streams papers into a queue while `max_concurrency` workers summarize them (cache
first), so the first request leaves before the listing is complete. Summaries are cached the
moment they validate; the digest, its HTML page, its records and the run report are written
atomically at the end, so a run killed at any moment loses at most the requests in flight. A
paper whose summary fails is left out and reported, never given a placeholder.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, Field

from summarizer.cache import History, SummaryCache, summary_key
from summarizer.errors import AuthError, Interrupted, LLMError, NoListingError
from summarizer.fetch import ArxivFetcher
from summarizer.html import html_chunks
from summarizer.listing import check_listing_date, newest_listing
from summarizer.llm import ChatClient, RunUsage, SummaryEngine
from summarizer.models import Entry, Paper, Summary, parse_arxiv_id, record_to_entry
from summarizer.prompts import PromptSet
from summarizer.render import digest_chunks, group_by_section, order_categories
from summarizer.settings import Settings
from summarizer.store import atomic_write_text, read_records, record_line

Sleep = Callable[[float], Awaitable[None]]


@dataclass
class Services:
    """The edges a job talks through; tests and the demo pass their own."""

    arxiv_http: httpx.AsyncClient
    llm_http: httpx.AsyncClient | None = None
    sleep: Sleep = asyncio.sleep
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    clock: Callable[[], float] = time.monotonic
    on_progress: Callable[[Progress], None] = lambda progress: None
    stop: asyncio.Event | None = None
    ssl_context: Any = None  # shared by the LLM client when it builds its own


class Failure(BaseModel):
    id: str
    title: str
    reason: str


class Report(BaseModel):
    date: str
    model: str
    fetched: int = 0
    summarized: int = 0
    from_cache: int = 0
    failed: list[Failure] = Field(default_factory=list)
    not_started: int = 0
    llm_requests: int = 0
    llm_retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    arxiv_requests: int = 0
    arxiv_retries: int = 0
    durations_s: dict[str, float] = Field(default_factory=dict)
    interrupted: bool = False


@dataclass
class Progress:
    fetched: int = 0
    done: int = 0
    cached: int = 0
    failed: int = 0
    fetching: bool = True
    usage: RunUsage = field(default_factory=RunUsage)


class Summarizer:
    """Cache-first summaries of single papers, shared by both jobs."""

    def __init__(self, settings: Settings, services: Services, cache: SummaryCache) -> None:
        self.settings = settings
        self.cache = cache
        self.prompts = PromptSet.load()
        self.client = ChatClient(settings.llm, services.llm_http, sleep=services.sleep,
                                 ssl_context=services.ssl_context)
        self.engine = SummaryEngine(self.client, self.prompts)

    def key(self, paper: Paper) -> str:
        llm = self.settings.llm
        return summary_key(paper, self.prompts.version, llm.model, llm.language)

    def cached(self, paper: Paper) -> Summary | None:
        return self.cache.get_summary(self.key(paper))

    async def fresh(self, paper: Paper) -> Summary:
        answer = await self.engine.summarize(paper)
        self.cache.put_summary(self.key(paper), answer.summary, self.settings.llm.model,
                               {"prompt_tokens": answer.prompt_tokens, "completion_tokens": answer.completion_tokens})
        summary: Summary = answer.summary
        return summary

    def entry(self, paper: Paper, summary: Summary) -> Entry:
        return Entry(paper=paper, summary=summary, language=self.settings.llm.language, model=self.settings.llm.model)


def digest_paths(output_dir: Path, day: date) -> dict[str, Path]:
    stem = day.isoformat()
    return {ext: output_dir / f"{stem}.{ext}" for ext in ("md", "html", "jsonl", "report.json")}


class EntrySpool:
    """Finished entries wait on disk, not in memory, until the digest is written.

    Memory then grows by a small index line per paper, not by the paper's text; the files are
    written in one streaming pass per output, in display order.
    """

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._file = tempfile.TemporaryFile(dir=directory)
        self.index: list[tuple[str, str, int, int]] = []  # (id, primary category, offset, length)

    def add(self, entry: Entry) -> None:
        data = record_line(entry).encode("utf-8")
        offset = self._file.seek(0, os.SEEK_END)
        self._file.write(data)
        self.index.append((entry.paper.id, entry.paper.primary_category, offset, len(data)))

    def read(self, item: tuple[str, str, int, int]) -> Entry:
        self._file.seek(item[2])
        return record_to_entry(json.loads(self._file.read(item[3])))

    def close(self) -> None:
        self._file.close()


def write_digest_stream(paths: dict[str, Path], sections: list[tuple[str, int]],
                        entries: Callable[[], Iterator[Entry]], title: str) -> None:
    """The .jsonl, .html and .md of a digest, each streamed to a temporary file and renamed."""
    atomic_write_text(paths["jsonl"], (record_line(e) for e in entries()))
    atomic_write_text(paths["html"], html_chunks(sections, entries(), title))
    atomic_write_text(paths["md"], digest_chunks(sections, entries()))


def write_digest(paths: dict[str, Path], entries: list[Entry], categories: list[str] | None, title: str) -> None:
    """A digest from entries in memory (sections in configured order); records in display order."""
    groups = group_by_section(entries, categories)
    ordered = [e for _, items in groups for e in items]
    write_digest_stream(paths, [(c, len(items)) for c, items in groups], lambda: iter(ordered), title)


def write_spooled_digest(paths: dict[str, Path], spool: EntrySpool, categories: list[str], title: str) -> list[str]:
    """The nightly digest from the spool: papers by arXiv id within sections; returns the ids."""
    groups: dict[str, list[tuple[str, str, int, int]]] = {}
    for item in sorted(spool.index, key=lambda item: item[0]):
        groups.setdefault(item[1], []).append(item)
    order = order_categories(groups, categories)
    ordered = [item for cat in order for item in groups[cat]]
    sections = [(cat, len(groups[cat])) for cat in order]
    write_digest_stream(paths, sections, lambda: (spool.read(item) for item in ordered), title)
    return [item[0] for item in ordered]


async def run_nightly(settings: Settings, day: date | None, services: Services,
                      categories: list[str] | None = None, force: bool = False) -> tuple[Report, list[str]]:
    """Fetch listing `day`, summarize every paper, write the digest files; returns the report and the ids."""
    started = services.clock()
    newest = newest_listing(services.now())
    day = day or newest
    check_listing_date(day)
    cats = categories or settings.arxiv.categories
    cache_dir = Path(settings.paths.cache_dir).expanduser()
    async with contextlib.AsyncExitStack() as stack:
        cache = SummaryCache(cache_dir)
        stack.callback(cache.close)
        history = History(cache_dir)
        stack.callback(history.close)
        spool = EntrySpool(cache_dir / "spool")
        stack.callback(spool.close)
        summarizer = Summarizer(settings, services, cache)
        stack.push_async_callback(summarizer.client.close)
        fetcher = ArxivFetcher(settings.arxiv, services.arxiv_http, sleep=services.sleep, clock=services.clock,
                               categories=cats)
        report = Report(date=day.isoformat(), model=settings.llm.model)
        progress = Progress(usage=summarizer.client.usage)
        stop = services.stop or asyncio.Event()
        queue: asyncio.Queue[Paper | None] = asyncio.Queue(maxsize=settings.llm.max_concurrency * 4)
        workers_n = settings.llm.max_concurrency

        async def produce() -> None:
            try:
                async for paper in fetcher.listing(day, exclude=history.earlier(day),
                                                   use_rss=settings.arxiv.use_rss and day == newest):
                    if stop.is_set():
                        break
                    progress.fetched += 1
                    await queue.put(paper)
                    services.on_progress(progress)
            finally:
                progress.fetching = False
                report.durations_s["fetch"] = round(services.clock() - started, 3)
                for _ in range(workers_n):
                    await queue.put(None)

        async def work() -> None:
            while (paper := await queue.get()) is not None:
                summary = None if force else summarizer.cached(paper)
                if summary is not None:
                    progress.cached += 1
                elif stop.is_set() or isinstance(progress.usage.stopped, AuthError):
                    report.not_started += 1
                    continue
                else:
                    try:
                        summary = await summarizer.fresh(paper)
                    except LLMError as exc:
                        progress.failed += 1
                        report.failed.append(Failure(id=paper.id, title=paper.title, reason=str(exc)))
                        services.on_progress(progress)
                        continue
                progress.done += 1
                spool.add(summarizer.entry(paper, summary))
                services.on_progress(progress)

        workers = [asyncio.create_task(work()) for _ in range(workers_n)]
        try:
            await produce()
        finally:
            await asyncio.gather(*workers)
        usage = progress.usage
        report.fetched, report.from_cache = progress.fetched, progress.cached
        report.summarized = progress.done - progress.cached
        report.llm_requests, report.llm_retries = usage.requests, usage.retries
        report.prompt_tokens, report.completion_tokens = usage.prompt_tokens, usage.completion_tokens
        report.cost_usd = round(usage.cost_usd, 6)
        report.arxiv_requests, report.arxiv_retries = fetcher.stats.requests, fetcher.stats.retries
        report.durations_s["summarize"] = round(services.clock() - started, 3)
        if isinstance(usage.stopped, AuthError):
            raise usage.stopped
        if stop.is_set():
            report.interrupted = True
            raise Interrupted(f"stopped by a signal after {progress.done} papers; re-run to finish (cached answers "
                              "are kept)")
        ids: list[str] = []
        if spool.index or report.failed:
            paths = digest_paths(Path(settings.paths.output_dir).expanduser(), day)
            ids = write_spooled_digest(paths, spool, cats, title=f"arXiv digest {day.isoformat()}")
            history.record(day, ids)
            report.durations_s["total"] = round(services.clock() - started, 3)
            atomic_write_text(paths["report.json"], report.model_dump_json(indent=2) + "\n")
        return report, ids


def find_digest(output_dir: Path, paper_id: str, day: date | None) -> tuple[Path, list[Entry]] | None:
    """The records file of D (or, without D, the newest one that holds the id) and its entries."""
    if day is not None:
        path = output_dir / f"{day.isoformat()}.jsonl"
        return (path, read_records(path)) if path.exists() else None
    for path in sorted(output_dir.glob("????-??-??.jsonl"), reverse=True):
        entries = read_records(path)
        if any(e.paper.id == paper_id for e in entries):
            return path, entries
    return None


@dataclass
class PaperResult:
    entry: Entry
    from_cache: bool
    rewritten: Path | None
    usage: RunUsage


async def run_paper(settings: Settings, id_text: str, services: Services, day: date | None = None,
                    force: bool = False) -> PaperResult:
    """(Re)summarize one paper; rewrite its digest in place when one holds it."""
    paper_id, _ = parse_arxiv_id(id_text)  # refuse a bad id before any request
    if day is not None and day.weekday() >= 5:
        raise NoListingError(f"{day.isoformat()} is a weekend day: no digest can exist for it")
    output_dir = Path(settings.paths.output_dir).expanduser()
    found = find_digest(output_dir, paper_id, day)
    entries = found[1] if found else []
    existing = next((e for e in entries if e.paper.id == paper_id), None)
    async with contextlib.AsyncExitStack() as stack:
        cache = SummaryCache(Path(settings.paths.cache_dir).expanduser())
        stack.callback(cache.close)
        summarizer = Summarizer(settings, services, cache)
        stack.push_async_callback(summarizer.client.close)
        if existing is not None:
            paper = existing.paper
        else:
            fetcher = ArxivFetcher(settings.arxiv, services.arxiv_http, sleep=services.sleep, clock=services.clock)
            paper = await fetcher.one(id_text)
        summary = None if force else summarizer.cached(paper)
        from_cache = summary is not None
        if summary is None:
            summary = await summarizer.fresh(paper)
        entry = summarizer.entry(paper, summary)
    rewritten = None
    if found and existing is not None:
        records_path = found[0]
        updated = [entry if e.paper.id == paper_id else e for e in entries]
        paths = digest_paths(records_path.parent, date.fromisoformat(records_path.stem))
        write_digest(paths, updated, None, title=f"arXiv digest {records_path.stem}")
        rewritten = paths["md"]
    return PaperResult(entry=entry, from_cache=from_cache, rewritten=rewritten, usage=summarizer.client.usage)
