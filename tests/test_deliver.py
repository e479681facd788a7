"""Delivery through the real CLI: a real SMTP server on loopback (aiosmtpd) and an Apprise json:// receiver.

Exactly one message per channel and day, parsed back with the `email` package; a re-run sends
nothing, `deliver --resend` sends again; a server that is down leaves the digest written, exit 3
and the channel named, and the next run sends what is owed; no secret in any output, under -v.
"""

from __future__ import annotations

import email
import email.policy
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from summarizer.core.digest.parser import parse_digest
from tests.conftest import ROOT, SAMPLE, process_env
from tests.fakes import FakeServer, write_nightly_config
from tests.receivers import email_channel, free_port

KEY = "sk-deliver-0123456789"
PASSWORD = "smtp-PASSWORD-4242-secret"
TOKEN = "hook-TOKEN-0f3c9a7e"


class Inbox:
    """An aiosmtpd handler that keeps every message as it arrived, and checks the login."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope.content)
        return "250 OK"


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> AuthResult:
    ok = isinstance(auth, LoginPassword) and auth.login == b"digest@example.org" and auth.password == PASSWORD.encode()
    return AuthResult(success=ok)


def start_smtp(inbox: Inbox, port: int) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    return controller


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        yield srv


def config(tmp: Path, server: FakeServer, smtp_port: int, extra: str = "") -> Path:
    cfg = write_nightly_config(tmp, server, KEY)
    cfg.write_text(cfg.read_text() + """
[site]
base_url = "https://reader.example.org/digest"
[delivery]
retries = 1
backoff_seconds = 0.01
""" + email_channel(smtp_port, ["reader@example.org"], login=True) + extra)
    return cfg


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "summarizer", *args], capture_output=True, text=True,
                          env=process_env(DIGEST_SMTP_PASSWORD=PASSWORD), cwd=ROOT, timeout=120)


def no_secret(tmp: Path, *texts: str) -> None:
    for secret in (KEY, PASSWORD, TOKEN):
        assert not any(secret in t for t in texts), secret
        for path in tmp.rglob("*"):
            if path.is_file() and path.name != "config.toml":
                assert secret.encode() not in path.read_bytes(), (secret, path)


def test_email_once_again_on_resend_and_owed_after_a_failure(tmp_path: Path, server: FakeServer) -> None:
    inbox, port = Inbox(), free_port()
    smtp = start_smtp(inbox, port)
    cfg = config(tmp_path, server, port)
    try:
        first = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "-v")
        assert first.returncode == 0, first.stderr
        assert len(inbox.messages) == 1
        mail = email.message_from_bytes(inbox.messages[0], policy=email.policy.default)
        assert mail.get_content_type() == "multipart/alternative"
        assert mail["Subject"] == "arXiv digest 2025-12-24 · 38 papers" and mail["Date"] and mail["Message-ID"]
        text, html = (part.get_content() for part in mail.iter_parts())
        sample = parse_digest(SAMPLE.read_text())
        assert sample[0].summary is not None and sample[0].summary.tldr in text and "检索" in html
        for entry in sample:  # a link for every paper, and the day on the site
            assert f'href="https://arxiv.org/abs/{entry.paper.id}"' in html
        assert "https://reader.example.org/digest/index.html?date=2025-12-24" in text
        assert "<img" not in html and "background" not in html
        again = cli("nightly", "--config", str(cfg), "--date", "2025-12-24")
        assert again.returncode == 0 and len(inbox.messages) == 1  # each channel gets each day once
        resent = cli("deliver", "--config", str(cfg), "--date", "2025-12-24", "--resend")
        assert resent.returncode == 0 and len(inbox.messages) == 2, resent.stderr
        no_secret(tmp_path, first.stdout, first.stderr, again.stderr, resent.stderr)
    finally:
        smtp.stop()
    # the server is down: the digest is written, exit 3, the report names the channel
    other = tmp_path / "second"
    other.mkdir()
    cfg2 = config(other, server, port)
    down = cli("nightly", "--config", str(cfg2), "--date", "2025-12-24")
    assert down.returncode == 3, down.stderr
    assert (other / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()
    assert "deliver: mail 2025-12-24: failed after 2 attempt(s)" in down.stderr
    report = json.loads((other / "out" / "2025-12-24.report.json").read_text())
    assert [(d["channel"], d["status"]) for d in report["delivery"]] == [("mail", "failed")]
    inbox2 = Inbox()
    smtp = start_smtp(inbox2, port)
    try:
        server.state.synthesize = True
        later = cli("nightly", "--config", str(cfg2), "--date", "2025-12-26")  # the next run sends what is owed
        assert later.returncode == 0, later.stderr
        subjects = [email.message_from_bytes(m, policy=email.policy.default)["Subject"] for m in inbox2.messages]
        assert "arXiv digest 2025-12-24 · 38 papers" in subjects
        report = json.loads((other / "out" / "2025-12-26.report.json").read_text())
        assert ("mail", "2025-12-24", "sent") in [(d["channel"], d["day"], d["status"]) for d in report["delivery"]]
        no_secret(other, down.stderr, later.stderr)
    finally:
        smtp.stop()


class Receiver(BaseHTTPRequestHandler):
    bodies: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("content-length", 0))
        type(self).bodies.append({"path": self.path, "auth": self.headers.get("authorization"),
                                  "json": json.loads(self.rfile.read(length))})
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_an_apprise_json_channel_gets_one_short_message(tmp_path: Path, server: FakeServer) -> None:
    Receiver.bodies = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    port = httpd.server_address[1]
    try:
        cfg = write_nightly_config(tmp_path, server, KEY)
        cfg.write_text(cfg.read_text() + f"""
[site]
base_url = "https://reader.example.org/digest"
[[deliver]]
type = "apprise"
name = "chat"
urls = ["json://bot:{TOKEN}@127.0.0.1:{port}/hook"]
top = 5
""")
        done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "-v")
        assert done.returncode == 0, done.stderr
        again = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "-v")
        assert again.returncode == 0
        assert len(Receiver.bodies) == 1
        message = Receiver.bodies[0]["json"]
        assert message["title"] == "arXiv digest 2025-12-24 · 38 papers"
        first = parse_digest(SAMPLE.read_text())[0]
        assert first.paper.title in message["message"] and "https://arxiv.org/abs/" in message["message"]
        assert message["message"].count("\n") == 6  # 5 titles, "and 33 more", the site link
        assert message["message"].endswith("https://reader.example.org/digest/index.html?date=2025-12-24")
        no_secret(tmp_path, done.stdout, done.stderr, again.stderr)
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_doctor_checks_channels_without_sending(tmp_path: Path, server: FakeServer) -> None:
    inbox, port = Inbox(), free_port()
    smtp = start_smtp(inbox, port)
    try:
        cfg = config(tmp_path, server, port, extra='[[deliver]]\ntype = "apprise"\nname = "chat"\n'
                                                   'urls = ["not a url"]\n')
        done = cli("doctor", "--config", str(cfg))
        assert "✓ deliver mail: SMTP 127.0.0.1" in done.stdout and "login accepted" in done.stdout, done.stdout
        assert "✗ deliver chat: chat: URL 1 is not an Apprise URL" in done.stdout
        assert inbox.messages == [] and done.returncode == 1
        no_secret(tmp_path, done.stdout, done.stderr)
    finally:
        smtp.stop()
