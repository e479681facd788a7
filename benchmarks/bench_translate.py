"""Translation of 1,000 records, sync against batch mode, over real loopback HTTP.

    python benchmarks/bench_translate.py [--records 1000]

Checks both modes write identical, complete files, that a batch job whose waiter stopped after
submitting is resumed without a second batch, and prints requests, tokens and estimated cost for
each mode (prices from a config-style table; the Batch API at half price).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from summarizer.core.digest.parser import parse_digest  # noqa: E402
from summarizer.core.models import entry_to_record  # noqa: E402
from summarizer.core.pricing import Price  # noqa: E402
from summarizer.core.settings import LLMSettings, PathSettings, Settings, TranslateSettings  # noqa: E402
from summarizer.jobs.translate.job import TranslateJob, run_translate  # noqa: E402
from tests.fakes import FakeServer  # noqa: E402

PRICE = Price(input=0.15, output=0.60)  # USD per million tokens, as for gpt-4o-mini


async def no_sleep(seconds: float) -> None:
    return None


def write_records(path: Path, n: int) -> None:
    entries = parse_digest((ROOT / "fixtures" / "sample-digest.md").read_text(encoding="utf-8"))
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            record = entry_to_record(entries[i % len(entries)])
            record["id"] = f"bench-{i}"
            record["title"] = f"{record['title']} (variant {i})"
            record["summary"] = f"{record['summary']} Variant {i}."  # distinct texts: nothing deduplicated
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def settings_for(server: FakeServer, cache: Path) -> Settings:
    return Settings(llm=LLMSettings(base_url=f"{server.url}/v1", api_key="bench", model="fake-model",
                                    max_concurrency=16, prices={"fake-model": PRICE}),
                    paths=PathSettings(cache_dir=str(cache), output_dir=str(cache / "out")),
                    translate=TranslateSettings(batch_poll_seconds=0.01))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1000)
    n = parser.parse_args().records
    with tempfile.TemporaryDirectory() as tmp_dir, FakeServer() as server:
        tmp = Path(tmp_dir)
        records = tmp / "in.jsonl"
        write_records(records, n)
        rows = []
        for mode in ("sync", "batch"):
            job = TranslateJob(records_path=str(records), out=str(tmp / f"{mode}.jsonl"), language="Chinese",
                               fields=["title", "abstract"], mode=mode)
            settings = settings_for(server, tmp / f"cache-{mode}")
            started = time.perf_counter()
            if mode == "batch":  # submit, let the waiter go, then resume: nothing may be submitted twice
                asyncio.run(run_translate(settings, job, sleep=no_sleep, wait_for_results=False))
            result = asyncio.run(run_translate(settings, job, sleep=no_sleep))
            wall = time.perf_counter() - started
            assert result.status == "done", result.failures
            batches = len([r for r in server.state.log if r.path == "/v1/batches" and r.body])
            requests = result.requests if mode == "sync" else result.pieces
            rows.append((mode, requests, batches, result.prompt_tokens, result.completion_tokens, result.cost_usd,
                         wall))
        same = (tmp / "sync.jsonl").read_bytes() == (tmp / "batch.jsonl").read_bytes()
        lines = len((tmp / "batch.jsonl").read_text().splitlines())
    print(f"{n} records x 2 fields; outputs identical: {same}; lines: {lines}")
    print(f"{'mode':>6} {'requests':>9} {'batches':>8} {'prompt tok':>11} {'compl tok':>10} {'cost USD':>9} "
          f"{'wall s':>7}")
    for mode, requests, batches, p, c, cost, wall in rows:
        print(f"{mode:>6} {requests:>9} {batches if mode == 'batch' else '-':>8} {p:>11} {c:>10} {cost:>9.4f} "
              f"{wall:>7.2f}")
    assert same and lines == n


if __name__ == "__main__":
    main()
