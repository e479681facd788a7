"""The summarize stage in batch mode: the day's uncached summaries as one Batch API job.

The job's papers are kept on disk with it (`cache_dir/batch-papers/JOB`) before anything is
submitted, and its state names them and its day: so the next run, whatever day it is for,
can collect the job once it is done and write its day, instead of leaving it orphaned and
paying for its papers again. A job submitted and not done yet (`--no-wait`), or exported, ends
the run here; once its answers are in the cache the sync path's own code writes the digest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from summarizer.edges.storage.cache import PaperStore
from summarizer.jobs.nightly.day_run import DayState, Run
from summarizer.jobs.report import Report
from summarizer.jobs.summaries.batch import SummaryBatch, run_summary_batch, summary_job_id

PAPERS_DIR = "batch-papers"


@dataclass
class BatchStage:
    halt: str | None = None  # the run ends here: submitted, or exported
    failures: dict[str, str] = field(default_factory=dict)  # papers the batch left without a valid answer
    accepted: int = 0  # answers the batch brought in this run


def add_batch_cost(report: Report) -> None:
    """The run's cost: sync requests (follow-ups in sync mode) at the sync price, the batch at its own."""
    batch = report.batch
    if batch is not None and batch.cost_usd is not None and report.cost_usd is not None:
        report.cost_usd = round(report.cost_usd + batch.cost_usd, 6)


def nightly_job_id(run: Run) -> str:
    """The same command (day, categories, limit, model, prompt, language) finds the same job again."""
    return summary_job_id(run.summarizer, "nightly", run.day, sorted(run.categories), run.params.limit)


def job_store(cache_dir: Path, job_id: str) -> PaperStore:
    return PaperStore(cache_dir / PAPERS_DIR / job_id)


async def summarize_batch(run: Run, state: DayState) -> BatchStage:
    request = run.params.batch
    assert request is not None
    papers = [p for p in state.papers if state.selected is None or p.id in state.selected]
    by_id = {paper.id: paper for paper in papers}
    job_id = nightly_job_id(run)
    store = job_store(run.cache_dir, job_id)
    try:
        for paper in papers:
            store.put(paper)
        store.set_day(run.day, list(by_id))
    finally:
        store.close()
    day = run.day.isoformat()
    args = {"kind": f"summaries of listing {day}", "rerun": f"summarizer nightly --date {day} --mode batch",
            "store": f"{PAPERS_DIR}/{job_id}", "days": [day], "categories": run.categories}
    work = SummaryBatch(run.summarizer, lambda: list(by_id), by_id.__getitem__)
    outcome, breport = await run_summary_batch(run.summarizer, work, run.cache_dir, job_id, args, request,
                                               sleep=run.services.sleep, stop=run.stop)
    run.report.mode, run.report.batch = "batch", breport
    if outcome.status in ("submitted", "exported"):
        run.report.fetched = len(papers)
        run.report.note = (f"batch job {job_id} {outcome.status}: re-run the same command, or the next nightly, to "
                           "collect it and write the digest" if outcome.status == "submitted" else
                           f"batch input written to {request.export_dir}; run it elsewhere, then "
                           "--import-batch-output FILE...")
        run.write_report()
        return BatchStage(halt=outcome.status)
    return BatchStage(failures=outcome.failures, accepted=outcome.accepted)
