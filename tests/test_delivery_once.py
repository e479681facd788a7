"""Exactly once, in fact: each defect of issue 21's list against a real SMTP server (aiosmtpd) and a real
Apprise json:// receiver on loopback (tests/receivers.py, with real servers' answers), through the real
`summarizer deliver` where a process matters.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from summarizer.core.digest.message import piece_limits, split_message
from summarizer.core.digest.parser import parse_digest
from summarizer.edges.storage.store import write_records
from tests.conftest import ROOT, SAMPLE, process_env
from tests.receivers import Inbox, JsonEndpoint, Receiver, Smtp, email_channel

PASSWORD = "smtp-PASSWORD-4242-secret"
TOKEN = "hook-TOKEN-0f3c9a7e"
READERS = ["ada@example.org", "bob@example.org"]
DAYS = ["2025-12-22", "2025-12-23", "2025-12-24"]


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    smtp = Smtp(Inbox()).up()
    try:
        yield smtp.inbox, smtp.port
    finally:
        smtp.down()


@pytest.fixture
def receiver() -> Iterator[int]:
    endpoint = JsonEndpoint()
    try:
        yield endpoint.port
    finally:
        endpoint.close()


def setup(tmp: Path, smtp_port: int | None = None, json_port: int | None = None, days: list[str] = DAYS,
          retries: int = 1) -> Path:
    out = tmp / "out"
    out.mkdir(parents=True, exist_ok=True)
    entries = parse_digest(SAMPLE.read_text())
    for day in days:
        write_records(out / f"{day}.jsonl", entries)
    text = f"""
[llm]
model = "some-model"
[paths]
cache_dir = "{tmp / 'cache'}"
output_dir = "{out}"
[site]
base_url = "https://reader.example.org/digest"
[delivery]
retries = {retries}
backoff_seconds = 0.01
"""
    if smtp_port:
        text += email_channel(smtp_port, READERS)
    if json_port:
        text += f"""
[[deliver]]
type = "apprise"
name = "chat"
urls = ["json://bot:{TOKEN}@127.0.0.1:{json_port}/one", "json://127.0.0.1:{json_port}/two"]
"""
    cfg = tmp / "config.toml"
    cfg.write_text(text)
    return cfg


def deliver(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "summarizer", "deliver", "--config", str(cfg), *args],
                          capture_output=True, text=True, env=process_env(), cwd=ROOT, timeout=120)


def posts(path: str, day: str) -> int:
    return Receiver.count(path, day)


def test_two_deliveries_at_once_send_each_reader_the_day_once(tmp_path: Path, inbox: tuple[Inbox, int]) -> None:
    box, port = inbox
    box.stall_data = 1.5  # the first one is still sending when the second starts
    cfg = setup(tmp_path, port, days=DAYS[-1:])
    args = [sys.executable, "-m", "summarizer", "deliver", "--config", str(cfg)]
    box.in_data.clear()
    first = subprocess.Popen(args, env=process_env(), cwd=ROOT, stderr=subprocess.PIPE, text=True)
    assert box.in_data.wait(60)  # the first holds the lock and is sending
    second = subprocess.run(args, env=process_env(), cwd=ROOT, capture_output=True, text=True, timeout=60)
    _, first_err = first.communicate(timeout=60)
    assert first.returncode == 0 and second.returncode == 0, first_err + second.stderr
    # whichever took the lock first sent the day; the other waited for it, then found the day sent
    said = sorted("already sent" in err for err in (first_err, second.stderr))
    assert said == [False, True], first_err + second.stderr
    assert [box.count(r, DAYS[-1]) for r in READERS] == [1, 1]


def test_an_accepted_message_is_sent_whatever_quit_answers(tmp_path: Path, inbox: tuple[Inbox, int]) -> None:
    box, port = inbox
    box.quit_421 = True
    cfg = setup(tmp_path, port, days=DAYS[-1:])
    done = deliver(cfg)
    assert done.returncode == 0, done.stderr
    assert deliver(cfg).returncode == 0
    assert [box.count(r, DAYS[-1]) for r in READERS] == [1, 1]


def test_a_refused_recipient_stays_owed_and_alone_gets_it_later(tmp_path: Path, inbox: tuple[Inbox, int]) -> None:
    box, port = inbox
    box.refuse = {"bob@example.org"}
    cfg = setup(tmp_path, port, days=DAYS[-1:])
    first = deliver(cfg)
    assert first.returncode == 3 and "bob@example.org (550 5.1.1" in first.stderr, first.stderr
    assert "(1 recipient(s) or URL(s) owed)" in first.stderr
    box.refuse = set()
    again = deliver(cfg)
    assert again.returncode == 0, again.stderr
    assert [box.count(r, DAYS[-1]) for r in READERS] == [1, 1]
    assert len(box.message_ids()) == 1  # the day's message keeps its Message-ID when sent again


def test_apprise_is_retried_per_url_never_resending_to_the_one_that_took_it(tmp_path: Path, receiver: int) -> None:
    Receiver.failing = {"/two"}
    cfg = setup(tmp_path, json_port=receiver, days=DAYS[-1:], retries=2)
    first = deliver(cfg)
    assert first.returncode == 3 and "URL 2 (JSON) did not take the message" in first.stderr, first.stderr
    assert (posts("/one", DAYS[-1]), posts("/two", DAYS[-1])) == (1, 0)
    Receiver.failing = set()
    assert deliver(cfg).returncode == 0
    assert deliver(cfg).returncode == 0
    assert (posts("/one", DAYS[-1]), posts("/two", DAYS[-1])) == (1, 1)
    assert TOKEN not in (tmp_path / "cache" / "delivery" / "cache.db").read_bytes().decode("latin-1")


def test_deliver_without_a_date_sends_the_owed_days_and_the_newest(tmp_path: Path, inbox: tuple[Inbox, int]) -> None:
    box, port = inbox
    cfg = setup(tmp_path, port, days=DAYS[:1])
    assert deliver(cfg).returncode == 0  # the channel's first day: 12-22
    for day in DAYS[1:]:  # two more days, whose delivery never ran (a failed deploy, say)
        write_records(tmp_path / "out" / f"{day}.jsonl", parse_digest(SAMPLE.read_text()))
    done = deliver(cfg)
    assert done.returncode == 0, done.stderr
    assert [[box.count(r, d) for d in DAYS] for r in READERS] == [[1, 1, 1], [1, 1, 1]]


def test_an_owed_day_goes_only_to_the_channels_that_existed_then(tmp_path: Path, inbox: tuple[Inbox, int],
                                                                 receiver: int) -> None:
    box, port = inbox
    cfg = setup(tmp_path, port, days=DAYS[:1])
    box_down = cfg.read_text().replace(f"port = {port}", "port = 9")  # nothing listens on the discard port
    good = cfg.read_text()
    cfg.write_text(box_down)
    assert deliver(cfg).returncode == 3  # 12-22 owed to the mail channel
    for day in DAYS[1:]:
        write_records(tmp_path / "out" / f"{day}.jsonl", parse_digest(SAMPLE.read_text()))
    chat = setup(tmp_path / "x", json_port=receiver, days=[]).read_text().split("[[deliver]]", 1)[1]
    cfg.write_text(good + "[[deliver]]" + chat)  # the server is back; a chat channel joins on 12-24
    done = deliver(cfg)
    assert done.returncode == 0, done.stderr
    assert [box.count(r, d) for r in READERS for d in DAYS] == [1, 1, 1, 1, 1, 1]  # mail owed all three
    assert [posts(p, d) for p in ("/one", "/two") for d in DAYS] == [0, 0, 1, 0, 0, 1]


def test_an_error_of_any_kind_is_one_channels_and_owed(tmp_path: Path, inbox: tuple[Inbox, int],
                                                      receiver: int) -> None:
    box, port = inbox
    cfg = setup(tmp_path, port, receiver, days=DAYS[-1:])
    cfg.write_text(cfg.read_text().replace('to = [', 'username = "digest"\npassword_env = "PW"\nto = ['))
    env = process_env(PW="pässwörd-ünicode")  # smtplib cannot encode it: once a traceback ending all delivery
    done = subprocess.run([sys.executable, "-m", "summarizer", "deliver", "--config", str(cfg)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 3 and "Traceback" not in done.stderr, done.stderr
    assert "characters other than ASCII" in done.stderr and "pässwörd" not in done.stderr
    assert (posts("/one", DAYS[-1]), posts("/two", DAYS[-1])) == (1, 1)  # the next channel still went
    cfg.write_text(cfg.read_text().replace('username = "digest"\npassword_env = "PW"\n', ""))
    assert deliver(cfg).returncode == 0  # owed, and sent once mended
    assert [box.count(r, DAYS[-1]) for r in READERS] == [1, 1]


def test_a_stop_signal_ends_delivery_within_seconds_and_the_day_stays_owed(tmp_path: Path,
                                                                          inbox: tuple[Inbox, int]) -> None:
    box, port = inbox
    box.stall_data = 30  # a server that hangs in DATA
    cfg = setup(tmp_path, port, days=DAYS[-1:])
    proc = subprocess.Popen([sys.executable, "-m", "summarizer", "deliver", "--config", str(cfg)],
                            env=process_env(), cwd=ROOT, stderr=subprocess.PIPE, text=True)
    assert box.in_data.wait(60)  # hanging in DATA now
    began = time.monotonic()
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=30)
    assert time.monotonic() - began < 5 and code == 130, proc.stderr.read() if proc.stderr else ""
    box.stall_data = 0
    assert deliver(cfg).returncode == 0
    assert all(box.count(r, DAYS[-1]) >= 1 for r in READERS)


@pytest.mark.parametrize(("at", "when", "copies"), [
    (1, "after", 1),   # owed written, nothing sent: the next run sends
    (2, "after", 1),   # sending written, killed before the act: the next run sends
    (3, "before", 2),  # the server took it, killed before the mark: RFC 1047's case, sent again, same Message-ID
    (3, "after", 1),   # marked sent: nothing again
])
def test_a_delivery_killed_between_two_steps_sends_each_reader_once(tmp_path: Path, inbox: tuple[Inbox, int],
                                                                    at: int, when: str, copies: int) -> None:
    box, port = inbox
    cfg = setup(tmp_path, port, days=DAYS[-1:])
    killed = subprocess.run([sys.executable, "-m", "tests.deliver_kill", str(cfg), str(at), when],
                            env={**process_env(), "PYTHONPATH": str(ROOT)}, cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert deliver(cfg).returncode == 0
    assert [box.count(r, DAYS[-1]) for r in READERS] == [copies, copies]
    assert len(box.message_ids()) == 1


def test_pieces_fit_the_limit_with_the_title_a_service_merges_into_the_body() -> None:
    import apprise

    telegram = apprise.Apprise.instantiate("tgram://123456789:abcdefghijklmnopqrstuvwxyzABCDEFGHI/12345")
    assert telegram.title_maxlen == 0 and telegram.body_maxlen == 4096  # Apprise merges the title in
    title = "arXiv digest 2025-12-24 · 38 papers"
    body = "\n".join(f"{n}. " + "a fairly long paper title, " * 6 + f"https://arxiv.org/abs/2512.{n:05d}"
                     for n in range(1, 60))
    limit, lines = piece_limits(telegram.body_maxlen, telegram.title_maxlen, telegram.body_max_line_count, title)
    pieces = split_message(body, limit, lines)
    assert len(pieces) > 1 and "\n".join(pieces) == body
    assert all(len(f"{title}\r\n{piece}") <= telegram.body_maxlen for piece in pieces)


def test_an_apprise_channel_without_urls_fails_naming_the_variable(tmp_path: Path) -> None:
    from summarizer.face.config import load_settings
    from summarizer.jobs.deploy.deliver import deliver_days

    cfg = setup(tmp_path, days=DAYS[-1:])
    cfg.write_text(cfg.read_text() + '[[deliver]]\ntype = "apprise"\nname = "chat"\nurls_env = "NOT_SET_HERE"\n')
    [report] = deliver_days(load_settings(str(cfg), env={}), env={})
    assert (report.status, report.error) == ("failed", "chat: no URL (is $NOT_SET_HERE set?)")


def test_a_full_disk_at_the_mark_is_that_channels_error_and_the_others_still_go(
        tmp_path: Path, inbox: tuple[Inbox, int], receiver: int) -> None:
    import errno

    from summarizer.edges.delivery.ledger import Ledger, State
    from summarizer.face.config import load_settings
    from summarizer.jobs.deploy.deliver import deliver_days

    class FullDisk(Ledger):
        def set_many(self, day: str, channel: str, targets: Iterable[str], state: State) -> None:
            if state == "sent":  # the mail went out; writing that it did fails
                raise OSError(errno.ENOSPC, "No space left on device")
            super().set_many(day, channel, targets, state)

    box, port = inbox
    cfg = setup(tmp_path, port, receiver, days=DAYS[-1:])
    reports = deliver_days(load_settings(str(cfg), env={}), env={}, ledger_type=FullDisk)
    assert [(r.channel, r.status) for r in reports] == [("mail", "failed"), ("chat", "sent")]
    assert "No space left on device" in (reports[0].error or "")
    assert (posts("/one", DAYS[-1]), posts("/two", DAYS[-1])) == (1, 1)
