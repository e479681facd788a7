"""`summarizer init`: the workflow validates against GitHub's schema, zizmor finds nothing of medium or high
severity, a second init changes no byte, the schedule follows arXiv's announcements, and the workflow's own
`run:` steps, run here in order against the loopback fakes, give the day's digest, site and data branch."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from tests.conftest import ROOT, SAMPLE, process_env
from tests.fakes import FakeServer

KEY = "sk-scaffold-0123456789abcdef"
BIN = Path(sys.executable).parent


def init(folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "summarizer", "init", str(folder), *extra], capture_output=True,
                          text=True, env=process_env(), cwd=ROOT, timeout=60)


@pytest.fixture
def scaffold(tmp_path: Path) -> Path:
    done = init(tmp_path / "repo")
    assert done.returncode == 0, done.stderr
    return tmp_path / "repo"


def workflow(folder: Path) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((folder / ".github" / "workflows" / "nightly.yml").read_text())  # type: ignore[no-any-return]


def test_init_writes_the_deployment_and_a_second_init_changes_no_byte(scaffold: Path) -> None:
    files = {p.relative_to(scaffold).as_posix(): p.read_bytes() for p in scaffold.rglob("*") if p.is_file()}
    assert sorted(files) == [".github/workflows/nightly.yml", "README.md", "config.toml"]
    assert b"## Deploy" in files["README.md"] and b"OPENAI_API_KEY" in files["README.md"]
    (scaffold / "config.toml").write_text(files["config.toml"].decode() + "# mine\n")
    again = init(scaffold)
    assert again.returncode == 0 and again.stderr.count("exists, left as it is") == 3 and "wrote" not in again.stderr
    assert (scaffold / "config.toml").read_text().endswith("# mine\n")
    assert {p.relative_to(scaffold).as_posix(): p.read_bytes() for p in scaffold.rglob("*") if p.is_file()
            and p.name != "config.toml"} == {k: v for k, v in files.items() if k != "config.toml"}


def test_the_workflow_validates_and_zizmor_finds_nothing_of_medium_or_high_severity(scaffold: Path) -> None:
    path = scaffold / ".github" / "workflows" / "nightly.yml"
    schema = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert schema.returncode == 0, schema.stdout + schema.stderr
    audit = subprocess.run([str(BIN / "zizmor"), "--offline", "--format=json", str(path)], capture_output=True,
                           text=True, timeout=120)
    findings = json.loads(audit.stdout or "[]")
    serious = [f for f in findings if f["determinations"]["severity"] in ("Medium", "High")]
    assert serious == [], serious


def test_every_action_is_pinned_to_a_commit_with_its_version(scaffold: Path) -> None:
    text = (scaffold / ".github" / "workflows" / "nightly.yml").read_text()
    uses = re.findall(r"uses: (\S+)@(\S+)(.*)", text)
    assert uses and all(re.fullmatch(r"[0-9a-f]{40}", sha) and re.search(r"# v\d+\.\d+\.\d+", note)
                        for _, sha, note in uses), uses
    flow = workflow(scaffold)
    assert flow["permissions"] == {} and flow["concurrency"]["cancel-in-progress"] is False
    assert flow["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert all(step.get("with", {}).get("persist-credentials") is False for job in flow["jobs"].values()
               for step in job["steps"] if "actions/checkout" in step.get("uses", ""))


def test_the_schedule_comes_after_every_announcement_in_both_eastern_times(scaffold: Path) -> None:
    [cron] = [entry["cron"] for entry in workflow(scaffold)[True]["schedule"]]  # YAML reads "on" as True
    minute, hour, _, _, weekdays = cron.split()
    assert weekdays == "1-5"
    eastern = ZoneInfo("America/New_York")
    day = date(2026, 1, 4)
    while day < date(2027, 1, 4):
        if day.weekday() in (6, 0, 1, 2, 3):  # Sunday to Thursday: announced at 20:00 US-Eastern
            announced = datetime.combine(day, time(20), tzinfo=eastern).astimezone(UTC)
            run = datetime.combine(announced.date(), time(int(hour), int(minute)), tzinfo=UTC)
            if run <= announced:
                run += timedelta(days=1)
            assert timedelta(0) < run - announced < timedelta(hours=4), (day, run)
            assert run.isoweekday() in range(1, 6)
        day += timedelta(days=1)


def test_the_workflows_run_steps_give_the_days_digest_site_and_data_branch(scaffold: Path, tmp_path: Path) -> None:
    with FakeServer() as server:
        server.state.api_key = KEY
        config = scaffold / "config.toml"
        config.write_text(config.read_text().replace(
            '[arxiv]\n', f'[arxiv]\napi_url = "{server.url}/api/query"\nuse_rss = false\ndelay_seconds = 0\n'))
        remote = tmp_path / "remote.git"
        subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
        flow = workflow(scaffold)
        values = {"SUMMARIZER_PIP_SPEC": "summarizer==0.1.0", "SUMMARIZER_LLM_MODEL": "some-model",
                  "SUMMARIZER_LLM_BASE_URL": f"{server.url}/v1", "SUMMARIZER_ARXIV_CATEGORIES": "cs.IR,cs.AI",
                  "GITHUB_TOKEN": "unused-here", "OPENAI_API_KEY": KEY, "LISTING_DATE": "2025-12-24"}
        base = {**process_env(), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "DATA_REMOTE": str(remote),
                "PIP_NO_INDEX": "1", "GITHUB_REPOSITORY": "reader/digest", "HOME": str(tmp_path)}
        for name, value in flow["env"].items():
            base[name] = values.get(name, str(value))
        ran = []
        for step in flow["jobs"]["digest"]["steps"]:
            if "run" not in step:
                continue  # checkout, setup-python, cache, upload: GitHub's own actions
            env = {**base, **{k: values.get(k, str(v)) for k, v in (step.get("env") or {}).items()}}
            done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", step["run"]], cwd=scaffold, env=env,
                                  capture_output=True, text=True, timeout=180)
            assert done.returncode == 0, (step.get("name"), done.stdout, done.stderr)
            ran.append(step.get("name"))
        assert len(ran) == 4
        out = scaffold / "out"
        assert (out / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()
        assert (out / "site" / "index.html").exists() and (out / "site" / "data" / "days" / "2025-12-24.js").exists()
        tracked = subprocess.run(["git", "--git-dir", str(remote), "ls-tree", "--name-only", "data"],
                                 capture_output=True, text=True, check=True).stdout.split()
        assert tracked == [".gitignore", "2025-12-24.jsonl", "2025-12-24.report.json"]
        assert (scaffold / ".summarizer-cache" / "answers").is_dir()
        for path in scaffold.rglob("*"):
            if path.is_file():
                assert KEY.encode() not in path.read_bytes(), path


def test_init_systemd_writes_a_user_service_and_timer(tmp_path: Path) -> None:
    done = init(tmp_path / "box", "--systemd")
    assert done.returncode == 0, done.stderr
    service = (tmp_path / "box" / "summarizer-nightly.service").read_text()
    timer = (tmp_path / "box" / "summarizer-nightly.timer").read_text()
    assert f"ExecStart={sys.executable} -m summarizer nightly --config {(tmp_path / 'box').resolve()}/config.toml" \
        in service and "SuccessExitStatus=3" in service
    assert "OnCalendar=Sun..Thu 20:30 America/New_York" in timer and "Persistent=true" in timer



def test_the_hosting_limits_are_warned_about_at_80_percent(tmp_path: Path) -> None:
    from summarizer.jobs.stages.site import size_warnings

    site, records = tmp_path / "site", tmp_path / "out"
    site.mkdir()
    records.mkdir()
    (site / "a.js").write_bytes(b"x")
    with open(site / "big.js", "wb") as handle:  # sparse: 850 MB on paper, nothing on disk
        handle.truncate(850_000_000)
    with open(records / "2025-12-24.jsonl", "wb") as handle:
        handle.truncate(2_100_000_000)
    warnings = size_warnings(site, records)
    assert len(warnings) == 2 and "85% of the 1 GB a GitHub Pages site may hold" in warnings[0]
    assert "about 840 MB in git" in warnings[1]
    (site / "big.js").unlink()
    (records / "2025-12-24.jsonl").unlink()
    assert size_warnings(site, records) == []


def test_the_workflow_installs_the_version_that_wrote_it() -> None:
    from summarizer import __version__
    from summarizer.jobs.scaffold import pip_spec

    git = json.dumps({"url": "https://github.com/reader/summarizer", "vcs_info": {"vcs": "git", "commit_id": "abc123"}})
    assert pip_spec(git) == "git+https://github.com/reader/summarizer@abc123"
    editable = json.dumps({"url": "file:///home/me/summarizer", "dir_info": {"editable": True}})
    assert pip_spec(editable) == f"summarizer=={__version__}"  # a local path means nothing on GitHub's runners
