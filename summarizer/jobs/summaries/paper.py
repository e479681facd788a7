"""The paper job: (re)summarize one paper and rewrite, in place, the digest that holds it."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from summarizer.core.errors import NoListingError
from summarizer.core.models import Entry, parse_arxiv_id
from summarizer.core.settings import Settings
from summarizer.edges.arxiv.fetch import ArxivFetcher
from summarizer.edges.llm.client import RunUsage
from summarizer.edges.storage.cache import SummaryCache
from summarizer.edges.storage.run_lock import RunLock
from summarizer.jobs.digest_files import digest_paths, find_digest, write_digest
from summarizer.jobs.services import Services
from summarizer.jobs.summaries.summarizer import Summarizer


@dataclass
class PaperResult:
    entry: Entry
    from_cache: bool
    rewritten: Path | None
    usage: RunUsage


async def run_paper(settings: Settings, id_text: str, services: Services, day: date | None = None,
                    force: bool = False, command: str = "paper") -> PaperResult:
    """(Re)summarize one paper; rewrite its digest in place when one holds it."""
    paper_id, _ = parse_arxiv_id(id_text)  # refuse a bad id before any request
    if day is not None and day.weekday() >= 5:
        raise NoListingError(f"{day.isoformat()} is a weekend day: no digest can exist for it")
    output_dir = Path(settings.paths.output_dir).expanduser()
    found = find_digest(output_dir, paper_id, day)
    entries = found[1] if found else []
    existing = next((e for e in entries if e.paper.id == paper_id), None)
    async with contextlib.AsyncExitStack() as stack:
        # one run at a time per cache: a nightly asking for this paper at the same time would pay twice
        stack.enter_context(RunLock(Path(settings.paths.cache_dir).expanduser(), command, services.now()))
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
        entry = summarizer.entry(paper, summary, existing.day if existing else None)
    rewritten = None
    if found and existing is not None:
        records_path = found[0]
        updated = [entry if e.paper.id == paper_id else e for e in entries]
        paths = digest_paths(records_path.parent, date.fromisoformat(records_path.stem))
        write_digest(paths, updated, None, title=f"arXiv digest {records_path.stem}")
        rewritten = paths["md"]
    return PaperResult(entry=entry, from_cache=from_cache, rewritten=rewritten, usage=summarizer.client.usage)
