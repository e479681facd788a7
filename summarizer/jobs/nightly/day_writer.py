"""A day whose papers are known already (a backfill's, a collected batch job's): summarized from the cache
and written by the nightly job's own stages, so its digest is the one a nightly run would write.

The caller holds the cache's lock and has settled the batch: papers the batch left without an
answer fail with its reason and are not asked here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from summarizer.core.models import Paper
from summarizer.core.settings import ProfileSettings, Settings
from summarizer.jobs.nightly.day_run import NightlyParams, Stage, open_run, run_stages
from summarizer.jobs.nightly.stages.listing import list_papers
from summarizer.jobs.nightly.stages.rank import rank_papers
from summarizer.jobs.nightly.stages.summarize import summarize
from summarizer.jobs.nightly.stages.write import write_day
from summarizer.jobs.report import BatchReport, Report
from summarizer.jobs.services import Services

DAY_STAGES = (Stage("list", list_papers), Stage("rank", rank_papers), Stage("summarize", summarize),
              Stage("write", write_day))


async def write_given_day(settings: Settings, services: Services, day: date, papers: Sequence[Paper], *,
                          categories: Sequence[str] | None = None, failures: Mapping[str, str] | None = None,
                          batch: BatchReport | None = None,
                          profile: ProfileSettings | None = None, top: int | None = None) -> Report:
    """Day `day` from `papers` (its records' papers without a summary are completed too), ranked like a nightly
    run with the same profile and K."""
    params = NightlyParams(day=day, categories=tuple(categories) if categories else None, given=tuple(papers),
                           batch_failures=failures, batch_report=batch, lock=False, collect_earlier=False,
                           profile=profile, top=top)
    async with open_run(settings, services, params) as run:
        await run_stages(run, DAY_STAGES)
        return run.report
