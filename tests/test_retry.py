"""The one transport retry policy: backoff, the server's wish, jitter, and the quick retry of a dropped connection."""

from __future__ import annotations

import asyncio

import pytest

from summarizer.edges.retry import Retryable, server_wait, with_retries
from tests.fakes import Sleeps


def run(failures: list[Retryable], attempts: int = 4, jitter: float | None = 0.0) -> tuple[int, list[float]]:
    sleeps = Sleeps()
    calls = 0

    async def call() -> int:
        nonlocal calls
        calls += 1
        if failures:
            raise failures.pop(0)
        return calls

    extra = {} if jitter is None else {"jitter": lambda: jitter}
    return asyncio.run(with_retries(call, attempts=attempts, sleep=sleeps, **extra)), sleeps.calls  # type: ignore[arg-type]


def test_a_dropped_connection_is_retried_at_once_then_backs_off() -> None:
    calls, sleeps = run([Retryable("reset", dropped=True), Retryable("reset", dropped=True)])
    assert calls == 3
    assert sleeps[0] == 0.0 and sleeps[1] == 2.0  # second failure: exponential backoff


def test_server_wish_wins_when_longer_and_is_capped() -> None:
    calls, sleeps = run([Retryable("429", 429, retry_after=7.0), Retryable("503", 503, retry_after=10_000.0)])
    assert calls == 3 and sleeps == [7.0, 300.0]


def test_a_zero_wait_never_goes_below_the_backoff() -> None:
    # x-ratelimit-reset-tokens: 0 and no Retry-After gave seven attempts in 0.29 s (issue 9, item 4).
    wait = server_wait({"x-ratelimit-reset-tokens": "0", "x-ratelimit-remaining-tokens": "0"}, 429)
    assert wait == 0.0
    calls, sleeps = run([Retryable("429", 429, retry_after=wait)] * 4, attempts=5)
    assert calls == 5 and sleeps == [1.0, 2.0, 4.0, 8.0]


def test_every_wait_gets_jitter() -> None:
    _, sleeps = run([Retryable("429", 429, retry_after=0.0), Retryable("500")], jitter=0.5)
    assert sleeps == [1.5, 2.5]
    _, real = run([Retryable("500")] * 6, attempts=7, jitter=None)
    floors = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
    assert all(f <= s <= f + 1.0 for f, s in zip(floors, real, strict=True)) and real != floors


def test_a_rate_limit_reset_header_on_a_5xx_is_not_a_wait() -> None:
    headers = {"x-ratelimit-reset-requests": "20s", "x-ratelimit-reset-tokens": "6m0s"}
    assert server_wait(headers, 429) == 360.0
    assert server_wait(headers, 503) is None
    assert server_wait({**headers, "retry-after": "4"}, 503) == 4.0  # Retry-After is a wait whatever the status


def test_backoff_grows_and_the_last_failure_is_raised() -> None:
    with pytest.raises(Retryable, match="still down"):
        run([Retryable("down")] * 3 + [Retryable("still down")], attempts=4)
