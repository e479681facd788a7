"""`summarizer rank`: a records file's papers, or a listing's, ranked for the reader with no LLM request.

A listing is read by the nightly job's own list and rank stages, so `rank --date D` shows the
order `nightly --date D` would summarize in.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from summarizer.core.models import Paper
from summarizer.core.settings import ProfileSettings, Settings
from summarizer.edges.arxiv.fetch import ArxivFetcher
from summarizer.edges.storage.store import read_records
from summarizer.jobs.nightly.day_run import DayState, NightlyParams, open_run
from summarizer.jobs.nightly.stages.listing import list_papers
from summarizer.jobs.nightly.stages.rank import rank_papers
from summarizer.jobs.rank.day import Ranking, rank_day
from summarizer.jobs.services import Services


async def rank_records(settings: Settings, services: Services, path: Path,
                       profile: ProfileSettings) -> tuple[Ranking, list[Paper]]:
    entries = read_records(path)
    papers = [e.paper for e in entries]
    fetcher = ArxivFetcher(settings.arxiv, services.arxiv_http, sleep=services.sleep, clock=services.clock)
    days = sorted({e.day for e in entries if e.day})
    try:
        today = date.fromisoformat(days[-1][:10]) if days else services.now().date()
    except ValueError:
        today = services.now().date()
    ranking = await rank_day(settings, profile, papers, cache_dir=Path(settings.paths.cache_dir).expanduser(),
                             fetcher=fetcher, today=today, top=None)
    return ranking, papers


async def rank_listing(settings: Settings, services: Services, params: NightlyParams) -> tuple[Ranking, list[Paper]]:
    async with open_run(settings, services, params) as run:
        state = await list_papers(run, DayState())
        papers = list(state.papers)
        state = await rank_papers(run, state)
        return state.ranking or Ranking(), papers
