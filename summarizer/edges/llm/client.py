"""One OpenAI-compatible client for every provider: requests, transport retries, usage, cost and budget.

This is the transport layer (`ChatClient.create`): the `openai` SDK with its own retries off, wrapped in the
`retry.with_retries` policy (408/409/429/5xx, timeouts, dropped connections; backoff with jitter,
`Retry-After` honoured but never below the backoff). The raw response is read by
`core.completions`, so an error body of any shape (Gemini sends a list) yields the provider's
message, and a 200 that is not a chat completion is named as such. Conditions no paper can get
past (key refused, quota or balance exhausted, unknown model, wrong `base_url`) stop the run at
once. The validation layer, which re-asks answers that fail their checks, is `engine.py`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from summarizer.core.completions import (
    Completion,
    NotACompletion,
    classify_error,
    provider_code,
    provider_message,
    read_completion,
)
from summarizer.core.errors import (
    AuthError,
    BudgetExceeded,
    ConfigError,
    EndpointError,
    LLMError,
    ModelNotFound,
    QuotaExhausted,
    RunStopped,
)
from summarizer.core.pricing import Price, cost_usd, price_for
from summarizer.core.settings import LLMSettings, StructuredMode
from summarizer.edges.llm.pacing import Pacer, estimate_tokens
from summarizer.edges.retry import Retryable, server_wait, with_retries

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
MODES: tuple[StructuredMode, ...] = ("json_schema", "tools", "json_object", "text")
TOOL_NAME = "submit_summary"
MAX_SERVER_WAIT = 120.0


class ModeRejected(LLMError):
    """The provider refused this structured-output mode (HTTP 400/422 naming it)."""


@dataclass
class RunUsage:
    """Totals of one run, shared by every request of it."""

    requests: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float | None = 0.0  # None: the model has no price
    stopped: RunStopped | None = None
    reasks: Counter[str] = field(default_factory=Counter)  # re-asks by reason
    asked: int = 0  # papers (or texts) asked at least once
    first_accepted: int = 0  # ... whose first answer was accepted


class Budget:
    """`max_cost_usd` under concurrency: each request reserves its worst case before it is sent.

    A request starts only while settled costs plus open reservations stay below the cap; when
    reservations fill it, the request waits for those in flight to settle (their actual cost
    replaces their estimate), and gives up only once the settled spend itself has reached the cap.
    So the cap is overshot by at most one request's estimate, and no paper is refused for money
    that was only reserved.
    """

    def __init__(self, cap: float | None) -> None:
        self.cap = cap
        self.spent = 0.0
        self.reserved = 0.0
        self._settled = asyncio.Condition()

    async def reserve(self, estimate: float) -> bool:
        if self.cap is None:
            return True
        async with self._settled:
            while self.spent + self.reserved >= self.cap:
                if self.reserved <= 0 or self.spent >= self.cap:
                    return False
                await self._settled.wait()
            self.reserved += estimate
            return True

    async def settle(self, estimate: float, actual: float) -> None:
        async with self._settled:
            if self.cap is not None:
                self.reserved -= estimate
            self.spent += actual
            self._settled.notify_all()


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
                 ssl_context: Any = None, budget: Budget | None = None) -> None:
        self.settings = settings
        self.price: Price | None = price_for(settings.model, settings.prices)
        self.usage = usage or RunUsage(cost_usd=0.0 if self.price else None)
        self.pacer = pacer or Pacer(settings.rpm, settings.tpm, sleep=sleep)
        self.budget = budget or Budget(settings.max_cost_usd)
        self._sleep = sleep
        # Resolved at the first request, not here: `rank --date` opens the nightly's run to list and rank a day and
        # never asks the LLM, so it needs no key. The commands that do ask check it before anything is fetched.
        self._secret: str | None = None
        self.base_url = settings.base_url or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"
        self.token_param = "max_tokens"  # becomes max_completion_tokens if the provider asks for it
        self._http_client, self._ssl_context = http_client, ssl_context
        self._sdk: Any = None

    @property
    def sdk(self) -> Any:
        """The SDK's client, made at the first request: importing openai costs a third of a second, which a run
        whose every paper is cached (a re-run, a catch-up) need not pay."""
        if self._sdk is None:
            from openai import AsyncOpenAI, DefaultAsyncHttpxClient

            self._secret = resolve_api_key(self.settings)  # before a client is made that a missing key would leak
            # openai>=3 takes its own httpx2 clients and legacy httpx ones alike, hence Any.
            client: Any = self._http_client
            if client is None and self._ssl_context is not None:
                # One TLS context for both services: building one costs ~20-40 ms at every start.
                client = DefaultAsyncHttpxClient(verify=self._ssl_context)
            self._sdk = AsyncOpenAI(api_key=self._secret, base_url=self.base_url, max_retries=0,
                                    timeout=self.settings.timeout_seconds, http_client=client,
                                    default_headers=self.settings.extra_headers or None)
        return self._sdk

    async def close(self) -> None:
        """Close the SDK and the HTTP client it uses (when a request made them)."""
        if self._sdk is not None:
            await self._sdk.close()

    def scrub(self, text: str) -> str:
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

    def stop_run(self, error: RunStopped) -> RunStopped:
        if self.usage.stopped is None:
            self.usage.stopped = error
        return self.usage.stopped

    def _status_error(self, status: int, body: Any, text: str, headers: Any, paper_id: str | None) -> Exception:
        """The exception an HTTP error status becomes, by what it means for the run."""
        message = self.scrub(provider_message(body) or provider_message(text) or f"HTTP {status}")[:300]
        kind = classify_error(status, message, provider_code(body))
        detail = f"HTTP {status}: {message}"
        if kind == "auth":
            return self.stop_run(AuthError(f"the provider refused the API key ({detail})", paper_id, status))
        if kind == "quota":
            return self.stop_run(QuotaExhausted(f"the provider account's quota or balance is exhausted ({detail}); "
                                                "add credit or raise the quota, then re-run", paper_id, status))
        if kind == "model":
            return self.stop_run(ModelNotFound(f"the provider at {self.base_url} does not serve the model "
                                               f"{self.settings.model!r} ({detail}); check llm.model", paper_id,
                                               status))
        if kind == "endpoint":
            return self.stop_run(EndpointError(f"{self.base_url} has no chat completions API ({detail}); check "
                                               "llm.base_url", url=self.base_url, status=status))
        if kind == "retry":
            return Retryable(detail, status, server_wait(headers, status))
        if kind == "token_param" and self.token_param == "max_tokens":
            # Reasoning models refuse `max_tokens`; switch once for the rest of the run and ask again.
            self.token_param = "max_completion_tokens"
            return Retryable(detail, 400, retry_after=0.0, dropped=True)
        if kind == "mode":
            return ModeRejected(detail, paper_id=paper_id, status=status)
        return LLMError(detail, paper_id=paper_id, status=status)

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
            # its per-call TypedDict transform of `messages` costs ~1.5 ms a request. The raw response
            # is read by `core.completions`, which copes with any shape a provider sends.
            raw = await self.sdk.chat.completions.with_raw_response.create(
                model=self.settings.model, messages=[], extra_body={**body, **self.settings.extra_body})
        except openai.APITimeoutError:
            raise Retryable(f"no answer within {self.settings.timeout_seconds:g} s") from None
        except openai.APIConnectionError as exc:
            reason = type(exc.__cause__ or exc).__name__
            raise Retryable(f"cannot reach the provider ({reason})", dropped=True) from None
        except openai.APIStatusError as exc:
            raise self._status_error(exc.status_code, exc.body, exc.response.text, exc.response.headers,
                                     paper_id) from None
        response = raw.http_response
        try:
            data = json.loads(response.content)
        except ValueError:
            data = response.text
        try:
            done = read_completion(data)
        except NotACompletion as exc:
            ctype = response.headers.get("content-type", "no content type")
            raise self.stop_run(EndpointError(
                f"{self.base_url} answered HTTP {response.status_code} with {exc} ({ctype}), not a chat completion; "
                "check llm.base_url (a captive portal or a proxy page?)", url=self.base_url,
                status=response.status_code)) from None
        if done.prompt_tokens is None:
            done.prompt_tokens = estimate_tokens(messages, self.settings.model)
        if done.completion_tokens is None:
            done.completion_tokens = estimate_tokens([{"content": done.text or ""}], self.settings.model)
        self._account(done)
        return done

    def completion_cost(self, done: Completion) -> float:
        if self.price is None:
            return 0.0
        return cost_usd(self.price, done.prompt_tokens or 0, done.completion_tokens or 0, done.cached_tokens)

    def _account(self, done: Completion) -> None:
        usage = self.usage
        usage.prompt_tokens += done.prompt_tokens or 0
        usage.completion_tokens += done.completion_tokens or 0
        usage.cached_tokens += done.cached_tokens
        if usage.cost_usd is not None:
            usage.cost_usd += self.completion_cost(done)

    def _count_retry(self, exc: BaseException | None) -> None:
        self.usage.retries += 1
        log.info("LLM request failed (%s); retrying", self.scrub(str(exc)))

    def estimate_cost(self, messages: list[dict[str, Any]], max_tokens: int) -> float:
        """The most this request can cost: its prompt as counted by tiktoken, and a full `max_tokens` answer."""
        if self.price is None:
            return 0.0
        return cost_usd(self.price, estimate_tokens(messages, self.settings.model), max_tokens)

    async def create(self, messages: list[dict[str, Any]], schema: dict[str, Any], mode: StructuredMode,
                     max_tokens: int, paper_id: str | None = None) -> Completion:
        estimate = self.estimate_cost(messages, max_tokens) if self.budget.cap is not None else 0.0
        if not await self.budget.reserve(estimate):
            raise BudgetExceeded(f"max_cost_usd {self.budget.cap:g} reached; not started", paper_id=paper_id)
        actual = 0.0  # what this request cost: failed attempts are not billed
        attempts = self.settings.max_retries + 1
        args = self.request_args(schema, mode)
        try:
            done = await with_retries(lambda: self._once(messages, args, max_tokens, paper_id), attempts=attempts,
                                      sleep=self._sleep, multiplier=self.settings.retry_backoff_seconds,
                                      max_server_wait=MAX_SERVER_WAIT, on_retry=self._count_retry)
            actual = self.completion_cost(done)
            return done
        except Retryable as exc:
            raise LLMError(f"{exc} (gave up after {attempts} attempts)", paper_id=paper_id, status=exc.status) from None
        finally:
            await self.budget.settle(estimate, actual)
