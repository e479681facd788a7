"""A backfill at scale in batch mode against the loopback fakes: wall time, peak memory, resume, export.

    python benchmarks/bench_backfill.py                      # 250 listing days x 400 papers = 100,000
    python benchmarks/bench_backfill.py --days 20 --per-day 100   # a quick look

The arXiv fake serves a year of synthetic listings (each day's papers generated on demand, copies
of the recorded entries with their own ids and submission times inside that day's window); the
Batch API fake is the test suite's own, answering every request with a valid Chinese summary. The
backfill is the real `summarizer backfill` command as a child process, so its peak memory is the
child's maximum resident set size. It prints:

- wall time and peak memory for the whole range in batch mode;
- the requests submitted again when a backfill killed half-way (SIGKILL after its first batch) is
  resumed: duplicates are custom ids sent in two batches of the same round (target 0);
- the exported batch files' validity (every line has custom_id, method, url, body).
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from summarizer.demo.replay import ArxivArchive, RecordedAnswers  # noqa: E402
from summarizer.edges.resources import listing_calendar  # noqa: E402
from tests.fakes import FakeServer, FakeState  # noqa: E402

ATOM = "{http://www.w3.org/2005/Atom}"
FIRST = date(2025, 1, 6)


CALENDAR = listing_calendar()


def weekdays(first: date, n: int) -> list[date]:
    """The first `n` listing days from `first`: weekdays, arXiv's holidays left out."""
    days: list[date] = []
    day = first
    while len(days) < n:
        if CALENDAR.is_listing_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


class SyntheticArchive(ArxivArchive):
    """`per_day` papers for every listing day, made when a query's window reaches that day."""

    def __init__(self, days: list[date], per_day: int) -> None:
        base = ArxivArchive.from_files([ROOT / "fixtures" / "arxiv" / "listing-2025-12-24.xml"])
        super().__init__([])
        self.originals = base.entries
        self.days, self.per_day = days, per_day
        self.windows = [CALENDAR.window(d) for d in days]

    @lru_cache(maxsize=4)  # noqa: B019 - one archive per benchmark run
    def day_entries(self, index: int) -> list[Any]:
        start, end = self.windows[index]
        day = self.days[index]
        step = (end - start) / (self.per_day + 1)
        entries = []
        for n in range(self.per_day):
            entry = copy.deepcopy(self.originals[n % len(self.originals)])
            paper_id = f"{day:%y%m}.{(day.day * 1000 + n) % 100000:05d}"
            entry.find(f"{ATOM}id").text = f"http://arxiv.org/abs/{paper_id}v1"
            title = " ".join(entry.findtext(f"{ATOM}title").split())
            entry.find(f"{ATOM}title").text = f"{title} ({day.isoformat()} #{n})"
            stamp = (start + step * (n + 1)).astimezone(UTC).replace(second=0, microsecond=0)
            entry.find(f"{ATOM}published").text = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
            entry.find(f"{ATOM}updated").text = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
            entries.append(entry)
        return entries

    def select(self, params: Any) -> list[Any]:
        import re

        window = re.search(r"submittedDate:\[(\d{12}) TO (\d{12})\]", params.get("search_query", ""))
        if not window:
            return []
        low, high = (datetime.strptime(w, "%Y%m%d%H%M").replace(tzinfo=UTC) for w in window.groups())
        chosen = []
        for index, (start, end) in enumerate(self.windows):
            if start <= high and end >= low:
                chosen += [e for e in self.day_entries(index) if low <= self.entry_published(e) <= high]
        return sorted(chosen, key=lambda e: (self.entry_published(e), self.entry_id(e)))


def start_server(days: list[date], per_day: int, hold: int) -> FakeServer:
    state = FakeState(archive=SyntheticArchive(days, per_day), answers=RecordedAnswers({}), abstracts={"-": "-"},
                      synthesize=True, batch_hold=hold)
    return FakeServer(state).__enter__()


@contextmanager
def fakes(n_days: int, per_day: int, hold: int) -> Iterator[tuple[list[date], FakeServer, Path, Path]]:
    """The listing days, the loopback fakes serving them, a temporary folder and a config pointing at both."""
    days = weekdays(FIRST, n_days)
    server = start_server(days, per_day, hold)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            yield days, server, Path(tmp), write_config(Path(tmp), server)
    finally:
        server.__exit__()


def write_config(tmp: Path, server: FakeServer) -> Path:
    cfg = tmp / "config.toml"
    cfg.write_text(f"""
[arxiv]
categories = ["cs.IR", "cs.AI"]
api_url = "{server.url}/api/query"
use_rss = false
delay_seconds = 0
page_size = 2000
[llm]
base_url = "{server.url}/v1"
api_key = "sk-bench"
model = "gpt-4o-mini"
language = "Chinese"
[batch]
poll_seconds = 1
[site]
enabled = false
[paths]
cache_dir = "{tmp / 'cache'}"
output_dir = "{tmp / 'out'}"
""")
    return cfg


def backfill(cfg: Path, days: list[date], *extra: str) -> list[str]:
    return [sys.executable, "-m", "summarizer", "backfill", "--config", str(cfg), "--from", days[0].isoformat(),
            "--to", days[-1].isoformat(), "--mode", "batch", "-q", *extra]


def submitted_ids(server: FakeServer, round_zero_only: bool = True) -> Counter[str]:
    """custom id -> in how many created batches (of round 0: follow-up rounds re-ask on purpose) it was sent."""
    counts: Counter[str] = Counter()
    for batch in server.state.batches.values():
        if round_zero_only and int((batch.get("metadata") or {}).get("part", "0")) >= 1000:
            continue
        for line in server.state.files[batch["input_file_id"]].decode().splitlines():
            counts[json.loads(line)["custom_id"]] += 1
    return counts


def full_run(n_days: int, per_day: int) -> dict[str, Any]:
    with fakes(n_days, per_day, hold=2) as (days, server, tmp, cfg):
        started = time.monotonic()
        done = subprocess.run(backfill(cfg, days), cwd=ROOT, capture_output=True, text=True)
        wall = time.monotonic() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        written = len(list((tmp / "out").glob("????-??-??.md")))
        ids = submitted_ids(server)
        return {"exit": done.returncode, "days": len(days), "papers": n_days * per_day,
                "digests_written": written, "batches": len(server.state.batches), "requests": sum(ids.values()),
                "wall_s": round(wall, 1), "peak_rss_mib": round(peak, 1),
                "stderr": done.stderr.strip().splitlines()[-3:]}


def resumed_run(n_days: int, per_day: int) -> dict[str, Any]:
    with fakes(n_days, per_day, hold=5) as (days, server, tmp, cfg):
        # Small files: the job has several batches, and the kill lands between two of them.
        per_file = max(1, n_days * per_day // 4)
        cfg.write_text(cfg.read_text().replace("[batch]\n", f"[batch]\nmax_requests = {per_file}\n"))
        proc = subprocess.Popen(backfill(cfg, days), cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        while not server.state.batches and proc.poll() is None:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        before = len(server.state.batches)
        done = subprocess.run(backfill(cfg, days), cwd=ROOT, capture_output=True, text=True)
        ids = submitted_ids(server)
        written = len(list((tmp / "out").glob("????-??-??.md")))
        return {"exit": done.returncode, "batches_before_kill": before, "batches": len(server.state.batches),
                "requests": sum(ids.values()), "unique": len(ids),
                "duplicates": sum(c - 1 for c in ids.values()), "digests_written": written}


def export_run(n_days: int, per_day: int) -> dict[str, Any]:
    with fakes(n_days, per_day, hold=1) as (days, server, tmp, cfg):
        out = tmp / "export"
        done = subprocess.run(backfill(cfg, days, "--export-batch", str(out)), cwd=ROOT, capture_output=True,
                              text=True)
        bad, lines, ids = 0, 0, set()
        for path in sorted(out.glob("*.jsonl")):
            for raw in path.read_text(encoding="utf-8").splitlines():
                item = json.loads(raw)
                lines += 1
                ids.add(item.get("custom_id"))
                body = item.get("body") or {}
                if not ({"custom_id", "method", "url", "body"} <= set(item) and item["method"] == "POST"
                        and item["url"] == "/v1/chat/completions" and body.get("model") and body.get("messages")):
                    bad += 1
        return {"exit": done.returncode, "files": len(list(out.glob("*.jsonl"))), "lines": lines,
                "unique_ids": len(ids), "invalid_lines": bad, "papers": n_days * per_day,
                "batches_created": len(server.state.batches)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--per-day", type=int, default=400)
    parser.add_argument("--resume-days", type=int, default=40, help="listing days of the kill-and-resume run")
    args = parser.parse_args()
    print("full:", json.dumps(full_run(args.days, args.per_day), ensure_ascii=False), flush=True)
    print("resume:", json.dumps(resumed_run(args.resume_days, args.per_day)), flush=True)
    print("export:", json.dumps(export_run(args.resume_days, args.per_day)), flush=True)


if __name__ == "__main__":
    main()
