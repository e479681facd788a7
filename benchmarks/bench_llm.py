"""Summary engine over real loopback HTTP: a fault-free run against one with a third of first answers faulty.

    python benchmarks/bench_llm.py

Prints requests, retries, tokens and wall time per paper for the 38 sample papers, and checks every
summary equals the recording. Backoff sleeps are skipped (injected), as in the tests.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from summarizer.core.digest.parser import parse_digest  # noqa: E402
from summarizer.core.models import Paper  # noqa: E402
from summarizer.core.settings import LLMSettings  # noqa: E402
from summarizer.edges.llm.client import ChatClient  # noqa: E402
from summarizer.edges.llm.engine import SummaryEngine  # noqa: E402
from summarizer.edges.resources import load_prompts  # noqa: E402
from tests.fakes import FakeServer  # noqa: E402

FAULTS = ["429", "500", "timeout", "half_json", "english", "length", "empty", "fenced", "no_usage"]


async def no_sleep(seconds: float) -> None:
    return None


def run(faulty: bool) -> None:
    entries = parse_digest((ROOT / "fixtures" / "sample-digest.md").read_text(encoding="utf-8"))
    with FakeServer() as server:
        if faulty:
            for i, e in enumerate(entries):
                if i % 3 == 0:
                    server.state.llm_faults[e.paper.title] = [FAULTS[(i // 3) % len(FAULTS)]]
        settings = LLMSettings(base_url=f"{server.url}/v1", api_key="bench", model="bench", timeout_seconds=1.0,
                               max_concurrency=8)
        engine = SummaryEngine(ChatClient(settings, sleep=no_sleep), load_prompts())

        async def go() -> list[object]:
            gate = asyncio.Semaphore(settings.max_concurrency)

            async def one(paper: Paper) -> object:
                async with gate:
                    return (await engine.summarize(paper)).value

            return await asyncio.gather(*(one(e.paper) for e in entries))

        started = time.perf_counter()
        summaries = asyncio.run(go())
        wall = time.perf_counter() - started
    usage = engine.client.usage
    exact = sum(s == e.summary for s, e in zip(summaries, entries, strict=True))
    n = len(entries)
    print(f"{'faulty' if faulty else 'fault-free':>10}: {exact}/{n} exact, requests {usage.requests} "
          f"({usage.requests / n:.2f}/paper), retries {usage.retries}, tokens "
          f"{(usage.prompt_tokens + usage.completion_tokens) / n:.0f}/paper, wall {wall * 1000 / n:.1f} ms/paper")


if __name__ == "__main__":
    run(False)
    run(True)
