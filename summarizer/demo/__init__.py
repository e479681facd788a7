"""`summarizer demo`: the real nightly job, offline, replaying recordings.

The fetcher, the summary engine, the cache and the renderer are the production code; only the
two HTTP edges are swapped for `replay` stand-ins (arXiv's API serving recorded Atom entries,
an OpenAI-compatible endpoint replaying recorded answers), built from `fixtures/`
(shipped in the wheel as `summarizer.demo.recordings`).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx

from summarizer.core.settings import ArxivSettings, LLMSettings, PathSettings, Settings
from summarizer.demo.replay import ArxivArchive, RecordedAnswers, arxiv_transport, llm_transport
from summarizer.edges.resources import RECORDINGS, data_file
from summarizer.jobs.digest_files import digest_paths
from summarizer.jobs.nightly.day_run import NightlyParams
from summarizer.jobs.nightly.job import NightlyResult, run_nightly
from summarizer.jobs.report import Progress
from summarizer.jobs.services import Services

DEMO_DATE = date(2025, 12, 24)


def demo_settings(output_dir: Path, cache_dir: Path) -> Settings:
    return Settings(
        arxiv=ArxivSettings(categories=["cs.IR", "cs.AI"], api_url="http://arxiv.replay/api/query",
                            delay_seconds=0, use_rss=False),
        llm=LLMSettings(base_url="http://llm.replay/v1", api_key="replay-no-key-needed", model="replay",
                        max_concurrency=8),
        paths=PathSettings(cache_dir=str(cache_dir), output_dir=str(output_dir)),
    )


async def run_demo(output_dir: Path, *, stop: asyncio.Event | None = None,
                   on_progress: Callable[[Progress], None] = lambda p: None,
                   publish_site: bool = True) -> tuple[NightlyResult, dict[str, Path]]:
    """The nightly job for 2025-12-24 with both HTTP edges replaying `fixtures/`; a fresh cache each time, and
    the reading site at OUTPUT_DIR/site."""
    listings = sorted((f for f in data_file(RECORDINGS, "arxiv").iterdir() if f.name.startswith("listing-")),
                      key=lambda f: f.name)
    archive = ArxivArchive.from_files(listings)
    answers = RecordedAnswers.from_file(data_file(RECORDINGS, "llm", "answers.jsonl"))
    with tempfile.TemporaryDirectory(prefix="summarizer-demo-cache-") as cache_dir:
        settings = demo_settings(output_dir, Path(cache_dir))
        async with httpx.AsyncClient(transport=arxiv_transport(archive)) as arxiv_http, \
                httpx.AsyncClient(transport=llm_transport(answers)) as llm_http:
            services = Services(arxiv_http=arxiv_http, llm_http=llm_http, stop=stop, on_progress=on_progress)
            result = await run_nightly(settings, services, NightlyParams(day=DEMO_DATE, publish_site=publish_site,
                                                                         command="demo"))
    return result, digest_paths(output_dir, DEMO_DATE)
