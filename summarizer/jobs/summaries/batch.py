"""Summaries as a client of the shared batch engine: `nightly --mode batch`, `backfill`, export and import.

The job hands the engine the papers whose summary is not cached, each paper's messages (the sync
path's own), and the sync path's validator; every valid answer lands in the summary cache. The
digests are then written by the ordinary nightly code from the cache, so a digest made through
batch mode is byte-identical to the sync one for the same answers.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.core.errors import LLMError
from summarizer.core.models import Paper
from summarizer.core.pricing import cost_usd
from summarizer.edges.batch.api import BatchAPI, JobState, load_state, save_state
from summarizer.edges.batch.rounds import BatchLimits, BatchOutcome, BatchRunner, BatchWork
from summarizer.jobs.report import BatchReport
from summarizer.jobs.summaries.summarizer import Summarizer


def summary_job_id(summarizer: Summarizer, *what: Any) -> str:
    """The same command (same papers or range, model, prompt, language) finds the same job again."""
    llm = summarizer.settings.llm
    blob = json.dumps([*what, llm.model, llm.language, summarizer.prompts.version], default=str)
    return "summaries-" + hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass
class SummaryBatch:
    """The summaries of `ids` (papers looked up by `paper`) as work for the batch engine."""

    summarizer: Summarizer
    ids: Callable[[], Iterable[str]]
    paper: Callable[[str], Paper]

    def pending(self) -> list[str]:
        return [pid for pid in self.ids() if self.summarizer.cached(self.paper(pid)) is None]

    def accept(self, pid: str, text: str | None, usage: dict[str, int]) -> None:
        paper = self.paper(pid)
        summary = self.summarizer.engine.check(paper)(text)
        self.summarizer.cache.put_summary(self.summarizer.key(paper), summary, self.summarizer.settings.llm.model,
                                          usage)

    async def sync(self, pids: list[str]) -> dict[str, str]:
        """`--retry-mode sync`: the papers a batch left are asked through the sync engine."""
        gate = asyncio.Semaphore(self.summarizer.settings.llm.max_concurrency)
        failures: dict[str, str] = {}

        async def one(pid: str) -> None:
            async with gate:
                try:
                    await self.summarizer.fresh(self.paper(pid))
                except LLMError as exc:
                    failures[pid] = str(exc)

        await asyncio.gather(*(one(p) for p in pids))
        return failures

    def work(self) -> BatchWork:
        engine = self.summarizer.engine
        return BatchWork(pending=self.pending, messages=lambda pid: list(engine.messages(self.paper(pid))),
                         schema=self.summarizer.prompts.schema, accept=self.accept, sync=self.sync)


@dataclass
class BatchRequest:
    """How the command asked for batch work."""

    wait: bool = True
    export_dir: Path | None = None
    import_files: list[Path] | None = None
    on_status: Callable[[list[Any]], None] = lambda batches: None


def batch_report(summarizer: Summarizer, outcome: BatchOutcome, *, paid: bool = True,
                 files: list[Path] | None = None) -> BatchReport:
    """The answers this run collected, at the price actually paid (batch), beside what sync would have cost.

    A batch is charged to the run that collects it: the run that only submitted it (--no-wait)
    reports no cost, and a later run with nothing left to collect reports none again.
    """
    state = outcome.state
    prompt, completion = outcome.prompt_tokens, outcome.completion_tokens  # collected by this run: paid now
    price = summarizer.client.price
    report = BatchReport(job_id=state.job_id if state else "", status=outcome.status,
                         batches=[p.batch_id for r in (state.rounds if state else []) for p in r.parts if p.batch_id],
                         requests=outcome.answered, prompt_tokens=prompt, completion_tokens=completion,
                         files=[str(f) for f in files or []])
    if price is not None and paid:
        report.cost_usd = round(cost_usd(price, prompt, completion, batch=True), 6)
        report.sync_cost_usd = round(cost_usd(price, prompt, completion), 6)
        report.saving_usd = round(report.sync_cost_usd - report.cost_usd, 6)
    return report


async def run_summary_batch(summarizer: Summarizer, work: SummaryBatch, cache_dir: Path, job_id: str,
                            args: dict[str, Any], request: BatchRequest, *, sleep: Any,
                            stop: Any = None) -> tuple[BatchOutcome, BatchReport]:
    """Submit (or export, or import) the job's pending summaries; with `request.wait`, until they are done."""
    settings = summarizer.settings
    bset = settings.batch
    state = load_state(cache_dir, job_id)
    if state is None:
        state = JobState(job_id=job_id, args=args, model=settings.llm.model, language=settings.llm.language)
    limits = BatchLimits(bset.max_requests, bset.max_bytes, bset.max_retries, bset.poll_seconds)
    runner = BatchRunner(summarizer.engine, cache_dir, limits, sleep=sleep, on_status=request.on_status, stop=stop)
    if request.export_dir is not None:
        files = runner.export(work.work(), request.export_dir, job_id)
        outcome = BatchOutcome("exported", {}, state)
        return outcome, batch_report(summarizer, outcome, paid=False, files=files)
    save_state(cache_dir, state)
    if request.import_files is not None:
        outcome = runner.import_outputs(work.work(), state, request.import_files)
        save_state(cache_dir, state)
        report = batch_report(summarizer, outcome, paid=False)
        report.status = "imported"
        return outcome, report
    outcome = await runner.run(BatchAPI(summarizer.client.sdk), state, work.work(), wait_for_results=request.wait,
                               retry_mode=bset.retry_mode)
    return outcome, batch_report(summarizer, outcome)
