"""Thirty simulated mornings of the scaffolded deployment: its jobs run in order on this machine (tests/gha.py),
each morning under its own clock (faketime at the cron's minute), against a local bare git remote, a cache
with GitHub's semantics, the loopback fakes of arXiv and the provider, aiosmtpd with two recipients and an
Apprise json:// receiver with two URLs; failures on chosen days. At the end every reader has every announced
day exactly once, the data branch and the site hold every day, nothing was paid twice and no secret is in
any file, log or git object.

The install step is the one step not run here (it would replace this venv's summarizer with the vendored
wheel); test_scaffold.py installs from each of the three sources in a clean venv.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from summarizer.demo.replay import ArxivArchive
from summarizer.edges.resources import listing_calendar
from tests.conftest import ROOT, process_env
from tests.fakes import FakeServer, FakeState, RecordedAnswers, spread_archive
from tests.gha import Runner
from tests.receivers import Inbox, JsonEndpoint, Receiver, Smtp, email_channel

KEY = "sk-mornings-0123456789abcdef"
PASSWORD = "smtp-MORNINGS-pass-4242"
TOKEN = "hook-MORNINGS-token-77aa"
READERS = ["ada@example.org", "bob@example.org"]
FIRST = date(2025, 12, 8)


def weekdays(first: date, count: int) -> list[date]:
    days, day = [], first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def scaffold(tmp: Path, wheel: Path, server: FakeServer, smtp_port: int, json_port: int) -> Path:
    repo = tmp / "repo"
    done = subprocess.run([sys.executable, "-m", "summarizer", "init", str(repo), "--wheel", str(wheel)],
                          capture_output=True, text=True, env=process_env(), cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    config = repo / "config.toml"
    text = config.read_text().replace("[arxiv]\n", f'[arxiv]\napi_url = "{server.url}/api/query"\nuse_rss = false\n'
                                      "delay_seconds = 0\nretry_backoff_seconds = 0.01\n")
    text = text.replace("[llm]\n", "[llm]\nretry_backoff_seconds = 0.01\nmax_retries = 1\n")
    text += "\n[delivery]\nretries = 1\nbackoff_seconds = 0.01\n" + email_channel(smtp_port, READERS, login=True)
    text += """
[[deliver]]
type = "apprise"
name = "chat"
urls_env = "DIGEST_APPRISE_URLS"
"""
    config.write_text(text)
    return repo


def test_thirty_mornings_every_reader_gets_every_day_exactly_once(tmp_path: Path, wheel: Path) -> None:
    archive = spread_archive(datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 1, 24, tzinfo=UTC), timedelta(hours=9))
    state = FakeState(archive=archive, answers=RecordedAnswers.from_file(ROOT / "fixtures" / "llm" / "answers.jsonl"))
    state.synthesize, state.retry_after, state.api_key = True, "0", KEY
    inbox = Inbox()
    smtp, endpoint = Smtp(inbox, PASSWORD), JsonEndpoint()
    smtp_port, json_port = smtp.port, endpoint.port
    urls = f"json://bot:{TOKEN}@127.0.0.1:{json_port}/one json://127.0.0.1:{json_port}/two"
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    (stubs / "gh").write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "gh.log"}\n')
    (stubs / "gh").chmod(0o755)
    (tmp_path / "home").mkdir()
    with FakeServer(state) as server:
        repo = scaffold(tmp_path, wheel, server, smtp_port, json_port)
        env = {**process_env(), "PATH": f"{stubs}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}"
               f"{os.environ['PATH']}", "DATA_REMOTE": str(remote), "PIP_NO_INDEX": "1"}
        runner = Runner(repo, tmp_path / "gha", env, secrets={"OPENAI_API_KEY": KEY, "DIGEST_SMTP_PASSWORD": PASSWORD,
                                                              "DIGEST_APPRISE_URLS": urls},
                        variables={"SUMMARIZER_MODEL": "some-model", "SUMMARIZER_BASE_URL": f"{server.url}/v1",
                                   "SUMMARIZER_CATEGORIES": "cs.IR,cs.AI"},
                        skip=("Install summarizer",))
        smtp.up()
        try:
            paid = mornings(runner, repo, server, inbox, smtp, json_port)
        finally:
            smtp.down()
            endpoint.close()
    check_the_end(tmp_path, runner, remote, inbox, paid)


def mornings(runner: Runner, repo: Path, server: FakeServer, inbox: Inbox, smtp: Smtp, json_port: int
             ) -> Counter[str]:
    """Thirty weekdays from 2025-12-08, the events of issue 21's list on chosen days; the papers paid for."""
    paid: Counter[str] = Counter()
    for n, day in enumerate(weekdays(FIRST, 30), start=1):  # mornings 14, 17 and 19 follow arXiv holidays
        runner.clock = f"{day} 01:23:00"
        before = len(server.state.answered)
        kept = server.state.archive
        if n == 3:
            smtp.down()  # SMTP down all the first run: the day is owed
        inbox.quit_421 = n == 5
        inbox.refuse = {"bob@example.org"} if n == 7 else set()
        Receiver.failing = {"/two"} if n == 13 else set()
        if n == 15:  # an empty listing
            server.state.archive = ArxivArchive([])
        if n == 18:  # a provider outage: every paper fails once, the first run leaves them all out
            server.state.always_fail = {" ".join(title.split()) for title in server.state.abstracts}
        if n == 20:  # a channel added: it owes nothing from before it existed
            config = repo / "config.toml"
            config.write_text(config.read_text() + '\n[[deliver]]\ntype = "apprise"\nname = "news"\n'
                              f'urls = ["json://127.0.0.1:{json_port}/three"]\n')
        if n != 22:  # morning 22: GitHub dropped the 01:23 run; the catch-up does its work
            first = runner.run("schedule", hooks=kill_mid_send(inbox) if n == 9 else None)
            if n in (3, 7, 9, 13):  # SMTP down, a recipient refused, killed mid-send, a URL failing: owed
                assert first.jobs["deliver"]["result"] == "failure", (n, first.log[-6:])
                assert n != 9 or inbox.in_rcpt.is_set()  # killed mid-transaction, not before it began
            if n == 5:  # QUIT answered 421 after DATA was accepted: sent
                assert first.jobs["deliver"]["result"] == "success", first.log[-6:]
            if n == 11:  # two runs at once: the concurrency group queues the second behind the first
                runner.run("workflow_dispatch", {"date": ""})
            if n == 18:
                assert first.jobs["digest"]["result"] == "failure", first.log  # above max_failed_share
                server.state.always_fail = set()
                runner.clock = f"{day} 04:10:00"
                again = runner.run(rerun_of=first)  # "Re-run failed jobs": the same run id, attempt 2
                assert again.attempt == 2 and again.jobs["digest"]["result"] == "success", again.log
        smtp.up()
        inbox.quit_421, inbox.refuse, Receiver.failing = False, set(), set()
        server.state.archive = kept
        if n in (16, 22):  # the catch-up: a no-op when the first run did its work (16), the work when dropped (22)
            runner.clock = f"{day} 05:41:00"
            runner.run("schedule")
        paid.update(paid_titles(server, before))
    return paid


def paid_titles(server: FakeServer, since: int) -> list[str]:
    """The papers whose summary request was answered (HTTP 200) since answer `since`."""
    return [title for title, status in server.state.answered[since:] if status == 200]


def kill_mid_send(inbox: Inbox) -> Any:
    """The deliver job's delivery step killed while the SMTP transaction is under way (before DATA)."""
    def hook(job: str, step: str, phase: str, proc: subprocess.Popen[str] | None) -> None:
        if job == "deliver" and step.startswith("Deliver"):
            if phase == "before":
                inbox.stall_rcpt = 30
                inbox.in_rcpt.clear()
            elif proc is not None:
                inbox.in_rcpt.wait(60)  # the morning asserts it was reached: this runs in a thread
                os.killpg(proc.pid, signal.SIGKILL)
                inbox.stall_rcpt = 0
    return hook


def check_the_end(tmp: Path, runner: Runner, remote: Path, inbox: Inbox, paid: Counter[str]) -> None:
    tracked = subprocess.run(["git", "--git-dir", str(remote), "ls-tree", "--name-only", "data"],
                             capture_output=True, text=True, check=True).stdout.split()
    days = sorted(name.removesuffix(".jsonl") for name in tracked if name.endswith(".jsonl"))
    calendar = listing_calendar()
    announced = [d.isoformat() for d in calendar.days(FIRST, weekdays(FIRST, 30)[-1])]
    empty = [d for d in announced if d not in days]
    assert len(empty) == 1 and all(f"{d}.report.json" in tracked for d in announced), (empty, runner.failures)
    assert not set(days) - set(announced)
    site_days = {p.stem for p in (runner.published / "data" / "days").glob("*.js")}
    assert set(days) <= site_days, set(days) - site_days
    for reader in READERS:
        got = Counter(inbox.days(reader))
        assert got == dict.fromkeys(days, 1), (reader, got)
    for path in ("/one", "/two"):
        got = Counter(Receiver.days(path))
        assert got == dict.fromkeys(days, 1), (path, got)
    added = Counter(Receiver.days("/three"))
    day20 = weekdays(FIRST, 30)[19].isoformat()
    assert added == dict.fromkeys([d for d in days if d >= day20], 1), added
    assert max(paid.values()) == 1 and len(paid) >= 60, paid.most_common(3)
    authors = subprocess.run(["git", "--git-dir", str(remote), "log", "data", "--format=%an <%ae>|%s"],
                             capture_output=True, text=True, check=True).stdout.splitlines()
    assert authors and all(a.startswith("github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
                                        "|records of 20") for a in authors), authors[:3]
    enabled = (tmp / "gh.log").read_text().splitlines()  # the keepalive job, at every scheduled run
    assert len(enabled) >= 30 and set(enabled) == {"api --method PUT repos/reader/digest/actions/workflows/"
                                                   "nightly.yml/enable"}
    assert runner.cache.refused == []  # every attempt saved under its own key
    secrets = [KEY, PASSWORD, TOKEN, "ghs_TEST-token-0123456789"]
    for path in tmp.rglob("*"):
        if path.is_file() and path.name != "config.toml" and "stubs" not in path.parts:
            data = path.read_bytes()
            assert not any(s.encode() in data for s in secrets), path
    objects = subprocess.run(["git", "--git-dir", str(remote), "cat-file", "--batch-all-objects", "--batch"],
                             capture_output=True, check=True).stdout
    assert not any(s.encode() in objects for s in secrets)
    logs = "\n".join(runner.summaries + runner.annotations)
    assert not any(s in logs for s in secrets)
