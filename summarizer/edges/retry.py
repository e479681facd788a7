"""The transport retry policy, in one place for both services we talk to (arXiv, the LLM provider).

A failure worth another try is raised as `Retryable`, carrying how long the server asked us to
wait; `with_retries` runs a call under `tenacity` with exponential backoff, honours that wish
(capped, and never below the backoff: a server that says "0" would otherwise get every attempt at
once), adds jitter to every wait, sleeps through the injected `sleep`, and re-raises the last
`Retryable` once the attempts are spent, for the caller to turn into its own one-line error.
"""

from __future__ import annotations

import random
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential

T = TypeVar("T")


class Retryable(Exception):
    """A failure worth another try; `retry_after` is the server's own wish, in seconds.

    `dropped` marks a connection that broke before an answer: the first such failure is retried at
    once on a fresh connection (a server whose accept queue overflowed, a keep-alive connection it
    had closed), later ones back off like the rest.
    """

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None,
                 dropped: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.dropped = dropped


def _duration(text: str) -> float | None:
    """`1s`, `6m0s`, `20ms`, `0.5` (the forms of x-ratelimit-reset-*) as seconds."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    return sum(float(n) * scale[u] for n, u in parts)


def server_wait(headers: Mapping[str, str], status: int | None = 429) -> float | None:
    """How long the server asks us to wait: Retry-After(-ms) as seconds or a date, then rate-limit resets.

    The `x-ratelimit-reset-*` headers describe the rate-limit window, so they are a wait only on a
    429; on a 5xx they are just the window's state.
    """
    if ms := headers.get("retry-after-ms"):
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    if after := headers.get("retry-after"):
        try:
            return max(0.0, float(after))
        except ValueError:
            try:
                when = parsedate_to_datetime(after)
                return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())
            except (TypeError, ValueError):
                pass
    if status != 429:
        return None
    resets = [_duration(headers[h]) for h in ("x-ratelimit-reset-requests", "x-ratelimit-reset-tokens")
              if h in headers]
    waits = [w for w in resets if w is not None]
    return max(waits) if waits else None


async def with_retries(call: Callable[[], Awaitable[T]], *, attempts: int, sleep: Callable[[float], Awaitable[None]],
                       multiplier: float = 1.0, max_backoff: float = 60.0, max_server_wait: float = 300.0,
                       on_retry: Callable[[BaseException | None], None] = lambda exc: None,
                       jitter: Callable[[], float] = lambda: random.uniform(0, 1)) -> T:
    """Run `call`, retrying `Retryable` failures; every wait is max(server's wish, backoff) plus jitter.

    `multiplier` is the first backoff in seconds (doubling each time up to `max_backoff`); `jitter`
    returns a fraction of it added on top, so clients that failed together do not retry together.
    """
    backoff = wait_exponential(multiplier=multiplier, max=max_backoff)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if getattr(exc, "dropped", False) and state.attempt_number == 1:
            return 0.0
        floor = float(backoff(state))
        hinted = getattr(exc, "retry_after", None)
        if hinted is not None:
            floor = max(floor, min(float(hinted), max_server_wait))
        return floor + jitter() * min(floor, multiplier)

    def count(state: RetryCallState) -> None:
        on_retry(state.outcome.exception() if state.outcome else None)

    retrying = AsyncRetrying(stop=stop_after_attempt(attempts), wait=wait, retry=retry_if_exception_type(Retryable),
                             sleep=sleep, reraise=True, before_sleep=count)
    async for attempt in retrying:
        with attempt:
            return await call()
    raise AssertionError("unreachable: tenacity re-raises the last failure")
