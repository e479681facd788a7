"""Stage "list": the run's papers, once each.

The day's listing (or the papers a caller fetched already), the papers an earlier run could not
finish, and the day's records still without a summary; `--limit` applies, and papers waiting in
another unfinished batch job are left to it (asked here, they would be paid twice).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import replace

from summarizer.core.models import Paper, listed_only
from summarizer.edges.storage.store import read_records
from summarizer.jobs.nightly.day_run import DayState, Run


async def _each(papers: Iterable[Paper]) -> AsyncIterator[Paper]:
    for paper in papers:
        yield paper


def _sources(run: Run, waiting_in_records: list[Paper]) -> tuple[AsyncIterator[Paper], ...]:
    if run.params.given is not None:
        return _each(run.params.given), _each(waiting_in_records)
    earlier = run.history.earlier(run.day)
    pending = run.history.pending() - (earlier or set())
    use_rss = run.settings.arxiv.use_rss and run.day == run.newest
    return (run.fetcher.listing(run.day, exclude=earlier, use_rss=use_rss), run.fetcher.by_ids(sorted(pending)),
            _each(waiting_in_records))


async def list_papers(run: Run, state: DayState) -> DayState:
    existing = read_records(run.paths["jsonl"]) if run.paths["jsonl"].exists() else []
    seen: set[str] = set()
    papers: list[Paper] = []
    limit = run.params.limit
    waiting = [e.paper for e in existing if e.summary is None and not listed_only(e)]
    for source in _sources(run, waiting):
        async for paper in source:
            if run.halted() or (limit is not None and len(papers) >= limit):
                break
            if paper.id in seen:
                continue
            seen.add(paper.id)
            if paper.id in state.elsewhere:
                run.report.in_other_batches += 1
                continue
            papers.append(paper)
            run.progress.fetched += 1
    run.progress.fetching = False
    run.report.listing_notes = list(run.fetcher.notes)
    run.report.arxiv_requests, run.report.arxiv_retries = run.fetcher.stats.requests, run.fetcher.stats.retries
    return replace(state, papers=tuple(papers), existing=tuple(existing))
