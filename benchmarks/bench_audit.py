"""`summarizer audit` over daily-arXiv-ai-enhanced's real history, at its real size.

    python benchmarks/bench_audit.py [--history ../shared/fixtures/dae-history] [--copies 9]
    python benchmarks/bench_audit.py --history DAE_DATA_DIR --copies 0   # a real history as it is

Runs the real command as a process: once over the 40 real days (9,288 papers), then over `--copies`
copies of them (9 copies: 83,592 records, about DAE's whole history of 82,476), and prints the wall
time, peak memory and the overall rate. Then the other side: `--invented` numbers written into the
seed digest's 38 real summaries, and how many of them the gate flags. Kept out of `make test`.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(paths: list[str]) -> tuple[float, dict[str, object]]:
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "summarizer", "audit", *paths, "--json", "--worst", "5"],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    return time.monotonic() - began, json.loads(done.stdout)


def invented(count: int) -> tuple[int, list[str]]:
    """How many of `count` invented numbers the gate flags, and the ones it finds anyway."""
    sys.path.insert(0, str(ROOT))
    from summarizer.core.checks.gate import SourceIndex, check_summary, source_text
    from summarizer.core.digest.parser import parse_digest

    entries = parse_digest((ROOT / "fixtures" / "sample-digest.md").read_text(encoding="utf-8"))
    rng = random.Random(7)
    kinds = [lambda: f"{rng.randint(11, 98)}.{rng.randint(1, 9)}%",
             lambda: f"{rng.randint(2, 9)}.{rng.randint(1, 9)}倍",
             lambda: f"{rng.randint(120, 990)}万",
             lambda: f"{rng.randint(13, 97)}.{rng.randint(10, 99)}",
             lambda: f"{rng.randint(1001, 9999)}"]
    flagged, missed = 0, []
    for case in range(count):
        entry = entries[case % len(entries)]
        assert entry.summary is not None
        number, field = kinds[case % len(kinds)](), ("tldr", "method", "result")[case % 3]
        summary = entry.summary.model_copy(update={field: getattr(entry.summary, field) + f"，提升{number}。"})
        checks = check_summary(summary, SourceIndex.of(source_text(entry.paper.title, entry.paper.abstract)))
        if any(m.number == number for m in checks.unsupported):
            flagged += 1
        else:
            missed.append(f"{entry.paper.id} {number}")
    return flagged, missed


def copies(history: str, count: int) -> None:
    """`count` copies of the history at once: the size of a whole history from a sample of it."""
    with tempfile.TemporaryDirectory() as tmp:
        for copy in range(count):
            shutil.copytree(history, Path(tmp) / f"copy{copy}")
        seconds, found = run([tmp])
    overall = found["overall"]
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{count} copies: {overall['records']} summaries, {overall['numbers']} numbers, rate "
          f"{overall['rate']:.4%}, in {seconds:.1f} s wall (target < 300 s), peak {peak:.0f} MiB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--history", default=str(ROOT.parent / "shared" / "fixtures" / "dae-history"))
    ap.add_argument("--copies", type=int, default=9)
    ap.add_argument("--invented", type=int, default=1000)
    args = ap.parse_args()
    seconds, found = run([args.history])
    overall = found["overall"]
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{args.history}: {overall} in {seconds:.1f} s wall, peak {peak:.0f} MiB")
    if args.copies > 0:
        copies(args.history, args.copies)
    flagged, missed = invented(args.invented)
    print(f"invented numbers flagged: {flagged} of {args.invented}; found anyway: {missed}")


if __name__ == "__main__":
    main()
