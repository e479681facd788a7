"""Batch jobs of other days, finished since: collected, their days written, before a run starts its own.

A `--no-wait` batch is found again by re-running its command, but the default day moves on with
each announcement: without this, the next day's run made a new job, the old batch was never
collected, and its papers fell into the next day's lookback and were paid for again. Every
nightly and backfill run therefore first looks at the summary jobs saved under `cache_dir`:
a finished one is collected and its days written; one still running at the provider keeps its
papers, so this run asks nothing for them.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import date
from pathlib import Path

from summarizer.core.errors import LLMError, RunStopped
from summarizer.core.settings import Settings
from summarizer.edges.batch.api import JobState, list_states
from summarizer.edges.storage.cache import PaperStore
from summarizer.jobs.nightly.day_writer import write_given_day
from summarizer.jobs.report import CollectedJob
from summarizer.jobs.services import Services
from summarizer.jobs.summaries.batch import BatchRequest, SummaryBatch, run_summary_batch
from summarizer.jobs.summaries.summarizer import Summarizer

log = logging.getLogger(__name__)


def collectable(state: JobState, settings: Settings, skip: Collection[str]) -> bool:
    """A summary job of this model and language, still running, that says where its papers are."""
    return (state.job_id not in skip and state.status == "running" and "store" in state.args and
            "days" in state.args and state.model == settings.llm.model and state.language == settings.llm.language)


async def collect_jobs(settings: Settings, services: Services, summarizer: Summarizer, cache_dir: Path,
                       skip: Collection[str] = ()) -> tuple[list[CollectedJob], set[str]]:
    """Collect every finished job of other runs and write its days; returns what was done, and the ids
    still waiting in jobs that are not finished (no run may ask for them meanwhile)."""
    done: list[CollectedJob] = []
    waiting: set[str] = set()
    for state in list_states(cache_dir):
        if collectable(state, settings, skip):
            report, pending = await _collect_one(settings, services, summarizer, cache_dir, state)
            done.append(report)
            waiting |= pending
    return done, waiting


async def _collect_one(settings: Settings, services: Services, summarizer: Summarizer, cache_dir: Path,
                       state: JobState) -> tuple[CollectedJob, set[str]]:
    store = PaperStore(cache_dir / state.args["store"])
    try:
        days = [date.fromisoformat(d) for d in state.args["days"]]
        ids_of = {day: store.day(day) or [] for day in days}
        work = SummaryBatch(summarizer, lambda: [i for ids in ids_of.values() for i in ids], store.get)
        try:
            outcome, breport = await run_summary_batch(summarizer, work, cache_dir, state.job_id, state.args,
                                                       BatchRequest(wait=False), sleep=services.sleep,
                                                       stop=services.stop)
        except RunStopped:
            raise
        except LLMError as exc:  # the provider did not answer about this job: tonight's run goes on without it
            log.warning("could not look at batch job %s: %s", state.job_id, exc)
            return CollectedJob(job_id=state.job_id, status=f"unreachable: {exc}"), set(work.pending())
        if outcome.status == "submitted":
            return CollectedJob(job_id=state.job_id, status="waiting", batch=breport), set(work.pending())
        papers = 0
        for day, ids in ids_of.items():
            await write_given_day(settings, services, day, [store.get(i) for i in ids],
                                  categories=state.args.get("categories"), failures=outcome.failures,
                                  batch=breport if len(days) == 1 else None)
            papers += len(ids)
        return CollectedJob(job_id=state.job_id, status=outcome.status, days=[d.isoformat() for d in days],
                            papers=papers, batch=breport), set()
    finally:
        store.close()
