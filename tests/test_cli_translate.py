"""End to end: `summarizer translate` and `summarizer batch` as processes against the loopback fakes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE, process_env
from tests.fakes import FakeServer

KEY = "sk-cli-translate-SECRET"


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        srv.state.api_key = KEY
        yield srv


def setup(tmp: Path, server: FakeServer) -> tuple[Path, Path]:
    cfg = tmp / "config.toml"
    cfg.write_text(f"""
[llm]
base_url = "{server.url}/v1"
api_key = "{KEY}"
model = "fake-model"
[paths]
cache_dir = "{tmp / 'cache'}"
output_dir = "{tmp / 'out'}"
[translate]
batch_poll_seconds = 0.05
""")
    records = tmp / "in.jsonl"
    done = cli("import-digest", str(SAMPLE), "--out", str(records))
    assert done.returncode == 0, done.stderr
    return cfg, records


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = process_env()
    return subprocess.run([sys.executable, "-m", "summarizer", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def created_batches(server: FakeServer) -> int:
    return len([r for r in server.state.log if r.path == "/v1/batches" and r.body])


def test_killed_batch_waiter_resumes_without_a_second_batch(tmp_path: Path, server: FakeServer) -> None:
    cfg, records = setup(tmp_path, server)
    server.state.batch_hold = 10**6  # stays in_progress until released
    out = tmp_path / "out.jsonl"
    env = process_env()
    proc = subprocess.Popen([sys.executable, "-m", "summarizer", "translate", "--config", str(cfg), "--records",
                             str(records), "--out", str(out), "--mode", "batch", "--quiet"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while not any("/v1/batches/" in r.path for r in server.state.log) and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert created_batches(server) == 1 and not out.exists()
    server.state.batch_hold = 1
    done = cli("translate", "--config", str(cfg), "--records", str(records), "--out", str(out), "--mode", "batch")
    assert done.returncode == 0, done.stderr
    assert created_batches(server) == 1
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 38 and all(r["translation"]["title"] and r["translation"]["abstract"] for r in rows)


def test_no_wait_then_status_and_collect(tmp_path: Path, server: FakeServer) -> None:
    cfg, records = setup(tmp_path, server)
    out = tmp_path / "out.jsonl"
    sent = cli("translate", "--config", str(cfg), "--records", str(records), "--out", str(out), "--mode", "batch",
               "--no-wait", "--fields", "tldr")
    assert sent.returncode == 0, sent.stderr
    job = sent.stderr.split("submitted batch job ", 1)[1].split(";", 1)[0]
    status = cli("batch", "status", job, "--config", str(cfg))
    assert status.returncode == 0 and "batch_1" in status.stdout
    collected = cli("batch", "collect", job, "--config", str(cfg))
    assert collected.returncode == 0, collected.stderr
    assert len(out.read_text().splitlines()) == 38
    assert created_batches(server) == 1
    unknown = cli("batch", "status", "nope", "--config", str(cfg))
    assert unknown.returncode == 1 and "no batch job 'nope'" in unknown.stderr


def test_translate_a_digest_by_date(tmp_path: Path, server: FakeServer) -> None:
    cfg, records = setup(tmp_path, server)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "2025-12-24.jsonl").write_bytes(records.read_bytes())
    done = cli("translate", "--config", str(cfg), "--date", "2025-12-24", "--to", "English",
               "--fields", "tldr,motivation,method,result,conclusion")
    assert done.returncode == 0, done.stderr
    md = (tmp_path / "out" / "2025-12-24.en.md").read_text()
    assert md.count("<details>") == 38 and "TL;DR: " in md
    assert (tmp_path / "out" / "2025-12-24.en.jsonl").exists()
    assert not (tmp_path / "out" / "2025-12-24.md").exists()  # the original digest name is not touched


def test_bad_arguments(tmp_path: Path, server: FakeServer) -> None:
    cfg, records = setup(tmp_path, server)
    done = cli("translate", "--config", str(cfg), "--records", str(records), "--out", str(tmp_path / "o.jsonl"),
               "--fields", "title,colour")
    assert done.returncode == 1 and "unknown field(s) colour" in done.stderr
    assert server.state.log == []
