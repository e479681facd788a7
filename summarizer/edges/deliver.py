"""Sending a digest out: email over SMTP, chat and push through Apprise, each channel once a day.

The ledger (`cache_dir/delivery`, diskcache) records each (day, channel) sent, and each owed
after a failure, so a re-run sends nothing twice and the next run sends what is owed. Sends are
retried with backoff (tenacity); passwords come from the environment and, with Apprise URLs'
tokens, never appear in an error this module raises: errors name the channel and what went
wrong, and their text is scrubbed of every secret the caller passes.
"""

from __future__ import annotations

import email.utils
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from summarizer.core.errors import DeliveryError
from summarizer.core.message import DigestMessage, split_message
from summarizer.core.settings import AppriseChannel, DeliverySettings, EmailChannel
from summarizer.edges.cache import SQLITE_LIMITS


class Ledger:
    """Which (day, channel) went out, and which are owed after a failure."""

    def __init__(self, cache_dir: Path) -> None:
        import diskcache

        self._cache = diskcache.Cache(str(cache_dir / "delivery"), eviction_policy="none", **SQLITE_LIMITS)

    def sent(self, day: str, channel: str) -> bool:
        return f"sent:{day}|{channel}" in self._cache

    def mark_sent(self, day: str, channel: str, when: float) -> None:
        with self._cache.transact():
            self._cache.set(f"sent:{day}|{channel}", when)
            self._cache.delete(f"owed:{day}|{channel}")

    def mark_owed(self, day: str, channel: str) -> None:
        self._cache.set(f"owed:{day}|{channel}", True)

    def owed(self) -> list[tuple[str, str]]:
        """(day, channel) of every failed delivery not sent since."""
        found = []
        for key in self._cache.iterkeys():
            if isinstance(key, str) and key.startswith("owed:"):
                day, _, channel = key[5:].partition("|")
                found.append((day, channel))
        return sorted(found)

    def close(self) -> None:
        self._cache.close()


def email_message(channel: EmailChannel, message: DigestMessage, now: float) -> EmailMessage:
    """multipart/alternative: the text part, then the HTML part; UTF-8 throughout; Date and Message-ID set."""
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = channel.sender
    mail["To"] = ", ".join(channel.to)
    mail["Date"] = email.utils.formatdate(now, localtime=False)
    mail["Message-ID"] = email.utils.make_msgid(domain=channel.sender.rpartition("@")[2] or None)
    mail.set_content(message.text, charset="utf-8")
    mail.add_alternative(message.html, subtype="html", charset="utf-8")
    return mail


def _smtp(channel: EmailChannel) -> smtplib.SMTP:
    if channel.security == "ssl":
        return smtplib.SMTP_SSL(channel.host, channel.port, timeout=channel.timeout_seconds,
                                context=ssl.create_default_context())
    server = smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout_seconds)
    if channel.security == "starttls":
        server.starttls(context=ssl.create_default_context())
    return server


def smtp_session(channel: EmailChannel, password: str | None, send: EmailMessage | None) -> None:
    """Connect, say hello, log in when a user is set, and send `send` (None: only check the way there)."""
    with _smtp(channel) as server:
        server.ehlo_or_helo_if_needed()
        if channel.username:
            server.login(channel.username, password or "")
        if send is not None:
            server.send_message(send)


def send_email(channel: EmailChannel, message: DigestMessage, password: str | None, now: float) -> None:
    try:
        smtp_session(channel, password, email_message(channel, message, now))
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"{channel.name}: SMTP {channel.host}:{channel.port}: {_reason(exc)}",
                            channel=channel.name) from None


def send_apprise(channel: AppriseChannel, title: str, body: str, urls: list[str],
                 instantiate: Callable[[str], Any] | None = None) -> None:
    """Each URL gets the message, split at lines where its service limits length."""
    import apprise

    if not urls:
        raise DeliveryError(f"{channel.name}: no URL (is ${channel.urls_env} set?)", channel=channel.name)
    make = instantiate or apprise.Apprise.instantiate
    for number, url in enumerate(urls, start=1):
        plugin = make(url)
        if plugin is None:
            raise DeliveryError(f"{channel.name}: URL {number} is not an Apprise URL", channel=channel.name)
        limit = getattr(plugin, "body_maxlen", None)
        for piece in split_message(body, int(limit) if limit else None):
            if not plugin.notify(body=piece, title=title):
                raise DeliveryError(f"{channel.name}: URL {number} ({plugin.service_name}) did not take the message",
                                    channel=channel.name)


def with_retries(settings: DeliverySettings, send: Callable[[], None],
                 sleep: Callable[[float], None] = time.sleep) -> int:
    """`send` retried with exponential backoff on a `DeliveryError`; returns the attempts made."""
    attempts = 0
    for attempt in Retrying(stop=stop_after_attempt(settings.retries + 1), reraise=True, sleep=sleep,
                            wait=wait_exponential(multiplier=settings.backoff_seconds, max=60),
                            retry=retry_if_exception_type(DeliveryError)):
        with attempt:
            attempts += 1
            send()
    return attempts


def check_email(channel: EmailChannel, password: str | None) -> str:
    """doctor: the host resolves, the SMTP handshake and login work; nothing is sent."""
    try:
        socket.getaddrinfo(channel.host, channel.port)
    except OSError as exc:
        raise DeliveryError(f"{channel.name}: {channel.host} does not resolve ({_reason(exc)})",
                            channel=channel.name) from None
    try:
        smtp_session(channel, password, None)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"{channel.name}: SMTP {channel.host}:{channel.port}: {_reason(exc)}",
                            channel=channel.name) from None
    return f"SMTP {channel.host}:{channel.port} ({channel.security}) answered" + (
        ", login accepted" if channel.username else "")


def check_apprise(channel: AppriseChannel, env: dict[str, str]) -> str:
    import apprise

    services = []
    urls = channel.all_urls(env)
    if not urls:
        raise DeliveryError(f"{channel.name}: no URL (is ${channel.urls_env} set?)", channel=channel.name)
    for number, url in enumerate(urls, start=1):
        plugin = apprise.Apprise.instantiate(url)
        if plugin is None:
            raise DeliveryError(f"{channel.name}: URL {number} is not an Apprise URL", channel=channel.name)
        services.append(str(plugin.service_name))
    return "Apprise URLs parse: " + ", ".join(services)


def secrets_of(channels: Sequence[EmailChannel | AppriseChannel], env: dict[str, str]) -> list[str]:
    """Everything of the channels that must never be shown: passwords, whole Apprise URLs and their parts
    that hold tokens (user, password, host and path pieces of a URL can each be a token)."""
    from urllib.parse import urlsplit

    found: list[str] = []
    for channel in channels:
        if isinstance(channel, EmailChannel):
            if channel.password_env and env.get(channel.password_env):
                found.append(env[channel.password_env])
            continue
        for url in channel.all_urls(env):
            found.append(url)
            parts = urlsplit(url)
            found += [p for p in (parts.username, parts.password, parts.netloc.rpartition("@")[2]) if p]
            found += [piece for piece in parts.path.split("/") if piece]
            found += [v for pair in parts.query.split("&") for v in [pair.partition("=")[2]] if v]
    return found


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"[:200]
    return (getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)[:200]
