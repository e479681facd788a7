"""Stage "summarize": a summary for every selected paper, cache first, `max_concurrency` at a time.

Anything that goes wrong with one paper (an answer that never validates, a provider error, a bug
nobody foresaw) is that paper's failure: it is left out, reported, and completed by a later run.
Anything that is no paper's doing (a disk that cannot be written, a locked cache) stops the
whole run at once with one line: the workers run in a task group, so one dying ends them all
instead of leaving the others waiting for ever. Every answer validated before that is cached.
A signal stops new requests; those in flight get `STOP_GRACE` seconds to land.

In batch mode the summaries come from the Batch API first (`summarize_batch`); what it left
without an answer fails with its reason here and is never asked in sync mode.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import replace

from summarizer.core.errors import BudgetExceeded, Interrupted, LLMError, RunFailed, SummarizerError
from summarizer.core.models import Paper, SourceText, Summary
from summarizer.jobs.nightly.day_run import DayState, Run
from summarizer.jobs.nightly.stages.summarize_batch import add_batch_cost, summarize_batch
from summarizer.jobs.report import Failure

log = logging.getLogger(__name__)

STOP_GRACE = 2.0  # seconds in-flight requests get to land after a signal (their answers are paid for)


async def _summary_of(run: Run, paper: Paper, failures: Mapping[str, str] | None,
                      unfinished: set[str], seen: SourceText | None) -> Summary | None:
    """The paper's summary, or None when it failed or was not started (recorded either way)."""
    summary = None if run.params.force else run.summarizer.cached(paper, seen)
    if summary is not None:
        run.progress.cached += 1
        return summary
    if run.halted():
        run.report.not_started += 1
        unfinished.add(paper.id)
        return None
    reason: str | None
    if failures is not None:  # a batch run: what the batch did not answer is not asked in sync mode
        reason = failures.get(paper.id, "no answer from the batch")
    else:
        try:
            answer = await run.summarizer.ask(paper, seen)
        except BudgetExceeded:
            run.report.not_started += 1
            run.report.budget_reached = True
            reason = None
        except LLMError as exc:
            reason = str(exc)
        except Exception as exc:  # a bug or an answer nobody foresaw: this paper fails, the worker lives
            log.debug("unexpected error on %s", paper.id, exc_info=True)
            reason = f"unexpected error: {type(exc).__name__}: {exc}"
        else:
            return run.summarizer.store(paper, answer, seen)  # outside the try: a cache that fails is the run's
    unfinished.add(paper.id)
    if reason is not None:
        run.progress.failed += 1
        run.report.failed.append(Failure(id=paper.id, title=paper.title, reason=reason))
    return None


async def _work(run: Run, queue: asyncio.Queue[Paper], failures: Mapping[str, str] | None,
                unfinished: set[str], seen: Mapping[str, SourceText]) -> None:
    while not queue.empty():
        paper = queue.get_nowait()
        if await _summary_of(run, paper, failures, unfinished, seen.get(paper.id)) is not None:
            run.progress.done += 1
        run.services.on_progress(run.progress)


async def _all_workers(run: Run, papers: list[Paper], failures: Mapping[str, str] | None,
                       unfinished: set[str], seen: Mapping[str, SourceText]) -> None:
    queue: asyncio.Queue[Paper] = asyncio.Queue()
    for paper in papers:
        queue.put_nowait(paper)
    async with asyncio.TaskGroup() as group:
        for _ in range(run.settings.llm.max_concurrency):
            group.create_task(_work(run, queue, failures, unfinished, seen))


async def run_workers(run: Run, papers: list[Paper], failures: Mapping[str, str] | None,
                      seen: Mapping[str, SourceText] | None = None) -> set[str]:
    """Every paper through the workers; returns the ids left unfinished. A signal gives in-flight requests
    `STOP_GRACE` seconds; a worker's error that is no paper's stops them all and raises `RunFailed`."""
    unfinished: set[str] = set()  # failed or not started, filled by the workers
    workers = asyncio.create_task(_all_workers(run, papers, failures, unfinished, seen or {}))
    stopper = asyncio.create_task(run.stop.wait())
    try:
        await asyncio.wait({workers, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if not workers.done():
            _, late = await asyncio.wait({workers}, timeout=STOP_GRACE)
            if late:
                workers.cancel()
        await asyncio.gather(workers, return_exceptions=True)
    finally:
        stopper.cancel()
    if not workers.cancelled() and (error := workers.exception()) is not None:
        raise _one_line(error, run) from None
    return unfinished  # after a signal, the run keeps every one of its papers as pending anyway


def _one_line(error: BaseException, run: Run) -> SummarizerError:
    """The first error of a task group as the run's one-line error."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    if isinstance(error, SummarizerError):
        return error
    detail = f"{error.strerror} ({error.filename})" if isinstance(error, OSError) and error.strerror else str(error)
    return RunFailed(f"the run stopped: {type(error).__name__}: {detail}; the {run.progress.done} summaries done "
                     "so far are cached, re-run to finish")


def finish_counts(run: Run, accepted_in_batch: int = 0) -> None:
    """The report's paper counts and the LLM side, once the workers are done."""
    report, progress = run.report, run.progress
    report.fetched, report.from_cache = progress.fetched, progress.cached - accepted_in_batch
    report.summarized = progress.done - progress.cached + accepted_in_batch
    run.summarizer.report_usage(report)
    add_batch_cost(report)


async def summarize(run: Run, state: DayState) -> DayState:
    failures = run.params.batch_failures
    accepted = 0
    if run.params.batch is not None:
        outcome = await summarize_batch(run, state)
        if outcome.halt is not None:
            return replace(state, halt=outcome.halt)
        failures, accepted = outcome.failures, outcome.accepted
    elif failures is not None:  # a day whose summaries a batch already settled (backfill, a collected job)
        run.report.mode, run.report.batch = "batch", run.params.batch_report
    chosen = [p for p in state.papers if state.selected is None or p.id in state.selected]
    try:
        unfinished = await run_workers(run, chosen, failures, state.seen)
    except SummarizerError as exc:
        finish_counts(run, accepted)
        _record_stop(run, state, str(exc))
        raise
    finish_counts(run, accepted)
    if run.halted():
        _record_stop(run, state, None)
        if run.progress.usage.stopped is not None:
            raise run.progress.usage.stopped
        raise Interrupted(f"stopped by a signal after {run.progress.done} papers; re-run to finish (cached "
                          "answers are kept)")
    return replace(state, unfinished=frozenset(unfinished), accepted_in_batch=accepted)


def _record_stop(run: Run, state: DayState, why: str | None) -> None:
    """A run that ends early writes no digest (a complete one from an earlier run must not give way to a partial
    one): it keeps its papers as pending for the next run and says why in its report, as far as the disk lets it."""
    run.report.interrupted = run.stop.is_set()
    if why is not None:
        run.report.stopped = why
    try:
        run.history.add_pending(run.day, [p.id for p in state.papers])
        run.write_report()
    except (OSError, SummarizerError) as exc:
        log.debug("the stopped run's report could not be written: %s", exc)
