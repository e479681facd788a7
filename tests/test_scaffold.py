"""`summarizer init`: the workflow validates against GitHub's schema, zizmor (default and auditor personas) finds
nothing of medium or high severity, every job has least privilege and no token that can push is written where
the index's packages run, a second init changes no byte and `--upgrade` rewrites the tool's files only, the
folders follow the config, the schedule follows arXiv's announcements at quiet minutes, systemd accepts the
units, and the workflow installs the version that wrote it from a hash-locked lock file. Thirty mornings of
the workflow itself: test_mornings.py; the install from each source: test_install.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from tests.conftest import ROOT, process_env

BIN = Path(sys.executable).parent


def init(folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "summarizer", "init", str(folder), *extra], capture_output=True,
                          text=True, env=process_env(), cwd=ROOT, timeout=120)


@pytest.fixture
def scaffold(tmp_path: Path, wheel: Path) -> Path:
    done = init(tmp_path / "repo", "--wheel", str(wheel))
    assert done.returncode == 0, done.stderr
    return tmp_path / "repo"


def workflow(folder: Path) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((folder / ".github" / "workflows" / "nightly.yml").read_text())  # type: ignore[no-any-return]


def test_init_writes_the_deployment_and_a_second_init_changes_no_byte(scaffold: Path, wheel: Path) -> None:
    files = {p.relative_to(scaffold).as_posix(): p.read_bytes() for p in scaffold.rglob("*") if p.is_file()}
    assert sorted(files) == [".github/workflows/nightly.yml", "README.md", "config.toml", "requirements.lock",
                             f"vendor/{wheel.name}"]
    assert b"## Deploy" in files["README.md"] and b"OPENAI_API_KEY" in files["README.md"]
    assert files[f"vendor/{wheel.name}"] == wheel.read_bytes()
    (scaffold / "config.toml").write_text(files["config.toml"].decode() + "# mine\n")
    again = init(scaffold, "--wheel", str(wheel))
    assert again.returncode == 0 and again.stderr.count("exists, left as it is") == 4 and "wrote" not in again.stderr
    assert (scaffold / "config.toml").read_text().endswith("# mine\n")
    assert {p.relative_to(scaffold).as_posix(): p.read_bytes() for p in scaffold.rglob("*") if p.is_file()
            and p.name != "config.toml"} == {k: v for k, v in files.items() if k != "config.toml"}


def test_init_upgrade_rewrites_the_tools_files_and_keeps_the_users(scaffold: Path, wheel: Path) -> None:
    flow = scaffold / ".github" / "workflows" / "nightly.yml"
    flow.write_text("# an older version\n")
    (scaffold / "requirements.lock").write_text("old==1\n")
    (scaffold / "vendor" / "summarizer_arxiv-0.0.9-py3-none-any.whl").write_bytes(b"old")
    (scaffold / "config.toml").write_text((scaffold / "config.toml").read_text() + "# mine\n")
    (scaffold / "README.md").write_text("my notes\n")
    done = init(scaffold, "--upgrade", "--wheel", str(wheel))
    assert done.returncode == 0, done.stderr
    assert "./vendor/" + wheel.name in flow.read_text() and "old==1" not in (scaffold / "requirements.lock").read_text()
    assert sorted(p.name for p in (scaffold / "vendor").iterdir()) == [wheel.name]
    assert (scaffold / "config.toml").read_text().endswith("# mine\n") and (scaffold / "README.md").read_text() == \
        "my notes\n"


def test_the_workflows_folders_follow_the_kept_config_or_init_refuses_it(tmp_path: Path, wheel: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "config.toml").write_text('[llm]\nmodel = "m"\n[paths]\ncache_dir = ".cache/s"\noutput_dir = "records"\n')
    assert init(repo, "--wheel", str(wheel)).returncode == 0
    text = (repo / ".github" / "workflows" / "nightly.yml").read_text()
    assert ".cache/s\n" in text and "!.cache/s/delivery" in text and "path: records/site" in text
    assert "\"out\"" not in text and "out/site" not in text and ".summarizer-cache" not in text
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.toml").write_text('[llm]\nmodel = "m"\n[paths]\ncache_dir = "~/.cache/summarizer"\n')
    refused = init(other, "--wheel", str(wheel))
    assert refused.returncode == 1 and "paths.cache_dir" in refused.stderr and refused.stderr.count("\n") == 1
    assert sorted(p.name for p in other.iterdir()) == ["config.toml"]  # nothing written


@pytest.mark.parametrize("persona", ["regular", "auditor"])
def test_the_workflow_validates_and_zizmor_finds_nothing_of_medium_or_high_severity(scaffold: Path,
                                                                                   persona: str) -> None:
    path = scaffold / ".github" / "workflows" / "nightly.yml"
    schema = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert schema.returncode == 0, schema.stdout + schema.stderr
    audit = subprocess.run([str(BIN / "zizmor"), "--offline", f"--persona={persona}", "--format=json", str(path)],
                           capture_output=True, text=True, timeout=120)
    findings = json.loads(audit.stdout or "[]")
    serious = [f for f in findings if f["determinations"]["severity"] in ("Medium", "High")]
    assert serious == [], serious


def test_least_privilege_and_no_token_that_can_push_where_the_indexs_packages_run(scaffold: Path) -> None:
    text = (scaffold / ".github" / "workflows" / "nightly.yml").read_text()
    uses = re.findall(r"uses: (\S+)@(\S+)(.*)", text)
    assert uses and all(re.fullmatch(r"[0-9a-f]{40}", sha) and re.search(r"# v\d+\.\d+\.\d+", note)
                        for _, sha, note in uses), uses
    flow = workflow(scaffold)
    jobs = flow["jobs"]
    assert flow["permissions"] == {} and flow["concurrency"]["cancel-in-progress"] is False
    assert {name: job["permissions"] for name, job in jobs.items()} == {
        "digest": {"contents": "read"}, "records": {"contents": "write"},
        "deploy": {"pages": "write", "id-token": "write"}, "deliver": {"contents": "read"},
        "keepalive": {"actions": "write"}}
    runs = "\n".join(step.get("run", "") for step in jobs["records"]["steps"])
    assert "pip" not in runs and "summarizer" not in runs and "setup-python" not in str(jobs["records"])
    for job in jobs.values():  # no token in a URL, nor in a git config written to disk
        for step in job["steps"]:
            assert "x-access-token:${GITHUB_TOKEN}@" not in step.get("run", "")
            assert "git config" not in step.get("run", "") and "${{" not in step.get("run", "")
            if "actions/checkout" in step.get("uses", ""):
                assert step["with"]["persist-credentials"] is False
    commit = next(s["run"] for s in jobs["records"]["steps"] if "run" in s)
    assert 'user.name="github-actions[bot]"' in commit and "41898282+github-actions[bot]" in commit
    assert 'records of ${days' in commit and "git add -A" in commit  # an empty day never fails `git add`
    keys = [s["with"]["key"] for job in jobs.values() for s in job["steps"] if "actions/cache" in s.get("uses", "")]
    assert keys and all(k.endswith("${{ github.run_id }}-${{ github.run_attempt }}") for k in keys)
    assert {k.split("$")[0] for k in keys} == {"summarizer-cache-", "summarizer-ledger-"}
    assert "channels != '0'" in jobs["deliver"]["if"]


def test_the_schedule_comes_after_every_announcement_at_quiet_minutes(scaffold: Path) -> None:
    crons = [entry["cron"] for entry in workflow(scaffold)[True]["schedule"]]  # YAML reads "on" as True
    assert len(crons) == 2  # the run, and the catch-up after arXiv's feeds refresh at midnight US-Eastern
    eastern = ZoneInfo("America/New_York")
    for number, cron in enumerate(crons):
        minute, hour, _, _, weekdays = cron.split()
        assert weekdays == "1-5" and int(minute) % 15 != 0  # GitHub drops runs at :00, :15, :30, :45 first
        day = date(2026, 1, 4)
        while day < date(2027, 1, 4):
            if day.weekday() in (6, 0, 1, 2, 3):  # Sunday to Thursday: announced at 20:00 US-Eastern
                after = time(20) if number == 0 else time(0)  # the feed refreshes at midnight
                moment = datetime.combine(day + timedelta(days=number), after, tzinfo=eastern).astimezone(UTC)
                run = datetime.combine(moment.date(), time(int(hour), int(minute)), tzinfo=UTC)
                if run <= moment:
                    run += timedelta(days=1)
                assert timedelta(0) < run - moment < timedelta(hours=6), (cron, day, run)
                assert run.isoweekday() in range(1, 6)
            day += timedelta(days=1)


def test_init_systemd_writes_units_that_systemd_accepts(tmp_path: Path) -> None:
    box = tmp_path / "my box %h"  # a space and a specifier sign: both must survive systemd's parsing
    done = init(box, "--systemd")
    assert done.returncode == 0, done.stderr
    assert "loginctl enable-linger" in done.stderr
    service = (box / "summarizer-nightly.service").read_text()
    timer = (box / "summarizer-nightly.timer").read_text()
    folder = str(box.resolve()).replace("%", "%%")
    assert f'ExecStart="{sys.executable}" -m summarizer nightly --config "{folder}/config.toml"' in service
    for line in ("SuccessExitStatus=3", "TimeoutStartSec=", "NoNewPrivileges=yes", "UMask=0077",
                 "loginctl enable-linger"):
        assert line in service, line
    calendar = re.search(r"OnCalendar=(.*)", timer)
    assert calendar is not None
    parsed = subprocess.run(["systemd-analyze", "calendar", calendar.group(1)], capture_output=True, text=True)
    assert parsed.returncode == 0 and "Normalized form: Mon..Thu,Sun *-*-* 20:30:00 America/New_York" in \
        parsed.stdout, parsed.stderr
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    units = [str(box / "summarizer-nightly.service"), str(box / "summarizer-nightly.timer")]
    for mode in ([], ["--user"]):
        verified = subprocess.run(["systemd-analyze", *mode, "verify", *units], capture_output=True, text=True,
                                  env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)}, timeout=60)
        assert verified.returncode == 0 and verified.stderr == "", (mode, verified.stderr)


def test_the_hosting_limits_are_warned_about_at_80_percent(tmp_path: Path) -> None:
    from summarizer.jobs.nightly.stages.site import size_warnings

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
    from summarizer.jobs.deploy.scaffold import install_source

    commit = "0123456789abcdef0123456789abcdef01234567"
    git = json.dumps({"url": "https://github.com/reader/summarizer", "vcs_info": {"vcs": "git", "commit_id": commit}})
    assert install_source(git).spec == f"summarizer-arxiv @ git+https://github.com/reader/summarizer@{commit}"
    assert install_source(None).spec == f"summarizer-arxiv=={__version__}"  # no direct_url.json: an index
    editable = install_source(json.dumps({"url": "file:///home/me/summarizer", "dir_info": {"editable": True}}))
    assert editable.kind == "wheel" and editable.spec == "" and str(editable.build_from) == "/home/me/summarizer"
    local_git = json.dumps({"url": "file:///home/me/summarizer", "vcs_info": {"vcs": "git", "commit_id": commit}})
    assert install_source(local_git).kind == "wheel"  # a path of this machine means nothing on GitHub's runners


def test_the_lock_file_pins_every_dependency_with_hashes() -> None:
    from packaging.requirements import Requirement

    lock = (ROOT / "summarizer" / "data" / "scaffold" / "requirements.lock").read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+) \\$", lock, re.M))
    pins = {name.lower().replace("_", "-"): version for name, version in pins.items()}
    blocks = re.split(r"\n(?=\S)", lock.strip())
    assert all("--hash=sha256:" in b for b in blocks if "==" in b)
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for text in declared:
        requirement = Requirement(text)
        name = requirement.name.lower().replace("_", "-")
        assert name in pins and requirement.specifier.contains(pins[name], prereleases=True), (text, pins.get(name))
