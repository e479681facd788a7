"""The translation job's batch mode: rounds of Batch API jobs until every piece is translated.

Round 0 holds every piece not yet cached; each later round holds the pieces whose answers failed
or were refused, re-asked with the reason (or, with `--retry-mode sync`, they are finished
through the synchronous engine instead). The round and its parts are saved before anything is
submitted and after every step, so re-running the same command resumes where it stopped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summarizer.core.completions import read_completion
from summarizer.core.errors import AuthError
from summarizer.core.validate import AnswerInvalid
from summarizer.edges.batch import (
    BatchAPI,
    JobState,
    Part,
    Round,
    load_state,
    results,
    save_state,
    split_requests,
    submit,
    wait,
)
from summarizer.edges.cache import SummaryCache
from summarizer.edges.engine import SummaryEngine, reask_messages
from summarizer.jobs.translate import TRANSLATION_SCHEMA, Plan, Translator, pending, run_sync


@dataclass
class BatchOutcome:
    status: str  # "done", "submitted" or "incomplete"
    failures: dict[str, str] = field(default_factory=dict)
    state: JobState | None = None


def custom_id(key: str) -> str:
    return key.removeprefix("translation:")[:48]


def request_line(cid: str, text: str, translator: Translator, engine: SummaryEngine, rnd: Round) -> bytes:
    llm = translator.settings.llm
    messages: list[dict[str, Any]] = list(translator.messages(text))
    if cid in rnd.reask:
        messages += reask_messages(*rnd.reask[cid])
    max_tokens = rnd.max_tokens.get(cid, llm.max_tokens)
    body: dict[str, Any] = {"model": llm.model, "messages": messages, engine.client.token_param: max_tokens,
                            **engine.client.request_args(TRANSLATION_SCHEMA, rnd.mode),  # type: ignore[arg-type]
                            **llm.extra_body}
    if llm.temperature is not None:
        body["temperature"] = llm.temperature
    line = {"custom_id": cid, "method": "POST", "url": "/v1/chat/completions", "body": body}
    return (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")


def _error_text(status: int, body: dict[str, Any]) -> str:
    error = body.get("error") or {}
    message = error.get("message") if isinstance(error, dict) else str(error)
    return f"HTTP {status}: {message}" if status else str(message or "no answer")


def _new_round(state: JobState, todo: dict[str, str], engine: SummaryEngine) -> Round:
    previous = state.rounds[-1] if state.rounds else None
    rnd = Round(number=len(state.rounds), mode=engine.ladder.mode)
    for key in todo:
        cid = custom_id(key)
        if previous and cid in previous.failures:
            answer, error = previous.failures[cid]
            if answer:
                rnd.reask[cid] = [answer, error]
            if error.startswith("cut off"):
                cap = engine.settings.max_tokens_ceiling
                rnd.max_tokens[cid] = min(previous.max_tokens.get(cid, engine.settings.max_tokens) * 2, cap)
    return rnd


async def run_batch(translator: Translator, engine: SummaryEngine, plan: Plan, cache: SummaryCache,
                    cache_dir: Path, job_id: str, args: dict[str, Any], *, wait_for_results: bool, retry_mode: str,
                    sleep: Any, on_status: Callable[[list[Any]], None] = lambda b: None,
                    stop: Any = None) -> BatchOutcome:
    settings = translator.settings
    tset = settings.translate
    api = BatchAPI(engine.client.sdk)
    state = load_state(cache_dir, job_id)
    if state is None:
        state = JobState(job_id=job_id, args=args, model=settings.llm.model, language=translator.language)
        save_state(cache_dir, state)
    key_of = {custom_id(k): k for k in plan.pieces}
    while True:
        todo = pending(plan, cache)
        rnd = state.rounds[-1] if state.rounds and not all(p.collected for p in state.rounds[-1].parts) else None
        if rnd is None:
            if not todo:
                break
            if state.rounds and (retry_mode == "sync" or len(state.rounds) > tset.batch_max_retries):
                if retry_mode != "sync":
                    last = state.rounds[-1].failures
                    return BatchOutcome("incomplete", {k: last.get(custom_id(k), ["", "no answer"])[1] for k in todo},
                                        state)
                failures = await run_sync(translator, engine, todo, cache)
                if failures:
                    return BatchOutcome("incomplete", failures, state)
                break
            rnd = _new_round(state, todo, engine)
            lines = {custom_id(k): request_line(custom_id(k), t, translator, engine, rnd) for k, t in todo.items()}
            chunks = split_requests(list(lines.items()), tset.batch_max_requests, tset.batch_max_bytes)
            for n, chunk in enumerate(chunks):
                rnd.parts.append(Part(number=rnd.number * 1000 + n, custom_ids=[cid for cid, _ in chunk]))
            state.rounds.append(rnd)
            save_state(cache_dir, state)  # before anything is submitted
        else:
            lines = {}  # a resumed round: its unsubmitted lines are rebuilt from the plan below
        for part in rnd.parts:
            if not part.batch_id:
                lines_of = [lines.get(c) or request_line(c, plan.pieces[key_of[c]], translator, engine, rnd)
                            for c in part.custom_ids]
                await submit(api, cache_dir, state, part, lines_of)
        if not wait_for_results:
            return BatchOutcome("submitted", {}, state)
        await wait(api, cache_dir, state, rnd.parts, sleep, tset.batch_poll_seconds, on_status, stop)
        for part in rnd.parts:
            if not part.collected:
                await _collect(api, part, rnd, state, translator, engine, cache, key_of, plan)
                save_state(cache_dir, state)
    state.status = "done"
    save_state(cache_dir, state)
    return BatchOutcome("done", {}, state)


async def _collect(api: BatchAPI, part: Part, rnd: Round, state: JobState, translator: Translator,
                   engine: SummaryEngine, cache: SummaryCache, key_of: dict[str, str], plan: Plan) -> None:
    answers = await results(api, part)
    for cid in part.custom_ids:
        key = key_of[cid]
        status, body = answers.get(cid, (0, {"error": {"message": f"no answer (batch {part.status})"}}))
        if status != 200:
            message = _error_text(status, body)
            if status in (401, 403):
                raise AuthError(f"the provider refused the API key (HTTP {status})", status=status)
            if status == 400 and re.search(r"response_format|json_schema|tool", message, re.I):
                engine.ladder.step_down(rnd.mode)  # type: ignore[arg-type]
            if status == 400 and "max_completion_tokens" in message:
                engine.client.token_param = "max_completion_tokens"
            rnd.failures[cid] = ["", message]
            continue
        usage = body.get("usage") or {}
        state.prompt_tokens += int(usage.get("prompt_tokens", 0))
        state.completion_tokens += int(usage.get("completion_tokens", 0))
        done = read_completion(body) if "choices" in body else None
        answer, finish = (done.text, done.finish_reason) if done else (None, None)
        if finish == "length":
            rnd.failures[cid] = ["", "cut off at max_tokens"]
            continue
        source = plan.pieces[key]
        try:
            value = translator.check(source)(answer)
        except AnswerInvalid as exc:
            rnd.failures[cid] = [answer or "", str(exc)]
            continue
        cache.put(key, {"translation": value, "model": translator.settings.llm.model,
                        "usage": {"prompt_tokens": int(usage.get("prompt_tokens", 0)),
                                  "completion_tokens": int(usage.get("completion_tokens", 0))}})
    part.collected = True
