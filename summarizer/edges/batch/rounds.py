"""The one batch engine every job shares: request lines and a validator in, validated answers out.

A job (summaries, translations) hands `BatchRunner` a `BatchWork`: which custom ids still lack a
valid answer, the messages and schema of each, and `accept`, which validates an answer with the
same rules as sync mode and stores it. The engine does the rest, once for everyone: rounds of
batches split within the provider's limits, job state saved before anything is submitted (so a
killed waiter is resumed, never submitted twice), polling, collection, follow-up rounds that
re-ask refused answers with the reason, and the `--retry-mode sync` fallback. The same request
lines can be exported as OpenAI batch files for another engine (vLLM's `run-batch`), and that
engine's output files imported and validated here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summarizer.core.completions import classify_error, provider_code, provider_message, read_completion
from summarizer.core.errors import AuthError, BudgetExceeded, QuotaExhausted, RecordsError
from summarizer.core.validate import AnswerInvalid
from summarizer.edges.batch.api import (
    BatchAPI,
    JobState,
    Part,
    Round,
    answer_of,
    poll,
    results,
    save_state,
    submit,
    wait,
)
from summarizer.edges.llm.engine import SummaryEngine, reask_messages
from summarizer.edges.storage.store import atomic_write_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchLimits:
    """The provider's per-file limits (OpenAI: 50,000 requests and 200 MB), follow-up rounds, polling."""

    max_requests: int = 50_000
    max_bytes: int = 200_000_000
    max_retries: int = 2
    poll_seconds: float = 30.0


@dataclass
class BatchWork:
    """What a job hands the engine."""

    pending: Callable[[], Iterable[str]]  # custom ids still without a valid answer (asked every round)
    messages: Callable[[str], list[dict[str, Any]]]  # the first attempt's messages of a custom id
    schema: dict[str, Any]
    accept: Callable[[str, str | None, dict[str, int]], None]  # validate and store; raises AnswerInvalid
    sync: Callable[[list[str]], Awaitable[dict[str, str]]] | None = None  # finish ids synchronously


@dataclass
class BatchOutcome:
    status: str  # "done", "submitted" or "incomplete"
    failures: dict[str, str] = field(default_factory=dict)  # custom id -> why it has no answer
    state: JobState | None = None
    accepted: int = 0  # answers validated and stored by this call
    answered: int = 0  # answers collected by this call (each one a paid request)
    prompt_tokens: int = 0  # ... and their tokens: what this call's report is charged
    completion_tokens: int = 0


def error_text(status: int, body: dict[str, Any]) -> str:
    message = provider_message(body) or "no answer"
    return f"HTTP {status}: {message}" if status else message


class BatchRunner:
    """Rounds of Batch API jobs for one `BatchWork` until every id has a valid answer or rounds run out."""

    def __init__(self, engine: SummaryEngine, cache_dir: Path, limits: BatchLimits, *, sleep: Any,
                 on_status: Callable[[list[Any]], None] = lambda batches: None, stop: Any = None) -> None:
        self.engine, self.cache_dir, self.limits = engine, cache_dir, limits
        self.sleep, self.on_status, self.stop = sleep, on_status, stop
        self.accepted = self.answered = self.prompt_tokens = self.completion_tokens = 0

    # -- request lines -------------------------------------------------------------------------

    def _messages(self, work: BatchWork, cid: str, rnd: Round) -> list[dict[str, Any]]:
        messages = list(work.messages(cid))
        if cid in rnd.reask:
            answer, error, *fresh = rnd.reask[cid]
            messages += [{"role": "user", "content": fresh[0]}] if fresh and fresh[0] else reask_messages(answer, error)
        return messages

    def line(self, work: BatchWork, cid: str, rnd: Round, messages: list[dict[str, Any]] | None = None) -> bytes:
        """One request of the OpenAI batch format: custom_id, method, url, body."""
        llm, client = self.engine.settings, self.engine.client
        messages = messages if messages is not None else self._messages(work, cid, rnd)
        schema = self.engine.ladder.schema_for(work.schema, rnd.mode)  # type: ignore[arg-type]
        body: dict[str, Any] = {"model": llm.model, "messages": messages,
                                client.token_param: rnd.max_tokens.get(cid, llm.max_tokens),
                                **client.request_args(schema, rnd.mode),  # type: ignore[arg-type]
                                **llm.extra_body}
        if llm.temperature is not None:
            body["temperature"] = llm.temperature
        item = {"custom_id": cid, "method": "POST", "url": "/v1/chat/completions", "body": body}
        return (json.dumps(item, ensure_ascii=False) + "\n").encode("utf-8")

    def _new_round(self, state: JobState, todo: list[str]) -> Round:
        previous = state.rounds[-1] if state.rounds else None
        rnd = Round(number=len(state.rounds), mode=self.engine.ladder.mode)
        settings = self.engine.settings
        for cid in todo:
            if previous is None or cid not in previous.failures:
                continue
            answer, error, *fresh = previous.failures[cid]
            if answer or (fresh and fresh[0]):
                rnd.reask[cid] = [answer, error, fresh[0] if fresh else ""]
            if error.startswith("cut off"):
                rnd.max_tokens[cid] = min(previous.max_tokens.get(cid, settings.max_tokens) * 2,
                                          settings.max_tokens_ceiling)
        return rnd

    def _plan(self, work: BatchWork, rnd: Round, todo: list[str]) -> None:
        """Parts within the limits; each line is built to be measured and dropped (memory stays flat).

        With `max_cost_usd` set, the round's estimated cost at the batch price must fit what is left
        of the cap, or nothing is submitted.
        """
        client, settings = self.engine.client, self.engine.settings
        cap = client.budget.cap
        estimate = 0.0
        ids: list[str] = []
        size = 0
        for cid in todo:
            messages = self._messages(work, cid, rnd)
            length = len(self.line(work, cid, rnd, messages))
            if cap is not None and client.price is not None:
                estimate += client.estimate_cost(messages, rnd.max_tokens.get(cid, settings.max_tokens))
            if ids and (len(ids) >= self.limits.max_requests or size + length > self.limits.max_bytes):
                rnd.parts.append(Part(number=rnd.number * 1000 + len(rnd.parts), custom_ids=ids))
                ids, size = [], 0
            ids.append(cid)
            size += length
        if ids:
            rnd.parts.append(Part(number=rnd.number * 1000 + len(rnd.parts), custom_ids=ids))
        if cap is not None and client.price is not None:
            estimate *= client.price.batch_discount
            if client.budget.spent + estimate > cap:
                raise BudgetExceeded(f"max_cost_usd {cap:g}: this batch of {len(todo)} requests is estimated at "
                                     f"${estimate:.4f} at the batch price; nothing was submitted (raise the cap, "
                                     "or use --limit)")

    # -- collecting ----------------------------------------------------------------------------

    def take(self, work: BatchWork, rnd: Round, state: JobState, cid: str, status: int, body: dict[str, Any]) -> bool:
        """Validate one answer of the batch format and store it; a refused one goes to `rnd.failures`."""
        if status != 200:
            message = error_text(status, body)
            kind = classify_error(status, message, provider_code(body))
            if kind == "auth":
                raise AuthError(f"the provider refused the API key ({message})", status=status)
            if kind == "quota":
                raise QuotaExhausted(f"the provider account's quota is exhausted ({message})", status=status)
            if kind == "mode":
                self.engine.ladder.step_down(rnd.mode)  # type: ignore[arg-type]
            if kind == "token_param":
                self.engine.client.token_param = "max_completion_tokens"
            rnd.failures[cid] = ["", message, ""]
            return False
        usage = body.get("usage") or {}
        tokens = {"prompt_tokens": int(usage.get("prompt_tokens") or 0),
                  "completion_tokens": int(usage.get("completion_tokens") or 0)}
        state.prompt_tokens += tokens["prompt_tokens"]
        state.completion_tokens += tokens["completion_tokens"]
        self.answered += 1
        self.prompt_tokens += tokens["prompt_tokens"]
        self.completion_tokens += tokens["completion_tokens"]
        try:
            done = read_completion(body)
        except Exception:  # a line that is no chat completion is that request's failure
            rnd.failures[cid] = ["", "the answer is not a chat completion", ""]
            return False
        if done.refusal:
            rnd.failures[cid] = ["", f"the model refused: {done.refusal[:200]}", ""]
        elif done.finish_reason == "content_filter":
            rnd.failures[cid] = ["", "the provider's content filter withheld the answer", ""]
        elif done.finish_reason == "length":
            rnd.failures[cid] = ["", "cut off at max_tokens", ""]
        else:
            try:
                work.accept(cid, done.text, tokens)
            except AnswerInvalid as exc:
                rnd.failures[cid] = [done.text or "", str(exc), exc.fresh or ""]
                return False
            self.accepted += 1
            return True
        return False

    async def _collect(self, api: BatchAPI, work: BatchWork, state: JobState, rnd: Round, part: Part) -> None:
        waiting = set(part.custom_ids)
        async for cid, status, body in results(api, part):
            if cid in waiting:
                waiting.discard(cid)
                self.take(work, rnd, state, cid, status, body)
        for cid in part.custom_ids:
            if cid in waiting:
                rnd.failures[cid] = ["", f"no answer (batch {part.status})", ""]
        part.collected = True
        save_state(self.cache_dir, state)

    # -- the job -------------------------------------------------------------------------------

    def outcome(self, status: str, state: JobState, failures: dict[str, str] | None = None) -> BatchOutcome:
        return BatchOutcome(status, failures or {}, state, self.accepted, self.answered, self.prompt_tokens,
                            self.completion_tokens)

    async def run(self, api: BatchAPI, state: JobState, work: BatchWork, *, wait_for_results: bool,
                  retry_mode: str) -> BatchOutcome:
        """Submit, wait, collect and follow up until done; with `wait_for_results` False, return once submitted."""
        if state.status != "running":  # an ended job asked again: new papers, or another try for failed ones
            state.first_round, state.status = len(state.rounds), "running"
        while True:
            rnd = state.rounds[-1] if state.rounds and not all(p.collected for p in state.rounds[-1].parts) else None
            if rnd is None:
                todo = list(work.pending())
                if not todo:
                    break
                ran = len(state.rounds) - state.first_round
                if ran and (retry_mode == "sync" or ran > self.limits.max_retries):
                    last = state.rounds[-1].failures
                    if retry_mode != "sync" or work.sync is None:
                        failures = {c: last.get(c, ["", "no answer"])[1] for c in todo}
                    else:
                        failures = await work.sync(todo)
                    if failures:
                        state.status = "incomplete"
                        save_state(self.cache_dir, state)
                        return self.outcome("incomplete", state, failures)
                    break
                rnd = self._new_round(state, todo)
                self._plan(work, rnd, todo)
                state.rounds.append(rnd)
                save_state(self.cache_dir, state)  # before anything is submitted
            for part in rnd.parts:
                if not part.batch_id:
                    await submit(api, self.cache_dir, state, part, (self.line(work, c, rnd) for c in part.custom_ids))
            # --no-wait: a re-run collects at once when the batches are done, and otherwise returns.
            if not wait_for_results and not await poll(api, self.cache_dir, state, rnd.parts, self.on_status):
                return self.outcome("submitted", state)
            await wait(api, self.cache_dir, state, rnd.parts, self.sleep, self.limits.poll_seconds, self.on_status,
                       self.stop)
            for part in rnd.parts:
                if not part.collected:
                    await self._collect(api, work, state, rnd, part)
        state.status = "done"
        save_state(self.cache_dir, state)
        return self.outcome("done", state)

    def export(self, work: BatchWork, directory: Path, name: str) -> list[Path]:
        """The job's first round as OpenAI batch input files in `directory`, split within the limits."""
        rnd = Round(number=0, mode=self.engine.ladder.mode)
        self._plan(work, rnd, list(work.pending()))
        written = []
        for n, part in enumerate(rnd.parts):
            path = directory / f"{name}-{n + 1:03d}.jsonl"
            atomic_write_text(path, (self.line(work, c, rnd).decode("utf-8") for c in part.custom_ids))
            written.append(path)
        return written

    def import_outputs(self, work: BatchWork, state: JobState, files: Iterable[Path]) -> BatchOutcome:
        """Answers produced elsewhere (OpenAI batch output files): each validated as a sync answer.

        Valid answers are stored; the rest stay pending, to be asked again by the next run.
        """
        rnd = Round(number=len(state.rounds), mode=self.engine.ladder.mode)
        wanted = set(work.pending())
        unknown = 0
        for path in files:
            for line_no, item in _output_lines(path):
                cid = item.get("custom_id")
                if not isinstance(cid, str):
                    raise RecordsError("a batch output line has no custom_id", line_no, str(path))
                if cid not in wanted:
                    unknown += 1
                    continue
                if self.take(work, rnd, state, *answer_of(item)):
                    wanted.discard(cid)
        if unknown:
            log.info("%d answers in the output files belong to no pending request of this job (already done?)",
                     unknown)
        failures = {c: rnd.failures.get(c, ["", "no answer in the output files"])[1] for c in wanted}
        return self.outcome("done" if not failures else "incomplete", state, failures)


def _output_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The JSON lines of a batch output file, streamed; a line that is not JSON is a one-line error."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise RecordsError(f"cannot read batch output: {exc.strerror or exc}", path=str(path)) from None
    with handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                raise RecordsError("not a JSON line of a batch output file", line_no,
                                   str(path)) from None
            if not isinstance(item, dict):
                raise RecordsError("not a batch output object", line_no, str(path))
            yield line_no, item
