"""The nightly job: fetch listing D, summarize every paper (cache first), write the digest.

Fetching streams papers into a queue while `max_concurrency` workers summarize them, so the first
request leaves before the listing is complete. The digest, its HTML page, its records and the run
report are written at the end. A paper whose summary fails is left out and reported, never given
a placeholder.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date
from pathlib import Path

from summarizer.core.errors import AuthError, Interrupted, LLMError
from summarizer.core.listing import check_listing_date, newest_listing
from summarizer.core.models import Paper
from summarizer.core.settings import Settings
from summarizer.edges.cache import History, SummaryCache
from summarizer.edges.fetch import ArxivFetcher
from summarizer.edges.store import atomic_write_text
from summarizer.jobs.digest_files import EntrySpool, digest_paths, write_spooled_digest
from summarizer.jobs.summaries import Failure, Progress, Report, Services, Summarizer


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


