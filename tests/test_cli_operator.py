"""The command line as operators expect it: flags anywhere, overrides, pipes, doctor, clear one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE, process_env
from tests.fakes import FakeServer, write_nightly_config

KEY = "sk-operator-SECRET-5150"


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        srv.state.api_key = KEY
        yield srv


def cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "summarizer", *args], capture_output=True, input=stdin,
                          env=process_env(), cwd=ROOT, timeout=120)


def err(done: subprocess.CompletedProcess[bytes]) -> str:
    return done.stderr.decode()


def test_quiet_and_verbose_work_before_and_after_the_command(tmp_path: Path, server: FakeServer) -> None:
    cfg = write_nightly_config(tmp_path, server, KEY)
    loud = cli("-v", "nightly", "--config", str(cfg), "--date", "2025-12-24", "--limit", "2")
    assert loud.returncode == 0 and "DEBUG" in err(loud)
    quiet = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--limit", "2", "-q")
    assert quiet.returncode == 0 and err(quiet) == ""
    quiet_first = cli("-q", "nightly", "--config", str(cfg), "--date", "2025-12-24", "--limit", "2")
    assert quiet_first.returncode == 0 and err(quiet_first) == ""


def test_output_and_cache_dirs_override_the_config(tmp_path: Path, server: FakeServer) -> None:
    cfg = write_nightly_config(tmp_path, server, KEY)
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--limit", "3", "--output-dir",
               str(tmp_path / "elsewhere"), "--cache-dir", str(tmp_path / "other-cache"))
    assert done.returncode == 0, err(done)
    assert (tmp_path / "elsewhere" / "2025-12-24.md").exists() and (tmp_path / "other-cache" / "answers").is_dir()
    assert not (tmp_path / "out").exists() and not (tmp_path / "cache").exists()


def test_an_unknown_category_is_an_error_naming_it(tmp_path: Path, server: FakeServer) -> None:
    # cs.FOO was taken for a holiday: an empty listing, exit 0, every night (issue 10, item 6).
    cfg = write_nightly_config(tmp_path, server, KEY)
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--categories", "cs.IR,cs.FOO")
    assert done.returncode == 1 and "--categories: unknown arXiv category 'cs.FOO'" in err(done)
    cfg.write_text(cfg.read_text().replace('"cs.LG"', '"cs.LGG"'))
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24")
    assert done.returncode == 1 and "arxiv.categories: unknown arXiv category 'cs.LGG'; did you mean cs.LG" in err(done)
    assert server.state.log == []


def test_config_errors_never_echo_a_secret(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[llm]\nmodel = "m"\napi_key = ["sk-live-SECRET"]\n')
    done = cli("nightly", "--config", str(cfg))
    assert done.returncode == 1 and "llm.api_key" in err(done) and "SECRET" not in err(done)
    cfg.write_text('[llm]\nmodel = "m"\napi_key = "k"\nextra_headers = { Authorization = 42 }\n')
    done = cli("nightly", "--config", str(cfg))
    assert done.returncode == 1 and "llm.extra_headers.Authorization" in err(done) and "42" not in err(done)


def test_a_cap_without_a_price_is_a_config_error(tmp_path: Path, server: FakeServer) -> None:
    cfg = write_nightly_config(tmp_path, server, KEY, extra_llm="max_cost_usd = 1.0")
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24")
    assert done.returncode == 1 and err(done).count("\n") == 1
    assert "llm.max_cost_usd: the model 'some-model' has no known price" in err(done)
    cfg.write_text(cfg.read_text().replace('model = "some-model"', 'model = "gpt-4o-mini-2024-07-18"'))
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--limit", "1")  # priced by the shipped table
    assert done.returncode == 0, err(done)


def test_pipes_titles_and_links(tmp_path: Path) -> None:
    records = cli("import-digest", "-", "--out", "-", stdin=SAMPLE.read_bytes())
    assert records.returncode == 0 and records.stdout.count(b"\n") == 38
    markdown = cli("render", "--records", "-", "--out", "-", stdin=records.stdout)
    assert markdown.returncode == 0 and markdown.stdout == SAMPLE.read_bytes()
    rows = [json.loads(line) for line in records.stdout.decode().splitlines()]
    rows[0]["abs"], rows[0]["id"] = "javascript:alert(document.cookie)", "not an id"
    for row in rows:
        row["date"] = "2025-12-24"
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    done = cli("render", "--records", str(path), "--out", str(tmp_path / "whatever.md"))
    assert done.returncode == 0, err(done)
    page = (tmp_path / "whatever.html").read_text()
    assert "<title>arXiv digest 2025-12-24</title>" in page  # the records' date, not the file name
    assert "javascript:" not in page and 'href="https://arxiv.org/abs/2512.20896"' in page


def test_write_errors_are_one_line(tmp_path: Path, server: FakeServer) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = cli("import-digest", str(SAMPLE), "--out", str(blocker / "r.jsonl"))
    assert done.returncode == 1 and err(done).count("\n") == 1 and "Traceback" not in err(done)
    records = tmp_path / "r.jsonl"
    assert cli("import-digest", str(SAMPLE), "--out", str(records)).returncode == 0
    cfg = write_nightly_config(tmp_path, server, KEY)
    done = cli("translate", "--config", str(cfg), "--records", str(records), "--out", str(blocker / "t.jsonl"))
    assert done.returncode == 1 and err(done).count("\n") == 1 and "Traceback" not in err(done)


def test_batch_list_and_a_corrupt_job_file(tmp_path: Path, server: FakeServer) -> None:
    cfg = write_nightly_config(tmp_path, server, KEY)
    done = cli("batch", "list", "--config", str(cfg))
    assert done.returncode == 0 and b"no batch jobs" in done.stdout
    jobs = tmp_path / "cache" / "batch-jobs"
    jobs.mkdir(parents=True)
    (jobs / "abc.json").write_text("{not json")
    done = cli("batch", "status", "abc", "--config", str(cfg))
    assert done.returncode == 1 and "abc.json is not a valid job state" in err(done)
    assert err(done).count("\n") == 1


def test_doctor_checks_everything_and_names_the_fix(tmp_path: Path, server: FakeServer) -> None:
    server.state.reject_modes = {"json_schema"}
    cfg = write_nightly_config(tmp_path, server, KEY)
    done = cli("doctor", "--config", str(cfg))
    out = done.stdout.decode()
    assert done.returncode == 0, out + err(done)
    assert "✓ API key: found in the config file" in out and KEY not in out + err(done)
    assert "structured output 'tools' accepted (json_schema refused)" in out and "✓ arXiv:" in out
    assert "✓ price: no known price for 'some-model': reports will say 'cost unknown'" in out
    server.state.api_key = "sk-another"
    done = cli("doctor", "--config", str(cfg))
    assert done.returncode == 1 and "✗ endpoint: the provider refused the API key" in done.stdout.decode()


def test_doctor_names_a_config_key_it_does_not_know(tmp_path: Path) -> None:
    cfg = tmp_path / "typo.toml"
    cfg.write_text('[llm]\nmodel = "x"\nbase_ulr = "http://127.0.0.1:9"\n')
    done = cli("doctor", "--config", str(cfg))
    assert done.returncode == 1 and done.stdout.decode() == "✗ config: llm.base_ulr: unknown key\n"


def test_under_umask_022_every_output_file_is_0644(tmp_path: Path, server: FakeServer) -> None:
    cfg = write_nightly_config(tmp_path, server, KEY)
    done = subprocess.run([sys.executable, "-m", "summarizer", "nightly", "--config", str(cfg), "--date",
                           "2025-12-24"], capture_output=True, env=process_env(), cwd=ROOT, timeout=120,
                          preexec_fn=lambda: __import__("os").umask(0o022))
    assert done.returncode == 0, err(done)
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert len(files) > 10  # the digest, its records, page and report, and the site
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {"0o644"}, [
        (str(p), oct(p.stat().st_mode & 0o777)) for p in files if p.stat().st_mode & 0o777 != 0o644]


def test_report_github_warns_on_papers_left_out_and_fails_above_the_share(tmp_path: Path) -> None:
    from summarizer.jobs.report import Failure, Report

    out = tmp_path / "out"
    out.mkdir()
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[llm]\nmodel = "m"\n[paths]\noutput_dir = "{out}"\ncache_dir = "{tmp_path / "c"}"\n'
                   "[report]\nmax_failed_share = 0.25\n")
    summary = tmp_path / "summary.md"
    for failed, code, command in ((1, 0, "::warning title=summarizer 2025-12-24::1 papers left out (10%)"),
                                  (4, 1, "::error title=summarizer 2025-12-24::4 papers left out (40%")):
        report = Report(date="2025-12-24", model="m", fetched=10, summarized=10 - failed,
                        failed=[Failure(id=f"2512.0000{n}", title="t", reason="HTTP 500") for n in range(failed)])
        (out / "2025-12-24.report.json").write_text(report.model_dump_json())
        done = subprocess.run([sys.executable, "-m", "summarizer", "report", "--config", str(cfg), "--github"],
                              capture_output=True, text=True, cwd=ROOT, timeout=60,
                              env=process_env(GITHUB_STEP_SUMMARY=str(summary)))
        assert done.returncode == code and done.stdout.startswith(command), done.stdout + done.stderr
    assert summary.read_text().count("### arXiv digest 2025-12-24") == 2
