"""The translation job's batch mode: one client of the shared batch engine (`edges.batch_rounds`).

It hands the engine the pieces not yet cached, each piece's messages, and the same check the sync
path applies; the engine runs the rounds, follow-ups and resume, and the checked translations land
in the same cache the sync path fills.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from summarizer.edges.batch.api import BatchAPI, JobState, load_state, save_state
from summarizer.edges.batch.rounds import BatchLimits, BatchOutcome, BatchRunner, BatchWork
from summarizer.edges.llm.engine import SummaryEngine
from summarizer.edges.storage.cache import SummaryCache
from summarizer.jobs.translate.fields import TRANSLATION_SCHEMA, Plan, Translator, pending, run_sync


def custom_id(key: str) -> str:
    return key.removeprefix("translation:")[:48]


def translation_work(translator: Translator, engine: SummaryEngine, plan: Plan, cache: SummaryCache) -> BatchWork:
    key_of = {custom_id(k): k for k in plan.pieces}
    model = translator.settings.llm.model

    def accept(cid: str, text: str | None, usage: dict[str, int]) -> None:
        key = key_of[cid]
        value = translator.check(plan.pieces[key])(text)
        cache.put(key, {"translation": value, "model": model, "usage": usage})

    async def sync(cids: list[str]) -> dict[str, str]:
        failures = await run_sync(translator, engine, {key_of[c]: plan.pieces[key_of[c]] for c in cids}, cache)
        return {custom_id(k): reason for k, reason in failures.items()}

    return BatchWork(pending=lambda: [custom_id(k) for k in pending(plan, cache)],
                     messages=lambda cid: list(translator.messages(plan.pieces[key_of[cid]])),
                     schema=TRANSLATION_SCHEMA, accept=accept, sync=sync)


async def run_batch(translator: Translator, engine: SummaryEngine, plan: Plan, cache: SummaryCache,
                    cache_dir: Path, job_id: str, args: dict[str, Any], *, wait_for_results: bool, retry_mode: str,
                    sleep: Any, on_status: Callable[[list[Any]], None] = lambda b: None,
                    stop: Any = None) -> BatchOutcome:
    tset = translator.settings.translate
    state = load_state(cache_dir, job_id)
    if state is None:
        state = JobState(job_id=job_id, args=args, model=translator.settings.llm.model, language=translator.language)
        save_state(cache_dir, state)
    limits = BatchLimits(tset.batch_max_requests, tset.batch_max_bytes, tset.batch_max_retries,
                         tset.batch_poll_seconds)
    runner = BatchRunner(engine, cache_dir, limits, sleep=sleep, on_status=on_status, stop=stop)
    outcome = await runner.run(BatchAPI(engine.client.sdk), state, translation_work(translator, engine, plan, cache),
                               wait_for_results=wait_for_results, retry_mode=retry_mode)
    if outcome.failures:  # reported by the record piece's key, as the sync path does
        key_of = {custom_id(k): k for k in plan.pieces}
        outcome.failures = {key_of.get(c, c): reason for c, reason in outcome.failures.items()}
    return outcome
