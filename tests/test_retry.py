"""The one transport retry policy: backoff, the server's wish, and the quick retry of a dropped connection."""

from __future__ import annotations

import asyncio

import pytest

from summarizer.edges.retry import Retryable, with_retries
from tests.fakes import Sleeps


def run(failures: list[Retryable], attempts: int = 4) -> tuple[int, list[float]]:
    sleeps = Sleeps()
    calls = 0

    async def call() -> int:
        nonlocal calls
        calls += 1
        if failures:
            raise failures.pop(0)
        return calls

    return asyncio.run(with_retries(call, attempts=attempts, sleep=sleeps)), sleeps.calls


def test_a_dropped_connection_is_retried_at_once_then_backs_off() -> None:
    calls, sleeps = run([Retryable("reset", dropped=True), Retryable("reset", dropped=True)])
    assert calls == 3
    assert sleeps[0] == 0.0 and sleeps[1] >= 2.0  # second failure: exponential backoff (2 s + jitter)


def test_server_wish_wins_and_is_capped() -> None:
    calls, sleeps = run([Retryable("429", 429, retry_after=7.0), Retryable("503", 503, retry_after=10_000.0)])
    assert calls == 3 and sleeps == [7.0, 300.0]


def test_backoff_grows_and_the_last_failure_is_raised() -> None:
    with pytest.raises(Retryable, match="still down"):
        run([Retryable("down")] * 3 + [Retryable("still down")], attempts=4)
