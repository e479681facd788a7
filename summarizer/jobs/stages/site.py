"""Stage "site": refresh the reading site over the whole history, when the run is asked to publish it."""

from __future__ import annotations

from dataclasses import replace

from summarizer.jobs.day_run import DayState, Run
from summarizer.jobs.site_build import build_site


async def publish_site(run: Run, state: DayState) -> DayState:
    if not run.params.publish_site:
        return state
    return replace(state, site=build_site(run.settings, now=run.services.now()))
