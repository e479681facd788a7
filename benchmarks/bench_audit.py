"""`summarizer audit` over daily-arXiv-ai-enhanced's real history, at its real size.

    python benchmarks/bench_audit.py [--history ../shared/fixtures/dae-history] [--copies 9]

Runs the real command as a process: once over the 40 real days (9,288 papers), then over `--copies`
copies of them (9 copies: 83,592 records, about DAE's whole history of 82,476), and prints the wall
time, peak memory and the overall rate. Kept out of `make test`.
"""

from __future__ import annotations

import argparse
import json
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--history", default=str(ROOT.parent / "shared" / "fixtures" / "dae-history"))
    ap.add_argument("--copies", type=int, default=9)
    args = ap.parse_args()
    seconds, found = run([args.history])
    overall = found["overall"]
    print(f"40 real days: {overall} in {seconds:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        for copy in range(args.copies):
            folder = Path(tmp) / f"copy{copy}"
            shutil.copytree(args.history, folder)
        seconds, found = run([tmp])
    overall = found["overall"]
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{args.copies} copies: {overall['records']} summaries, {overall['numbers']} numbers, rate "
          f"{overall['rate']:.4%}, in {seconds:.1f} s wall (target < 300 s), peak {peak:.0f} MiB")


if __name__ == "__main__":
    main()
