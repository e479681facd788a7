"""What a real small model does with the tool: nightly on the demo listing's 7 cs.IR papers, then a translation.

    ../shared/tools/real-llm.sh start 8080          # Qwen2.5-Coder-1.5B-Instruct behind llama.cpp (see its header)
    python benchmarks/bench_real_model.py [--base-url http://127.0.0.1:8080/v1] [--runs 1]

The commands are the real `summarizer nightly` and `summarizer translate` as processes; arXiv is
the test suite's loopback fake serving the recorded listing, the LLM is the real model. It prints
first-answer acceptance, requests per paper, entries with two near-identical fields, failures,
re-asks by reason and wall time; for the translation of the 7 records' title and abstract into
Chinese, its requests, placeholder texts and exit code. Kept out of `make test`: a run takes minutes.
"""

from __future__ import annotations

import argparse
import difflib
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes import FakeServer  # noqa: E402

PLACEHOLDER = re.compile(r"<(?:the|your)\s[^<>]*>|\$text|\{\{", re.IGNORECASE)


def served_model(base_url: str) -> str:
    try:
        models = httpx.get(f"{base_url}/models", timeout=5).json()
    except httpx.HTTPError:
        sys.exit(f"no model answers at {base_url}: start one with ../shared/tools/real-llm.sh start 8080")
    return str(models["data"][0]["id"])


def write_config(tmp: Path, arxiv: FakeServer, base_url: str, model: str) -> Path:
    cfg = tmp / "config.toml"
    cfg.write_text(f"""
[arxiv]
categories = ["cs.IR"]
include_cross_lists = false
api_url = "{arxiv.url}/api/query"
use_rss = false
delay_seconds = 0
[llm]
base_url = "{base_url}"
api_key = "no-key-needed"
model = "{model}"
language = "Chinese"
max_concurrency = 1
timeout_seconds = 600
# OpenAI's own default; llama.cpp samples at 0.8, where this model repeats one field in the next more often
temperature = 1.0
[paths]
cache_dir = "{tmp / 'cache'}"
output_dir = "{tmp / 'out'}"
""")
    return cfg


def cli(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "summarizer", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return done, time.monotonic() - started


def near_identical(ai: dict[str, str], threshold: float = 0.95) -> list[tuple[str, str, float]]:
    return [(a, b, round(r, 2)) for (a, x), (b, y) in itertools.combinations(ai.items(), 2)
            if (r := difflib.SequenceMatcher(None, x, y).ratio()) >= threshold]


def nightly(tmp: Path, cfg: Path) -> dict[str, object]:
    done, wall = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "-v")
    report = json.loads((tmp / "out" / "2025-12-24.report.json").read_text())
    records = [json.loads(line) for line in (tmp / "out" / "2025-12-24.jsonl").read_text().splitlines()] \
        if (tmp / "out" / "2025-12-24.jsonl").exists() else []
    duplicated = {r["id"]: near_identical(r["AI"]) for r in records if near_identical(r["AI"])}
    reasons = [line for line in done.stderr.splitlines() if "re-asking" in line]
    return {"exit": done.returncode, "fetched": report["fetched"], "summarized": report["summarized"],
            "failed": [f["id"] + ": " + f["reason"][:120] for f in report["failed"]],
            "requests": report["llm_requests"],
            "first_accepted": f"{report['first_answer_accepted']}/{report['asked']}",
            "requests_per_paper": round(report["llm_requests"] / max(1, report["fetched"]), 2),
            "reasks": report["reasks"], "duplicated_field_entries": duplicated, "wall_s": round(wall, 1),
            "reask_lines": reasons}


def translation(tmp: Path, cfg: Path, server: FakeServer) -> dict[str, object]:
    before = 0
    out = tmp / "translated.jsonl"
    done, wall = cli("translate", "--config", str(cfg), "--records", str(tmp / "out" / "2025-12-24.jsonl"),
                     "--out", str(out), "--to", "Chinese", "--fields", "title,abstract", "-v")
    rows = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    placeholders = sum(bool(PLACEHOLDER.search(v)) for r in rows for k, v in r["translation"].items()
                       if k not in ("language", "model"))
    requests = re.search(r"(\d+) sync requests", done.stderr)
    return {"exit": done.returncode, "records": len(rows), "requests": int(requests.group(1)) if requests else before,
            "placeholders": placeholders, "wall_s": round(wall, 1),
            "failures": [line[:160] for line in done.stderr.splitlines() if "failed" in line],
            "reask_lines": [line[:200] for line in done.stderr.splitlines() if "re-asking" in line]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8080/v1")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--skip-translation", action="store_true")
    args = parser.parse_args()
    model = served_model(args.base_url)
    print(f"model: {model} at {args.base_url}")
    for run in range(1, args.runs + 1):
        with FakeServer() as arxiv, tempfile.TemporaryDirectory() as name:
            tmp = Path(name)
            cfg = write_config(tmp, arxiv, args.base_url, model)
            result = nightly(tmp, cfg)
            lines = result.pop("reask_lines")
            print(f"run {run} nightly: " + json.dumps(result, ensure_ascii=False))
            for line in lines:  # type: ignore[attr-defined]
                print("   ", line[:220])
            if not args.skip_translation and result["summarized"]:
                tr = translation(tmp, cfg, arxiv)
                lines = tr.pop("reask_lines")
                print(f"run {run} translation: " + json.dumps(tr, ensure_ascii=False))
                for line in lines:  # type: ignore[attr-defined]
                    print("   ", line)


if __name__ == "__main__":
    main()
