"""Loopback receivers of what delivery sends: an SMTP server (aiosmtpd) and an Apprise json:// endpoint.

Both keep everything they received and can fail the way real ones do. SMTP answers are the real
ones: RFC 5321 reply codes with RFC 3463's enhanced codes, in the texts Gmail sends (Google
Workspace Admin Help, "SMTP errors and reference": `421 4.7.0 Try again later, closing
connection.`, `550 5.1.1 The email account that you tried to reach does not exist.`).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import threading
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """An aiosmtpd handler: each recipient's messages as they arrived, with switches for real failures."""

    def __init__(self) -> None:
        self.got: list[tuple[str, EmailMessage]] = []  # (recipient, message), in arrival order
        self.refuse: set[str] = set()
        self.quit_421 = False
        self.stall_rcpt = 0.0  # seconds a RCPT hangs: a client killed then has not sent DATA
        self.stall_data = 0.0  # seconds DATA hangs before it is accepted
        # set when a client's RCPT or DATA arrives: a test acts on "the send is under way" by this, not by a sleep
        self.in_rcpt, self.in_data = threading.Event(), threading.Event()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          options: Any) -> str:
        self.in_rcpt.set()
        if self.stall_rcpt:
            await asyncio.sleep(self.stall_rcpt)
        if address in self.refuse:
            return "550 5.1.1 The email account that you tried to reach does not exist."
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.in_data.set()
        if self.stall_data:
            await asyncio.sleep(self.stall_data)
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.got += [(address, mail) for address in envelope.rcpt_tos]  # type: ignore[misc]
        return "250 2.0.0 OK"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        return "421 4.7.0 Try again later, closing connection." if self.quit_421 else "221 2.0.0 Bye"

    def count(self, address: str, day: str) -> int:
        """How many messages of `day` (its subject names it) `address` received."""
        return sum(a == address and day in str(m["Subject"]) for a, m in self.got)

    def days(self, address: str) -> list[str]:
        return [str(m["Subject"]).split()[2] for a, m in self.got if a == address]

    def message_ids(self) -> set[str]:
        return {str(m["Message-ID"]) for _, m in self.got}


class Smtp:
    """aiosmtpd on a loopback port that stays the same while the server is taken down and up again."""

    def __init__(self, inbox: Inbox, password: str | None = None) -> None:
        self.inbox, self.port, self.password = inbox, free_port(), password
        self.controller: Controller | None = None

    def _check(self, server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> AuthResult:
        ok = self.password is None or (isinstance(auth, LoginPassword) and auth.password == self.password.encode())
        return AuthResult(success=ok)

    def up(self) -> Smtp:
        if self.controller is None:
            self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, auth_require_tls=False,
                                         authenticator=self._check)
            self.controller.start()
        return self

    def down(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class Receiver(BaseHTTPRequestHandler):
    """Apprise's json:// posts: (path, title, message) each; a path in `failing` answers 500."""

    posts: list[tuple[str, str, str]] = []
    failing: set[str] = set()

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        data = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        failed = self.path in type(self).failing
        if not failed:
            type(self).posts.append((self.path, data["title"], data["message"]))
        self.send_response(500 if failed else 200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    @classmethod
    def count(cls, path: str, day: str) -> int:
        return sum(p == path and day in title for p, title, _ in cls.posts)

    @classmethod
    def days(cls, path: str) -> list[str]:
        return [title.split()[2] for p, title, _ in cls.posts if p == path]


class JsonEndpoint:
    """`Receiver` served on a loopback port, its records emptied."""

    def __init__(self) -> None:
        Receiver.posts, Receiver.failing = [], set()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        self.port = int(self.httpd.server_address[1])
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def email_channel(port: int, to: list[str], *, login: bool = False, name: str = "mail") -> str:
    """A [[deliver]] email table for the loopback server (login: with the password from DIGEST_SMTP_PASSWORD)."""
    auth = 'username = "digest@example.org"\npassword_env = "DIGEST_SMTP_PASSWORD"\n' if login else ""
    return (f'\n[[deliver]]\ntype = "email"\nname = "{name}"\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
            f'{auth}from = "digest@example.org"\nto = {json.dumps(to)}\ntimeout_seconds = 20\n')
