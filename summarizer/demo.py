"""`summarizer demo`: the real nightly job, offline, replaying recordings.

The fetcher, the summary engine, the cache and the renderer are the production code; only the
two HTTP edges are swapped for `replay` stand-ins (arXiv's API serving recorded Atom entries,
an OpenAI-compatible endpoint replaying recorded answers), built from `fixtures/`.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx

from summarizer.pipeline import Progress, Report, Services, digest_paths, run_nightly
from summarizer.replay import ArxivArchive, RecordedAnswers, arxiv_transport, llm_transport
from summarizer.settings import ArxivSettings, LLMSettings, PathSettings, Settings

DEMO_DATE = date(2025, 12, 24)
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def demo_settings(output_dir: Path, cache_dir: Path) -> Settings:
    return Settings(
        arxiv=ArxivSettings(categories=["cs.IR", "cs.AI"], api_url="http://arxiv.replay/api/query",
                            delay_seconds=0, use_rss=False),
        llm=LLMSettings(base_url="http://llm.replay/v1", api_key="replay-no-key-needed", model="replay",
                        max_concurrency=8),
        paths=PathSettings(cache_dir=str(cache_dir), output_dir=str(output_dir)),
    )


async def run_demo(output_dir: Path, fixtures: Path = FIXTURES, *, stop: asyncio.Event | None = None,
                   on_progress: Callable[[Progress], None] = lambda p: None) -> tuple[Report, dict[str, Path]]:
    """The nightly job for 2025-12-24 with both HTTP edges replaying `fixtures/`; a fresh cache each time."""
    archive = ArxivArchive.from_files(sorted((fixtures / "arxiv").glob("listing-*.xml")))
    answers = RecordedAnswers.from_file(fixtures / "llm" / "answers.jsonl")
    with tempfile.TemporaryDirectory(prefix="summarizer-demo-cache-") as cache_dir:
        settings = demo_settings(output_dir, Path(cache_dir))
        async with httpx.AsyncClient(transport=arxiv_transport(archive)) as arxiv_http, \
                httpx.AsyncClient(transport=llm_transport(answers)) as llm_http:
            services = Services(arxiv_http=arxiv_http, llm_http=llm_http, stop=stop, on_progress=on_progress)
            report, _ = await run_nightly(settings, DEMO_DATE, services)
    return report, digest_paths(output_dir, DEMO_DATE)
