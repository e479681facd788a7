"""Stage "collect": finish the batch jobs of other days before this run lists its own papers."""

from __future__ import annotations

from dataclasses import replace

from summarizer.jobs.nightly.day_run import DayState, Run
from summarizer.jobs.nightly.stages.summarize_batch import nightly_job_id
from summarizer.jobs.summaries.batch_collect import collect_jobs


async def collect_earlier(run: Run, state: DayState) -> DayState:
    if not run.params.collect_earlier:
        return state
    own = {nightly_job_id(run)} if run.params.batch is not None else set()
    collected, waiting = await collect_jobs(run.settings, run.services, run.summarizer, run.cache_dir, skip=own)
    run.report.collected = collected
    return replace(state, elsewhere=frozenset(waiting))
