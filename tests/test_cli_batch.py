"""Summaries at scale through the real CLI against the loopback Batch API: nightly --mode batch,
--no-wait, a killed waiter, backfill (range and --missing), export then import (issue 12)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from summarizer.core.pricing import Price, cost_usd
from tests.conftest import FIXTURES, ROOT, process_env
from tests.fakes import FakeServer, answer_chat, write_nightly_config

KEY = "sk-test-BATCH-0123456789abcdef"
SAMPLE = FIXTURES / "sample-digest.md"
DAE = FIXTURES / "dae"
PRICE = Price(input=0.15, output=0.60)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as s:
        yield s


def write_config(tmp: Path, server: FakeServer, extra: str = "", llm: str = "") -> Path:
    cfg = write_nightly_config(tmp, server, KEY, extra_llm="timeout_seconds = 5\n" + llm)
    cfg.write_text(cfg.read_text() + f"""
[llm.prices."some-model"]
input = {PRICE.input}
output = {PRICE.output}
[batch]
poll_seconds = 0.05
{extra}
""")
    return cfg


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "summarizer", *args], capture_output=True, text=True,
                          env=process_env(), cwd=ROOT, timeout=120)


def sync_requests(server: FakeServer) -> int:
    return len(server.state.requests("/chat/completions"))


def batches_created(server: FakeServer) -> int:
    return sum(1 for r in server.state.log if r.path.rstrip("/") == "/v1/batches" and r.body is not None)


def test_nightly_batch_is_byte_identical_in_one_batch_at_the_batch_price(tmp_path: Path, server: FakeServer) -> None:
    cfg = write_config(tmp_path, server)
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--mode", "batch")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()
    assert batches_created(server) == 1 and sync_requests(server) == 0
    report = json.loads((tmp_path / "out" / "2025-12-24.report.json").read_text())
    batch = report["batch"]
    assert report["mode"] == "batch" and report["summarized"] == 38 and batch["requests"] == 38
    expected = cost_usd(PRICE, batch["prompt_tokens"], batch["completion_tokens"], batch=True)
    assert batch["cost_usd"] == round(expected, 6) and report["cost_usd"] == round(expected, 6)
    assert batch["saving_usd"] == round(batch["sync_cost_usd"] - batch["cost_usd"], 6) > 0
    assert "saving" in done.stderr and "at the batch price" in done.stderr
    # The same command again: everything cached, nothing submitted.
    again = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--mode", "batch")
    assert again.returncode == 0 and batches_created(server) == 1
    assert (tmp_path / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()
    report = json.loads((tmp_path / "out" / "2025-12-24.report.json").read_text())
    assert report["cost_usd"] == 0 and report["batch"]["requests"] == 0  # nothing paid twice, nothing charged twice


def test_no_wait_submits_and_the_re_run_collects(tmp_path: Path, server: FakeServer) -> None:
    cfg = write_config(tmp_path, server)
    first = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--mode", "batch", "--no-wait")
    assert first.returncode == 0, first.stderr
    assert "submitted batch job" in first.stderr and not (tmp_path / "out" / "2025-12-24.md").exists()
    listed = cli("batch", "list", "--config", str(cfg))
    assert "summaries of listing 2025-12-24" in listed.stdout
    server.state.batch_hold = 10_000  # still running: --no-wait again only looks and returns
    looked = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--mode", "batch", "--no-wait")
    assert looked.returncode == 0 and "submitted batch job" in looked.stderr
    assert not (tmp_path / "out" / "2025-12-24.md").exists()
    server.state.batch_hold = 1
    second = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--mode", "batch")
    assert second.returncode == 0, second.stderr
    assert batches_created(server) == 1 and sync_requests(server) == 0
    assert (tmp_path / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()


def test_killed_while_waiting_then_re_run_creates_no_second_batch(tmp_path: Path, server: FakeServer) -> None:
    server.state.batch_hold = 10_000  # the batch stays in progress until the test lets it end
    cfg = write_config(tmp_path, server)
    proc = subprocess.Popen([sys.executable, "-m", "summarizer", "nightly", "--config", str(cfg), "--date",
                             "2025-12-24", "--mode", "batch"], cwd=ROOT, env=process_env(), stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 60
    while not server.state.batch_polls or max(server.state.batch_polls.values()) < 3:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert not (tmp_path / "out" / "2025-12-24.md").exists()
    server.state.batch_hold = 1
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--mode", "batch")
    assert done.returncode == 0, done.stderr
    assert batches_created(server) == 1 and sync_requests(server) == 0
    assert (tmp_path / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()


def test_refused_answers_go_to_a_follow_up_round_with_the_reason(tmp_path: Path, server: FakeServer) -> None:
    title = "Retrieval Augmented Question Answering: When Should LLMs Admit Ignorance?"
    recorded = server.state.answers.answers
    if title not in recorded:  # any recorded paper will do
        title = next(iter(recorded))
    english = {k: "The paper studies the question in English only." + k for k in recorded[title]}
    original = dict(recorded[title])
    recorded[title] = english
    cfg = write_config(tmp_path, server)
    proc = subprocess.Popen([sys.executable, "-m", "summarizer", "nightly", "--config", str(cfg), "--date",
                             "2025-12-24", "--mode", "batch"], cwd=ROOT, env=process_env(), stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 60
    while batches_created(server) < 1 or not any(b["status"] == "completed" for b in server.state.batches.values()):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    recorded[title] = original  # the follow-up round gets the good answer
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert batches_created(server) == 2 and sync_requests(server) == 0
    second = [json.loads(x) for x in server.state.files[server.state.batches["batch_2"]["input_file_id"]]
              .decode().splitlines()]
    assert len(second) == 1 and "rejected" in json.dumps(second[0]["body"]["messages"][-1], ensure_ascii=False)
    assert (tmp_path / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()


def test_backfill_missing_completes_imported_placeholders_in_one_batch(tmp_path: Path, server: FakeServer) -> None:
    server.state.synthesize = True
    cfg = write_config(tmp_path, server)
    dae = tmp_path / "dae"
    dae.mkdir()
    (dae / "2026-05-21_AI_enhanced_Chinese.jsonl").write_bytes((DAE / "2026-05-21_AI_enhanced_Chinese.jsonl")
                                                               .read_bytes())
    imported = cli("import-dae", str(dae), "--config", str(cfg))
    assert imported.returncode == 0, imported.stderr
    records = [json.loads(x) for x in (tmp_path / "out" / "2026-05-21.jsonl").read_text().splitlines()]
    missing = [r for r in records if not r.get("AI")]
    assert len(missing) == 48
    done = cli("backfill", "--config", str(cfg), "--missing", "--mode", "batch")
    assert done.returncode == 0, done.stderr
    assert batches_created(server) == 1 and sync_requests(server) == 0
    lines = server.state.files[server.state.batches["batch_1"]["input_file_id"]].decode().splitlines()
    assert sorted(json.loads(x)["custom_id"] for x in lines) == sorted(r["id"] for r in missing)
    after = [json.loads(x) for x in (tmp_path / "out" / "2026-05-21.jsonl").read_text().splitlines()]
    assert len(after) == len(records) and all(r.get("AI", {}).get("tldr") for r in after)
    md = (tmp_path / "out" / "2026-05-21.md").read_text()
    assert md.count("TL;DR:") == len(records) and "Summary generation failed" not in md
    again = cli("backfill", "--config", str(cfg), "--missing", "--mode", "batch")
    assert again.returncode == 0 and batches_created(server) == 1


def test_backfill_range_skips_weekends_and_writes_each_listing(tmp_path: Path, server: FakeServer) -> None:
    server.state.synthesize = True  # the archive's one paper of 2025-12-23 has no recorded answer
    cfg = write_config(tmp_path, server)
    done = cli("backfill", "--config", str(cfg), "--from", "2025-12-20", "--to", "2025-12-24", "--mode", "batch")
    assert done.returncode == 0, done.stderr
    queries = [r.params.get("search_query", "") for r in server.state.requests("/api/query")]
    assert not any("20251219" in q and "20251220" in q for q in queries)  # no Saturday listing asked for
    assert (tmp_path / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()
    assert (tmp_path / "out" / "2025-12-23.md").exists() and not (tmp_path / "out" / "2025-12-20.md").exists()
    assert batches_created(server) == 1 and sync_requests(server) == 0
    fetches = len(server.state.requests("/api/query"))
    again = cli("backfill", "--config", str(cfg), "--from", "2025-12-20", "--to", "2025-12-24", "--mode", "batch")
    assert again.returncode == 0 and batches_created(server) == 1
    assert len(server.state.requests("/api/query")) == fetches  # fetched days are kept


def test_export_then_answer_offline_then_import_gives_the_batch_digest(tmp_path: Path, server: FakeServer) -> None:
    cfg = write_config(tmp_path, server)
    exported = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--export-batch", str(tmp_path / "x"))
    assert exported.returncode == 0, exported.stderr
    files = sorted((tmp_path / "x").glob("*.jsonl"))
    lines = [json.loads(x) for f in files for x in f.read_text().splitlines()]
    assert len(lines) == 38 and all({"custom_id", "method", "url", "body"} <= set(x) for x in lines)
    assert all(x["method"] == "POST" and x["url"] == "/v1/chat/completions" for x in lines)
    assert batches_created(server) == 0 and sync_requests(server) == 0
    # The stand-in engine: answers each line offline, in OpenAI's batch output format (as vLLM run-batch writes).
    out = tmp_path / "output.jsonl"
    rows = []
    for n, line in enumerate(lines):
        status, body, _, _ = answer_chat(server.state, line["body"])
        rows.append(json.dumps({"id": f"vllm-{n}", "custom_id": line["custom_id"],
                                "response": {"status_code": status, "request_id": f"r{n}", "body": body},
                                "error": None}, ensure_ascii=False))
    out.write_text("\n".join(rows) + "\n")
    imported = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--import-batch-output", str(out))
    assert imported.returncode == 0, imported.stderr
    assert (tmp_path / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()
    assert batches_created(server) == 0 and sync_requests(server) == 0


def test_a_bad_batch_output_file_is_one_line_and_writes_nothing(tmp_path: Path, server: FakeServer) -> None:
    cfg = write_config(tmp_path, server)
    out = tmp_path / "output.jsonl"
    out.write_text('{"custom_id": "2512.20781", "response": {"status_code": 200, "body": {}}}\nnot json\n')
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--import-batch-output", str(out))
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert f"{out}:2: not a JSON line of a batch output file" in done.stderr
    assert not (tmp_path / "out" / "2025-12-24.md").exists()


def test_the_cap_is_checked_at_the_batch_price_before_submitting(tmp_path: Path, server: FakeServer) -> None:
    cfg = write_config(tmp_path, server, llm="max_cost_usd = 0.001\n")
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--mode", "batch")
    assert done.returncode != 0 and "at the batch price; nothing was submitted" in done.stderr
    assert batches_created(server) == 0 and not server.state.files


def test_batches_are_split_within_the_file_limits(tmp_path: Path, server: FakeServer) -> None:
    cfg = write_config(tmp_path, server, extra="max_requests = 10\n")
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--mode", "batch")
    assert done.returncode == 0, done.stderr
    sizes = [len(server.state.files[b["input_file_id"]].decode().splitlines()) for b in server.state.batches.values()]
    assert sorted(sizes) == [8, 10, 10, 10]
    assert (tmp_path / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()
    small = tmp_path / "small"
    small.mkdir()
    cfg = write_config(small, server, extra="max_bytes = 20000\n")
    assert cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--export-batch", str(small / "x")
               ).returncode == 0
    files = sorted((small / "x").glob("*.jsonl"))
    assert len(files) > 1 and all(f.stat().st_size <= 20000 for f in files)
    assert sum(len(f.read_text().splitlines()) for f in files) == 38


def test_an_imported_answer_that_fails_validation_is_asked_again_next_run(tmp_path: Path,
                                                                         server: FakeServer) -> None:
    cfg = write_config(tmp_path, server)
    assert cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--export-batch",
               str(tmp_path / "x")).returncode == 0
    lines = [json.loads(x) for f in sorted((tmp_path / "x").glob("*.jsonl")) for x in f.read_text().splitlines()]
    rows = []
    for n, line in enumerate(lines):
        status, body, _, _ = answer_chat(server.state, line["body"])
        if n == 0:  # an engine elsewhere answered this one in English: the sync rules refuse it
            english = json.dumps({k: f"An English sentence about part {k} of the work." for k in
                                  ("motivation", "method", "result", "conclusion", "tldr")})
            body["choices"][0]["message"]["content"] = english
        rows.append(json.dumps({"custom_id": line["custom_id"], "response": {"status_code": status, "body": body}},
                               ensure_ascii=False))
    out = tmp_path / "output.jsonl"
    out.write_text("\n".join(rows) + "\n")
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--import-batch-output", str(out))
    assert done.returncode == 3 and lines[0]["custom_id"] in done.stderr, done.stderr
    assert (tmp_path / "out" / "2025-12-24.md").read_text().count("TL;DR:") == 37
    again = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--mode", "batch")
    assert again.returncode == 0, again.stderr
    asked = server.state.files[server.state.batches["batch_1"]["input_file_id"]].decode().splitlines()
    assert [json.loads(x)["custom_id"] for x in asked] == [lines[0]["custom_id"]]
    assert (tmp_path / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()


def test_retry_mode_sync_finishes_refused_answers_synchronously(tmp_path: Path, server: FakeServer) -> None:
    title = next(iter(server.state.answers.answers))
    server.state.llm_faults[title] = ["english"]  # the batch's answer for this paper is in English
    cfg = write_config(tmp_path, server)
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--mode", "batch", "--retry-mode", "sync")
    assert done.returncode == 0, done.stderr
    assert batches_created(server) == 1 and sync_requests(server) == 1
    [asked] = [r.body for r in server.state.requests("/chat/completions")]
    assert asked is not None and title in json.dumps(asked, ensure_ascii=False)
    report = json.loads((tmp_path / "out" / "2025-12-24.report.json").read_text())
    batch = report["batch"]
    sync_cost = round(report["cost_usd"] - batch["cost_usd"], 6)
    assert sync_cost > 0  # the one sync request, at the sync price, beside the batch at its own
    assert (tmp_path / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()


def test_backfill_in_sync_mode_writes_the_same_digest(tmp_path: Path, server: FakeServer) -> None:
    server.state.synthesize = True
    cfg = write_config(tmp_path, server)
    done = cli("backfill", "--config", str(cfg), "--from", "2025-12-23", "--to", "2025-12-24")
    assert done.returncode == 0, done.stderr
    assert batches_created(server) == 0 and sync_requests(server) == 39
    assert (tmp_path / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()
    assert cli("backfill", "--config", str(cfg), "--from", "2025-12-23", "--to", "2025-12-24").returncode == 0
    assert sync_requests(server) == 39  # all cached: nothing paid twice


def test_backfill_needs_a_range_or_missing(tmp_path: Path, server: FakeServer) -> None:
    cfg = write_config(tmp_path, server)
    for args in ([], ["--from", "2025-12-23"], ["--missing", "--from", "2025-12-23", "--to", "2025-12-24"],
                 ["--from", "2025-12-24", "--to", "2025-12-20"], ["--missing", "--no-wait"]):
        done = cli("backfill", "--config", str(cfg), *args)
        assert done.returncode == 1 and done.stderr.count("\n") == 1, (args, done.stderr)
    assert server.state.log == []


def test_a_job_that_ended_incomplete_tries_again_on_the_next_run(tmp_path: Path, server: FakeServer) -> None:
    title = next(iter(server.state.answers.answers))
    server.state.always_fail.add(title)
    cfg = write_config(tmp_path, server, extra="max_retries = 1\n")
    first = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--mode", "batch")
    assert first.returncode == 3 and batches_created(server) == 2, first.stderr  # the round and one follow-up
    server.state.always_fail.clear()
    again = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--mode", "batch")
    assert again.returncode == 0 and batches_created(server) == 3, again.stderr
    assert (tmp_path / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()


def submitted_ids(server: FakeServer) -> list[str]:
    """The custom ids of every batch input file the fake received, repeats included."""
    ids = []
    for batch in server.state.batches.values():
        lines = server.state.files[batch["input_file_id"]].decode().splitlines()
        ids += [json.loads(line)["custom_id"] for line in lines if line.strip()]
    return ids


def test_a_no_wait_batch_of_day_d_is_collected_by_the_run_of_the_next_day(tmp_path: Path, server: FakeServer) -> None:
    # The job id holds the day and the default day is the newest listing: after the next announcement a new job
    # was made, the old batch was never collected, and its papers were paid again (issue 16, item 6).
    server.state.synthesize = True  # the next day's lookback finds a paper with no recorded answer
    cfg = write_config(tmp_path, server)
    assert cli("nightly", "--config", str(cfg), "--date", "2025-12-23").returncode == 0  # a history, as every night
    first = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--mode", "batch", "--no-wait")
    assert first.returncode == 0 and "submitted batch job" in first.stderr, first.stderr
    server.state.batch_hold = 10_000  # the next run comes while the batch is still running
    waiting = cli("nightly", "--config", str(cfg), "--date", "2025-12-26")
    assert waiting.returncode == 0, waiting.stderr
    assert "is still running; its papers are left to it" in waiting.stderr
    report = json.loads((tmp_path / "out" / "2025-12-26.report.json").read_text())
    assert report["in_other_batches"] == 38 and report["collected"][0]["status"] == "waiting"
    asked = [json.dumps(r.body["messages"], ensure_ascii=False) for r in server.state.requests("/chat/completions")]
    assert not any("Soft Filtering" in text for text in asked)  # none of day D's papers asked in sync mode
    synced = sync_requests(server)
    server.state.batch_hold = 1
    later = cli("nightly", "--config", str(cfg), "--date", "2025-12-29", "--mode", "batch")
    assert later.returncode == 0, later.stderr
    assert "collected batch job" in later.stderr and "wrote 2025-12-24 (38 papers)" in later.stderr
    assert (tmp_path / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()
    ids = submitted_ids(server)
    assert len(ids) == len(set(ids)) == 38  # every paper submitted once, and paid once
    assert sync_requests(server) == synced
    report = json.loads((tmp_path / "out" / "2025-12-29.report.json").read_text())
    assert [c["days"] for c in report["collected"]] == [["2025-12-24"]]
    assert json.loads((tmp_path / "out" / "2025-12-24.report.json").read_text())["mode"] == "batch"


def test_a_second_run_on_the_same_cache_exits_1_naming_the_first(tmp_path: Path, server: FakeServer) -> None:
    server.state.batch_hold = 10_000  # set before the first run starts: its batch must still be running below
    cfg = write_config(tmp_path, server)
    proc = subprocess.Popen([sys.executable, "-m", "summarizer", "nightly", "--config", str(cfg), "--date",
                             "2025-12-24", "--mode", "batch", "--quiet"], cwd=ROOT, env=process_env())
    deadline = time.monotonic() + 60
    while batches_created(server) < 1:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    second = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--mode", "batch")
    assert second.returncode == 1 and second.stderr.count("\n") == 1, second.stderr
    assert f"another summarizer run holds {tmp_path / 'cache'} (pid {proc.pid}, `summarizer nightly --config" \
        in second.stderr
    backfill = cli("backfill", "--config", str(cfg), "--from", "2025-12-22", "--to", "2025-12-24")
    assert backfill.returncode == 1 and f"pid {proc.pid}" in backfill.stderr
    assert batches_created(server) == 1  # never submitted twice
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 130
    server.state.batch_hold = 1
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--mode", "batch")  # the lock went with it
    assert done.returncode == 0, done.stderr
    assert batches_created(server) == 1
