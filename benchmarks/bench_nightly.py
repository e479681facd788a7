"""Nightly job throughput against in-process fakes: wall time vs the ideal, requests, peak memory.

    python benchmarks/bench_nightly.py                 # 100 and 1,000 papers, a few latencies
    python benchmarks/bench_nightly.py --full          # adds 10,000 papers

The arXiv fake serves synthetic copies of the recorded entries (distinct ids and titles); the LLM
fake answers every chat completion after `latency` seconds. The job is the production
`run_nightly`, so the figures include fetching, validation, caching and rendering.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from summarizer.core.settings import ArxivSettings, LLMSettings, PathSettings, Settings  # noqa: E402
from summarizer.demo.replay import ATOM_CONTENT_TYPE, ArxivArchive, chat_completion, title_of  # noqa: E402
from summarizer.jobs.nightly.day_run import NightlyParams  # noqa: E402
from summarizer.jobs.nightly.job import run_nightly  # noqa: E402
from summarizer.jobs.services import Services  # noqa: E402

DAY = date(2025, 12, 24)
ATOM = "{http://www.w3.org/2005/Atom}"


def synthetic_archive(n: int) -> tuple[ArxivArchive, dict[str, dict[str, str]]]:
    base = ArxivArchive.from_files([ROOT / "fixtures" / "arxiv" / "listing-2025-12-24.xml"])
    recorded = [json.loads(line) for line in (ROOT / "fixtures" / "llm" / "answers.jsonl").read_text().splitlines()]
    by_title = {r["title"]: r["answer"] for r in recorded}
    originals = [e for e in base.entries if " ".join(e.findtext(f"{ATOM}title").split()) in by_title]
    entries, answers = [], {}
    for i in range(n):
        src = originals[i % len(originals)]
        entry = copy.deepcopy(src)
        new_id = f"2512.{30000 + i:05d}"
        entry.find(f"{ATOM}id").text = f"http://arxiv.org/abs/{new_id}v1"
        title = f"{' '.join(src.findtext(f'{ATOM}title').split())} (copy {i})"
        entry.find(f"{ATOM}title").text = title
        answers[title] = by_title[" ".join(src.findtext(f"{ATOM}title").split())]
        entries.append(entry)
    return ArxivArchive(entries), answers


async def one_run(n: int, latency: float, concurrency: int, trace_memory: bool = False) -> dict[str, float]:
    archive, answers = synthetic_archive(n)

    def arxiv(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=archive.page(dict(request.url.params)),
                              headers={"content-type": ATOM_CONTENT_TYPE})

    async def llm(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(latency)
        body = json.loads(request.content)
        answer = answers[title_of(body) or ""]
        return httpx.Response(200, json=chat_completion(body, json.dumps(answer, ensure_ascii=False)))

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            arxiv=ArxivSettings(categories=["cs.IR", "cs.AI"], api_url="http://arxiv.fake/api/query",
                                delay_seconds=0, use_rss=False, page_size=2000),
            llm=LLMSettings(base_url="http://llm.fake/v1", api_key="bench", model="bench",
                            max_concurrency=concurrency),
            paths=PathSettings(cache_dir=f"{tmp}/cache", output_dir=f"{tmp}/out"),
        )
        async with httpx.AsyncClient(transport=httpx.MockTransport(arxiv)) as a, \
                httpx.AsyncClient(transport=httpx.MockTransport(llm), limits=httpx.Limits(max_connections=None)) as b:
            if trace_memory:
                tracemalloc.start()
            started = time.perf_counter()
            result = await run_nightly(settings, Services(arxiv_http=a, llm_http=b), NightlyParams(day=DAY))
            report, ids = result.report, result.ids
            wall = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1] if trace_memory else 0
            tracemalloc.stop()
    ideal = n * latency / concurrency
    return {"papers": n, "latency": latency, "concurrency": concurrency, "wall_s": wall, "ideal_s": ideal,
            "ratio": wall / ideal if ideal else 0.0, "requests": report.llm_requests, "retries": report.llm_retries,
            "peak_mib": peak / 2**20, "in_digest": len(ids)}


def startup_seconds() -> float:
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "summarizer", "--help"], capture_output=True, check=True, cwd=ROOT)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="also run 10,000 papers")
    args = parser.parse_args()
    cases = [(98, 0.5, 16), (100, 0.2, 16), (100, 0.2, 64), (1000, 0.05, 16), (1000, 0.05, 64)]
    if args.full:
        cases.append((10000, 0.02, 64))
    startup = startup_seconds()
    print(f"startup (summarizer --help, best of 5): {startup:.3f} s")
    for _ in range(3):
        wall, ideal = process_run()
        print(f"process over loopback HTTP, 98 papers, 0.5 s latency, concurrency 16: {wall:.2f} s "
              f"(ideal {ideal:.2f} s; 7 rounds of 16 need {7 * 0.5:.2f} s; 1.5 x ideal + start-up = "
              f"{1.5 * ideal + startup:.2f} s)")
    print(f"{'papers':>7} {'latency':>8} {'conc':>5} {'wall s':>8} {'ideal s':>8} {'ratio':>6} {'requests':>9} "
          f"{'retries':>8}")
    for n, latency, conc in cases:
        r = asyncio.run(one_run(n, latency, conc))
        assert r["in_digest"] == n
        print(f"{n:>7} {latency:>8.2f} {conc:>5} {r['wall_s']:>8.2f} {r['ideal_s']:>8.2f} {r['ratio']:>6.2f} "
              f"{r['requests']:>9} {r['retries']:>8}")
    print("peak traced Python memory (separate runs, latency 0):")
    for n in [100, 1000] + ([10000] if args.full else []):
        r = asyncio.run(one_run(n, 0.0, 64, trace_memory=True))
        print(f"{n:>7} papers: {r['peak_mib']:.1f} MiB ({r['peak_mib'] * 1024 / n:.1f} KiB per paper)")


def process_run(n: int = 98, latency: float = 0.5, concurrency: int = 16) -> tuple[float, float]:
    """`summarizer nightly` as a process against loopback HTTP fakes: (wall seconds, ideal seconds)."""
    from summarizer.demo.replay import RecordedAnswers
    from tests.fakes import FakeServer, FakeState, write_nightly_config

    archive, answers = synthetic_archive(n)
    state = FakeState(archive=archive, answers=RecordedAnswers(answers), llm_latency=latency)
    with FakeServer(state) as server, tempfile.TemporaryDirectory() as tmp:
        cfg = write_nightly_config(Path(tmp), server, "sk-bench", concurrency)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "summarizer", "nightly", "--config", str(cfg), "--date", "2025-12-24",
                        "--quiet"], check=True, cwd=ROOT)
        wall = time.perf_counter() - started
    return wall, n * latency / concurrency


if __name__ == "__main__":
    main()
