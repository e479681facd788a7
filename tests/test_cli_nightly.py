"""End to end: `summarizer nightly`, `paper` and `demo` as processes, against loopback fakes."""

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
from tests.fakes import Canned, FakeServer, write_nightly_config

KEY = "sk-e2e-4c1d2e9f-SECRET-KEY"


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        srv.state.api_key = KEY
        yield srv


def write_config(tmp: Path, server: FakeServer, extra_llm: str = "", concurrency: int = 16) -> Path:
    return write_nightly_config(tmp, server, KEY, concurrency, "timeout_seconds = 2\n" + extra_llm)


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = process_env(**(env or {}))
    return subprocess.run([sys.executable, "-m", "summarizer", *args], capture_output=True, text=True,
                          env=full_env, cwd=ROOT, timeout=120)


def chat_count(server: FakeServer) -> int:
    return len(server.state.requests("/chat/completions"))


def assert_no_secret(tmp: Path, *outputs: str) -> None:
    for path in tmp.rglob("*"):
        if path.is_file() and path.name != "config.toml":
            assert KEY.encode() not in path.read_bytes(), path
    for text in outputs:
        assert KEY not in text


def test_nightly_is_byte_identical_and_idempotent(tmp_path: Path, server: FakeServer) -> None:
    cfg = write_config(tmp_path, server)
    first = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--verbose")
    assert first.returncode == 0, first.stderr
    out = tmp_path / "out"
    assert (out / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()
    assert chat_count(server) == 38
    report = json.loads((out / "2025-12-24.report.json").read_text())
    assert report["fetched"] == 38 and report["summarized"] == 38 and report["failed"] == []
    snapshot = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.endswith("report.json")}
    second = cli("nightly", "--config", str(cfg), "--date", "2025-12-24")
    assert second.returncode == 0, second.stderr
    assert chat_count(server) == 38  # zero requests on the re-run
    assert {p.name: p.read_bytes() for p in out.iterdir()
            if p.is_file() and not p.name.endswith("report.json")} == snapshot
    assert (out / "site" / "index.html").exists()  # [site] enabled by default: the site is refreshed
    assert json.loads((out / "2025-12-24.report.json").read_text())["from_cache"] == 38
    assert_no_secret(tmp_path, first.stderr, first.stdout, second.stderr)


def test_faults_in_a_third_still_give_the_identical_digest(tmp_path: Path, server: FakeServer,
                                                           sample_entries: list) -> None:  # type: ignore[type-arg]
    kinds = ["429", "500", "half_json", "english", "length", "empty", "fenced"]
    for i, entry in enumerate(sample_entries):
        if i % 3 == 0:
            server.state.llm_faults[entry.paper.title] = [kinds[(i // 3) % len(kinds)]]
    server.state.arxiv_faults = ["503"]
    server.state.retry_after = server.state.arxiv_retry_after = "0"  # the backoff floor (0.01 s here) applies
    cfg = write_config(tmp_path, server)
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()
    assert "Summary generation failed" not in (tmp_path / "out" / "2025-12-24.md").read_text()


def test_a_paper_that_always_fails_is_left_out_then_completed(tmp_path: Path, server: FakeServer,
                                                               sample_entries: list) -> None:  # type: ignore[type-arg]
    broken = sample_entries[5].paper
    server.state.always_fail = {broken.title}
    cfg = write_config(tmp_path, server, extra_llm="max_retries = 1")
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24")
    assert done.returncode == 3
    assert f"failed: {broken.id}" in done.stderr
    digest = (tmp_path / "out" / "2025-12-24.md").read_text()
    assert broken.title not in digest and "[Total: 6]" in digest
    report = json.loads((tmp_path / "out" / "2025-12-24.report.json").read_text())
    assert [f["id"] for f in report["failed"]] == [broken.id] and "HTTP 500" in report["failed"][0]["reason"]
    before = chat_count(server)
    server.state.always_fail = set()
    again = cli("nightly", "--config", str(cfg), "--date", "2025-12-24")
    assert again.returncode == 0, again.stderr
    assert chat_count(server) == before + 1  # only the missing paper
    assert (tmp_path / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()


def test_sigkill_then_resume_repeats_at_most_the_in_flight_requests(tmp_path: Path, server: FakeServer) -> None:
    server.state.llm_latency = 0.15
    cfg = write_config(tmp_path, server, concurrency=4)
    env = process_env()
    proc = subprocess.Popen([sys.executable, "-m", "summarizer", "nightly", "--config", str(cfg), "--date",
                             "2025-12-24", "--quiet"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while chat_count(server) < 14 and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = chat_count(server)
    assert 14 <= killed_at < 38
    assert not (tmp_path / "out" / "2025-12-24.md").exists()
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24")
    assert done.returncode == 0, done.stderr
    assert chat_count(server) - 38 <= 4  # repeated: at most the in-flight requests (max_concurrency)
    assert (tmp_path / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()


def test_paper_force_changes_exactly_one_entry(tmp_path: Path, server: FakeServer,
                                                sample_entries: list) -> None:  # type: ignore[type-arg]
    cfg = write_config(tmp_path, server)
    assert cli("nightly", "--config", str(cfg), "--date", "2025-12-24").returncode == 0
    target = sample_entries[10]
    new_tldr = "重新生成的摘要：该方法在多个基准上取得了更好的结果。"
    server.state.answers.answers[target.paper.title] = dict(target.summary.model_dump(), tldr=new_tldr)
    before = chat_count(server)
    done = cli("paper", f"arXiv:{target.paper.id}", "--config", str(cfg), "--force")
    assert done.returncode == 0, done.stderr
    assert chat_count(server) == before + 1 and server.state.requests("/api/query")  # one LLM request
    old_lines = SAMPLE.read_text().splitlines()
    new_lines = (tmp_path / "out" / "2025-12-24.md").read_text().splitlines()
    changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    assert len(changed) == 1 and new_lines[changed[0]] == f"TL;DR: {new_tldr}"
    records = (tmp_path / "out" / "2025-12-24.jsonl").read_text().splitlines()
    assert sum(new_tldr in line for line in records) == 1
    assert_no_secret(tmp_path, done.stdout, done.stderr)


def test_paper_without_digest_prints_the_entry(tmp_path: Path, server: FakeServer) -> None:
    cfg = write_config(tmp_path, server)
    done = cli("paper", "https://arxiv.org/abs/2512.20781v1", "--config", str(cfg))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("### [1] [Soft Filtering") and "TL;DR: SoFT" in done.stdout
    assert chat_count(server) == 1


def test_bad_id_fails_before_any_request(tmp_path: Path, server: FakeServer) -> None:
    cfg = write_config(tmp_path, server)
    done = cli("paper", "not-an-id", "--config", str(cfg))
    assert done.returncode == 1 and "not an arXiv id" in done.stderr and server.state.log == []


@pytest.mark.parametrize(("text", "message"), [
    ('[llm]\nmodel = "m"\napi_key = "k"\ncolour = "red"\n', "llm.colour: unknown key"),
    ('[llm]\napi_key = "k"\n', "llm.model: required value missing"),
    ('[llm]\nmodel = "m"\napi_key = "k"\nmax_concurrency = "many"\n', "llm.max_concurrency"),
    ('[arxiv]\ncategories = "cs.AI"\n[llm]\nmodel = "m"\napi_key = "k"\n', "arxiv.categories"),
    ("[llm\n", "not valid TOML"),
    ('[llm]\nmodel = "m"\n', "llm.api_key: no API key"),
])
def test_bad_config_is_a_one_line_error_before_any_request(tmp_path: Path, server: FakeServer, text: str,
                                                            message: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24")
    assert done.returncode == 1
    assert message in done.stderr and done.stderr.count("\n") == 1
    assert server.state.log == []


def test_wrong_key_stops_with_exit_1(tmp_path: Path, server: FakeServer) -> None:
    server.state.api_key = "sk-another"
    cfg = write_config(tmp_path, server, concurrency=4)
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24")
    assert done.returncode == 1 and "refused the API key" in done.stderr
    assert chat_count(server) <= 4
    assert_no_secret(tmp_path, done.stderr)


def test_weekend_has_no_listing(tmp_path: Path, server: FakeServer) -> None:
    done = cli("nightly", "--config", str(write_config(tmp_path, server)), "--date", "2025-12-27")
    assert done.returncode == 1 and "Saturday" in done.stderr and server.state.log == []


def test_a_holiday_has_no_listing_and_the_day_after_covers_the_window(tmp_path: Path, server: FakeServer) -> None:
    # core/listing.py had no holiday calendar: `--date 2025-12-25` digested a window under a date arXiv never
    # announced (issue 16, item 4).
    cfg = write_config(tmp_path, server)
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-25")
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and server.state.log == []
    assert "2025-12-25 is an arXiv holiday" in done.stderr
    server.state.synthesize = True
    after = cli("nightly", "--config", str(cfg), "--date", "2025-12-26")
    assert after.returncode == 0, after.stderr
    query = server.state.requests("/api/query")[0].params["search_query"]
    assert "submittedDate:[202512231900 TO 202512251900]" in query  # Tue 14:00 EST -> Thu 14:00 EST
    adhoc = cfg.read_text().replace("lookback_listings", "x").replace("[arxiv]\n", "[arxiv]\nholidays = [2026-03-04]\n")
    cfg.write_text(adhoc)
    deferred = cli("nightly", "--config", str(cfg), "--date", "2026-03-04")
    assert deferred.returncode == 1 and "2026-03-04 is an arXiv holiday" in deferred.stderr


def test_environment_overrides_the_secret(tmp_path: Path, server: FakeServer) -> None:
    server.state.api_key = "sk-from-env"
    cfg = write_config(tmp_path, server)
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", env={"OPENAI_API_KEY": "sk-from-env"})
    assert done.returncode == 0, done.stderr


def test_demo_writes_the_sample_digest(tmp_path: Path) -> None:
    done = cli("demo", "--out", str(tmp_path / "digests"))
    assert done.returncode == 0, done.stderr
    assert "replaying recorded" in done.stderr
    assert (tmp_path / "digests" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()


def test_help_is_fast_and_explains() -> None:
    started = time.monotonic()
    done = cli("--help")
    assert done.returncode == 0 and "nightly" in done.stdout and "demo" in done.stdout
    assert time.monotonic() - started < 5  # the 0.5 s target is measured in benchmarks/


def test_sigterm_stops_cleanly_and_a_re_run_completes(tmp_path: Path, server: FakeServer) -> None:
    server.state.llm_latency = 0.15
    cfg = write_config(tmp_path, server, concurrency=4)
    env = process_env()
    proc = subprocess.Popen([sys.executable, "-m", "summarizer", "nightly", "--config", str(cfg), "--date",
                             "2025-12-24"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while chat_count(server) < 8 and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "stopped by a signal" in stderr and "Traceback" not in stderr
    stopped_at = chat_count(server)
    assert stopped_at < 38  # no new requests after the signal
    assert not (tmp_path / "out" / "2025-12-24.md").exists()
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24")
    assert done.returncode == 0, done.stderr
    assert chat_count(server) == 38  # in-flight requests finished and were cached: nothing repeated
    assert (tmp_path / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()


def test_an_html_200_ends_the_run_with_one_line_naming_base_url(tmp_path: Path, server: FakeServer) -> None:
    # A captive portal answered 200 text/html: the workers died and the run hung for ever (issue 9, item 6).
    server.state.llm_canned_any = [Canned(200, b"<html><head><title>Portal</title></head><body>log in</body></html>",
                                          content_type="text/html")] * 100
    cfg = write_config(tmp_path, server, concurrency=4)
    started = time.monotonic()
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24")
    assert done.returncode == 1 and time.monotonic() - started < 30
    # Progress lines may come first; the error itself is the one last line.
    assert done.stderr.splitlines()[-1].startswith("summarizer: error") and "Traceback" not in done.stderr
    assert f"{server.url}/v1 answered HTTP 200 with an HTML page titled 'Portal'" in done.stderr
    assert "check llm.base_url" in done.stderr and chat_count(server) <= 4
    report = json.loads((tmp_path / "out" / "2025-12-24.report.json").read_text())
    assert "llm.base_url" in report["stopped"] and not (tmp_path / "out" / "2025-12-24.md").exists()


def test_sigterm_ends_a_hanging_run_within_seconds(tmp_path: Path, server: FakeServer) -> None:
    server.state.llm_latency = 30.0  # a provider that never answers in time
    cfg = write_nightly_config(tmp_path, server, KEY, 4, "timeout_seconds = 60")
    env = process_env()
    proc = subprocess.Popen([sys.executable, "-m", "summarizer", "nightly", "--config", str(cfg), "--date",
                             "2025-12-24", "--quiet"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while chat_count(server) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    signalled = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130 and time.monotonic() - signalled < 6, stderr
    report = json.loads((tmp_path / "out" / "2025-12-24.report.json").read_text())
    assert report["interrupted"] is True and report["summarized"] == 0


def test_unknown_language_is_a_config_error_at_start_up(tmp_path: Path, server: FakeServer) -> None:
    cfg = write_config(tmp_path, server, extra_llm='language = "Klingon"')
    text = cfg.read_text().replace('language = "Chinese"\n', "")
    cfg.write_text(text)
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24")
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert "llm.language" in done.stderr and "unknown language 'Klingon'" in done.stderr
    assert server.state.log == []


def test_verbose_shows_each_re_ask_and_the_report_counts_them(tmp_path: Path, server: FakeServer,
                                                              sample_entries: list) -> None:  # type: ignore[type-arg]
    first, second = sample_entries[3].paper, sample_entries[4].paper
    server.state.llm_faults[first.title] = ["english"]
    server.state.llm_faults[second.title] = ["half_json", "english"]
    done = cli("nightly", "--config", str(write_config(tmp_path, server)), "--date", "2025-12-24", "-v")
    assert done.returncode == 0, done.stderr
    assert f"re-asking {first.id}: answer 1 of 3 refused (language): the answer is not written in Chinese" \
        in done.stderr
    assert f"re-asking {second.id}: answer 1 of 3 refused (not_json)" in done.stderr
    report = json.loads((tmp_path / "out" / "2025-12-24.report.json").read_text())
    assert report["reasks"] == {"language": 2, "not_json": 1}
    assert report["first_answer_accepted"] == 36 and report["asked"] == 38
    assert "first answers accepted 36/38" in done.stderr
