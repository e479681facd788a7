"""One OpenAI-compatible client for every provider, with the two retry layers in one place each.

Transport layer (`ChatClient.create`): the `openai` SDK with its own retries off, wrapped in a
`tenacity` policy that retries 408/409/429/5xx, timeouts and connection errors with exponential
backoff and jitter, honouring `Retry-After` and `x-ratelimit-reset-*`; 401/403 raise `AuthError`
that stops the run. Validation layer (`SummaryEngine.summarize`): the answer is validated and, if
refused, re-asked with the reason appended, up to `max_attempts`; a cut-off answer is asked again
with a larger `max_tokens`. Structured output steps down json_schema -> tools -> json_object ->
text when a provider refuses a mode, and remembers the mode that works for the rest of the run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from summarizer.core.errors import AnswerRejected, AuthError, BudgetExceeded, ConfigError, LLMError
from summarizer.core.prompts import PromptSet
from summarizer.core.settings import LLMSettings, StructuredMode
from summarizer.core.validate import AnswerInvalid, validate_answer
from summarizer.edges.pacing import Pacer, estimate_tokens
from summarizer.edges.retry import Retryable, server_wait, with_retries

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
MODES: tuple[StructuredMode, ...] = ("json_schema", "tools", "json_object", "text")
TOOL_NAME = "submit_summary"
MAX_SERVER_WAIT = 120.0


class ModeRejected(LLMError):
    """The provider refused this structured-output mode (HTTP 400 naming it)."""


@dataclass
class Completion:
    text: str | None
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int


@dataclass
class RunUsage:
    """Totals of one run, shared by every request of it."""

    requests: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    stopped: LLMError | None = None


def resolve_api_key(settings: LLMSettings) -> str:
    key = os.environ.get(settings.api_key_env) if settings.api_key is None else settings.api_key.get_secret_value()
    if not key:
        raise ConfigError(f"no API key: set llm.api_key or the environment variable {settings.api_key_env}",
                          key="llm.api_key")
    return key


class ChatClient:
    """Chat completions over the SDK; one call = one logical request, transport-retried."""

    def __init__(self, settings: LLMSettings, http_client: httpx.AsyncClient | None = None, *,
                 sleep: Sleep = asyncio.sleep, usage: RunUsage | None = None, pacer: Pacer | None = None,
                 ssl_context: Any = None) -> None:
        from openai import AsyncOpenAI, DefaultAsyncHttpxClient

        self.settings = settings
        self.usage = usage or RunUsage()
        self.pacer = pacer or Pacer(settings.rpm, settings.tpm, sleep=sleep)
        self._sleep = sleep
        self._secret = resolve_api_key(settings)
        base_url = settings.base_url or os.environ.get("OPENAI_BASE_URL") or None
        self.token_param = "max_tokens"  # becomes max_completion_tokens if the provider asks for it
        # openai>=3 takes its own httpx2 clients and legacy httpx ones alike, hence Any.
        client: Any = http_client
        if client is None and ssl_context is not None:
            # One TLS context for both services: building one costs ~20-40 ms at every start.
            client = DefaultAsyncHttpxClient(verify=ssl_context)
        self.sdk = AsyncOpenAI(api_key=self._secret, base_url=base_url, max_retries=0,
                               timeout=settings.timeout_seconds, http_client=client,
                               default_headers=settings.extra_headers or None)

    async def close(self) -> None:
        """Close the SDK and the HTTP client it uses."""
        await self.sdk.close()

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    def request_args(self, schema: dict[str, Any], mode: StructuredMode) -> dict[str, Any]:
        if mode == "json_schema":
            return {"response_format": {"type": "json_schema",
                                        "json_schema": {"name": "answer", "strict": True, "schema": schema}}}
        if mode == "tools":
            return {"tools": [{"type": "function", "function": {
                        "name": TOOL_NAME, "description": "Submit the answer.", "parameters": schema}}],
                    "tool_choice": {"type": "function", "function": {"name": TOOL_NAME}}}
        if mode == "json_object":
            return {"response_format": {"type": "json_object"}}
        return {}

    async def _once(self, messages: list[dict[str, Any]], args: dict[str, Any], max_tokens: int,
                    paper_id: str | None) -> Completion:
        import openai

        if self.usage.stopped is not None:
            raise self.usage.stopped
        await self.pacer.acquire(lambda: estimate_tokens(messages, self.settings.model) + max_tokens)
        self.usage.requests += 1
        body: dict[str, Any] = {"messages": messages, self.token_param: max_tokens, **args}
        if self.settings.temperature is not None:
            body["temperature"] = self.settings.temperature
        try:
            # The body is plain JSON already, so it goes in `extra_body`, which the SDK sends as it is:
            # its per-call TypedDict transform of `messages` costs ~1.5 ms a request, a quarter of the
            # CPU the nightly job spends per paper, and at concurrency 16 that delays every round.
            resp = await self.sdk.chat.completions.create(
                model=self.settings.model, messages=[], extra_body={**body, **self.settings.extra_body})
        except openai.APITimeoutError:
            raise Retryable(f"no answer within {self.settings.timeout_seconds:g} s") from None
        except openai.APIConnectionError as exc:
            reason = type(exc.__cause__ or exc).__name__
            raise Retryable(f"cannot reach the provider ({reason})", dropped=True) from None
        except openai.APIStatusError as exc:
            status = exc.status_code
            detail = self._scrub(str(getattr(exc, "message", "") or exc))[:300]
            if status in (401, 403):
                self.usage.stopped = AuthError(f"the provider refused the API key (HTTP {status}): {detail}",
                                               paper_id=paper_id, status=status)
                raise self.usage.stopped from None
            if status in (408, 409, 429) or status >= 500:
                raise Retryable(f"HTTP {status}: {detail}", status, server_wait(exc.response.headers)) from None
            if status == 400 and self.token_param == "max_tokens" and "max_completion_tokens" in detail:
                # Reasoning models refuse `max_tokens`; switch once for the rest of the run and ask again.
                self.token_param = "max_completion_tokens"
                raise Retryable(f"HTTP 400: {detail}", 400, retry_after=0.0) from None
            if status == 400 and re.search(r"response_format|json_schema|tool|function", detail, re.I):
                raise ModeRejected(f"HTTP 400: {detail}", paper_id=paper_id, status=400) from None
            raise LLMError(f"HTTP {status}: {detail}", paper_id=paper_id, status=status) from None
        choice = resp.choices[0] if resp.choices else None
        text: str | None = None
        if choice is not None:
            calls = choice.message.tool_calls or []
            text = calls[0].function.arguments if calls and hasattr(calls[0], "function") else choice.message.content
        prompt_tokens = resp.usage.prompt_tokens if resp.usage else estimate_tokens(messages, self.settings.model)
        completion_tokens = (resp.usage.completion_tokens if resp.usage
                             else estimate_tokens([{"content": text or ""}], self.settings.model))
        self._account(prompt_tokens, completion_tokens)
        return Completion(text, choice.finish_reason if choice else None, prompt_tokens, completion_tokens)

    def _account(self, prompt_tokens: int, completion_tokens: int) -> None:
        self.usage.prompt_tokens += prompt_tokens
        self.usage.completion_tokens += completion_tokens
        price = self.settings.prices.get(self.settings.model)
        if price:
            self.usage.cost_usd += (prompt_tokens * price.input + completion_tokens * price.output) / 1e6

    def _count_retry(self, exc: BaseException | None) -> None:
        self.usage.retries += 1
        log.info("LLM request failed (%s); retrying", self._scrub(str(exc)))

    async def create(self, messages: list[dict[str, Any]], schema: dict[str, Any], mode: StructuredMode,
                     max_tokens: int, paper_id: str | None = None) -> Completion:
        budget = self.settings.max_cost_usd
        if budget is not None and self.usage.cost_usd >= budget:
            raise BudgetExceeded(f"max_cost_usd {budget:g} reached; not started", paper_id=paper_id)

        attempts = self.settings.max_retries + 1
        args = self.request_args(schema, mode)
        try:
            return await with_retries(lambda: self._once(messages, args, max_tokens, paper_id), attempts=attempts,
                                      sleep=self._sleep, max_server_wait=MAX_SERVER_WAIT, on_retry=self._count_retry)
        except Retryable as exc:
            raise LLMError(f"{exc} (gave up after {attempts} attempts)", paper_id=paper_id, status=exc.status) from None


def reask_messages(answer: str, error: str) -> list[dict[str, Any]]:
    """The refused answer and the reason, appended to the conversation for the next attempt."""
    return [{"role": "assistant", "content": answer},
            {"role": "user", "content": f"Your answer was rejected: {error}. "
                                        "Answer again with the corrected JSON object only."}]


class ModeLadder:
    """The structured-output mode in use; `auto` steps down once per refusal and stays there."""

    def __init__(self, configured: str) -> None:
        self.fixed = configured != "auto"
        self.index = MODES.index(configured) if self.fixed else 0  # type: ignore[arg-type]

    @property
    def mode(self) -> StructuredMode:
        return MODES[self.index]

    def step_down(self, failed: StructuredMode) -> bool:
        """Move below `failed` (if nobody did already); False when there is nowhere to go."""
        if self.fixed:
            return False
        if MODES[self.index] == failed:
            if self.index == len(MODES) - 1:
                return False
            self.index += 1
            log.warning("structured output %r refused by the provider; using %r from now on", failed, self.mode)
        return True


@dataclass
class Answer:
    summary: Any
    attempts: int
    prompt_tokens: int = 0
    completion_tokens: int = 0
    errors: list[str] = field(default_factory=list)


class SummaryEngine:
    """Ask, validate, re-ask with the error; only validated answers come out."""

    def __init__(self, client: ChatClient, prompts: PromptSet, ladder: ModeLadder | None = None) -> None:
        self.client = client
        self.prompts = prompts
        self.settings = client.settings
        self.ladder = ladder or ModeLadder(self.settings.structured_output)

    async def ask(self, messages: list[dict[str, Any]], check: Callable[[str | None], Any],
                  paper_id: str | None = None) -> Answer:
        messages = list(messages)
        max_tokens = self.settings.max_tokens
        answer = Answer(summary=None, attempts=0)
        while answer.attempts < self.settings.max_attempts:
            mode = self.ladder.mode
            try:
                done = await self.client.create(messages, self.prompts.schema, mode, max_tokens, paper_id)
            except ModeRejected as exc:
                if not self.ladder.step_down(mode):
                    raise
                answer.errors.append(str(exc))
                continue
            answer.attempts += 1
            answer.prompt_tokens += done.prompt_tokens
            answer.completion_tokens += done.completion_tokens
            if done.finish_reason == "length":
                answer.errors.append(f"answer cut off at max_tokens={max_tokens}")
                max_tokens = min(max_tokens * 2, self.settings.max_tokens_ceiling)
                continue
            if not (done.text or "").strip() and mode in ("json_schema", "tools") and self.ladder.step_down(mode):
                answer.errors.append(f"empty answer in {mode} mode")
                continue
            try:
                answer.summary = check(done.text)
                return answer
            except AnswerInvalid as exc:
                answer.errors.append(str(exc))
                messages += reask_messages(done.text or "", str(exc))
        raise AnswerRejected(f"no valid answer after {answer.attempts} attempts: {answer.errors[-1]}",
                             paper_id=paper_id)

    async def summarize(self, paper: Any) -> Answer:
        language = self.settings.language
        messages = self.prompts.messages(language=language, id=paper.id, title=paper.title, abstract=paper.abstract)
        return await self.ask(
            messages,
            lambda text: validate_answer(text, paper.abstract, language, self.settings.min_target_ratio),
            paper_id=paper.id,
        )
