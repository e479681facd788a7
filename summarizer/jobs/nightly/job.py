"""The nightly job: a listing day turned into its digest, as a sequence of named stages.

    collect -> list -> rank -> fulltext -> summarize -> write -> site -> deliver

Each stage is a module of `jobs/stages` taking the run (`Run`: settings, open edges, the report)
and what the stages before it produced (`DayState`), and returning a new `DayState`. A new stage
is a new module and one line in `STAGES`. A caller configures the run through `NightlyParams`.
A stage may end the run early (`DayState.halt`: a batch submitted or exported); a signal or a
condition no paper can get past ends it with an error after the report is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from summarizer.core.settings import Settings
from summarizer.jobs.nightly.day_run import NightlyParams, Stage, open_run, run_stages
from summarizer.jobs.nightly.stages.collect import collect_earlier
from summarizer.jobs.nightly.stages.deliver import deliver
from summarizer.jobs.nightly.stages.fulltext import fetch_fulltext
from summarizer.jobs.nightly.stages.listing import list_papers
from summarizer.jobs.nightly.stages.rank import rank_papers
from summarizer.jobs.nightly.stages.site import publish_site
from summarizer.jobs.nightly.stages.summarize import summarize
from summarizer.jobs.nightly.stages.write import write_day
from summarizer.jobs.report import Report
from summarizer.jobs.services import Services
from summarizer.jobs.site.build import SiteReport
from summarizer.jobs.summaries.summarizer import Summarizer

STAGES: tuple[Stage, ...] = (
    Stage("collect", collect_earlier),
    Stage("list", list_papers),
    Stage("rank", rank_papers),
    Stage("fulltext", fetch_fulltext),
    Stage("summarize", summarize),
    Stage("write", write_day),
    Stage("site", publish_site),
    Stage("deliver", deliver),
)


@dataclass
class NightlyResult:
    report: Report
    ids: list[str]  # the digest's papers, in display order
    halted: str | None = None  # the run ended early: "submitted" or "exported" (a batch)
    site: SiteReport | None = None


async def run_nightly(settings: Settings, services: Services, params: NightlyParams | None = None,
                      summarizer_type: type[Summarizer] = Summarizer) -> NightlyResult:
    """Listing `params.day` (default: the newest announced) through every stage; the digest files, the
    report, and the site when asked. `summarizer_type` is for tests that fail a paper on purpose."""
    async with open_run(settings, services, params or NightlyParams(), summarizer_type) as run:
        state = await run_stages(run, STAGES)
        return NightlyResult(run.report, list(state.digest_ids), state.halt, state.site)
