"""`nightly --mode batch`: the nightly job with its summaries made through the Batch API.

The papers are collected exactly as the sync run collects them, their uncached summaries go to one
batch job (submitted once, found again on a re-run), and the digest is then written by the sync
run's own code from the cache, with no request of its own: the same digest, byte for byte. Papers
the batch could not answer are reported failed and completed by a later run, as in sync mode.
"""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path

from summarizer.core.errors import Interrupted
from summarizer.core.listing import check_listing_date, newest_listing
from summarizer.core.settings import Settings
from summarizer.edges.store import ensure_writable
from summarizer.jobs.nightly import NightlyRun
from summarizer.jobs.summaries import Report, Services
from summarizer.jobs.summary_batch import BatchRequest, SummaryBatch, run_summary_batch, summary_job_id


def add_batch_cost(report: Report) -> None:
    """The run's cost: sync requests (follow-ups in sync mode) at the sync price, the batch at its own."""
    batch = report.batch
    if batch is not None and batch.cost_usd is not None and report.cost_usd is not None:
        report.cost_usd = round(report.cost_usd + batch.cost_usd, 6)


async def run_nightly_batch(settings: Settings, day: date | None, services: Services,
                            categories: list[str] | None = None, limit: int | None = None,
                            request: BatchRequest | None = None) -> tuple[Report, list[str]]:
    """Listing `day` summarized through one batch job; the digest is written once the job is done."""
    request = request or BatchRequest()
    newest = newest_listing(services.now())
    day = day or newest
    check_listing_date(day)
    ensure_writable(Path(settings.paths.output_dir).expanduser(), "output_dir")
    cache_dir = Path(settings.paths.cache_dir).expanduser()
    ensure_writable(cache_dir, "cache_dir")
    if request.export_dir is not None:
        ensure_writable(request.export_dir, "--export-batch")
    cats = categories or settings.arxiv.categories
    async with contextlib.AsyncExitStack() as stack:
        run = NightlyRun(settings, services, day, newest, cats, False, limit, stack)
        papers = [paper async for paper in run.candidates()]
        if run.stop.is_set():
            raise Interrupted("stopped by a signal while fetching; nothing was submitted")
        by_id = {paper.id: paper for paper in papers}
        summarizer = run.summarizer
        work = SummaryBatch(summarizer, lambda: list(by_id), by_id.__getitem__)
        job_id = summary_job_id(summarizer, "nightly", day, sorted(cats), limit)
        args = {"kind": f"summaries of listing {day.isoformat()}",
                "rerun": f"summarizer nightly --date {day.isoformat()} --mode batch"}
        outcome, breport = await run_summary_batch(summarizer, work, cache_dir, job_id, args, request,
                                                   sleep=services.sleep, stop=run.stop)
        run.report.mode = "batch"
        run.report.batch = breport
        if outcome.status in ("submitted", "exported"):
            run.report.fetched = len(papers)
            run.report.note = (f"batch job {job_id} {outcome.status}: re-run the same command to collect it "
                               "and write the digest" if outcome.status == "submitted" else
                               f"batch input written to {request.export_dir}; run it elsewhere, then "
                               "--import-batch-output FILE...")
            run.write_report(run.paths["report.json"])
            return run.report, []
        run.given = papers
        run.batch_failures = outcome.failures
        accepted = outcome.accepted

        def finish(report: Report) -> None:
            # The batch's answers reach the digest through the cache: summarized by this run, not cached.
            report.summarized += accepted
            report.from_cache = max(0, report.from_cache - accepted)
            add_batch_cost(report)

        run.on_report = finish
        return await run.run()
