"""Sending a digest out: email over SMTP, chat and push through Apprise, one target at a time.

The acts only: what each target has had is the ledger's (`edges/ledger.py`), and the order of
check, act and mark is the delivery job's. An SMTP transaction reports the recipients the server
refused and counts as done once DATA is accepted, whatever QUIT says; an Apprise URL takes its
message in pieces that fit its service. Sends are retried with backoff (tenacity), the wait cut
short by a stop. Passwords come from the environment and, with Apprise URLs' tokens, never
appear in an error this module raises: errors name the channel and what went wrong.
"""

from __future__ import annotations

import contextlib
import email.utils
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from email.message import EmailMessage
from typing import Any

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, stop_when_event_set, wait_exponential

from summarizer.core.digest.message import DigestMessage, piece_limits, split_message
from summarizer.core.errors import DeliveryError
from summarizer.core.settings import AppriseChannel, DeliverySettings, EmailChannel


class Stopper:
    """A stop request that blocking sends notice: the flag, checked between attempts and pieces, and the open
    SMTP connection, cut when the request comes, so a signal ends delivery within seconds, not after the
    socket's timeout."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._cuts: list[Callable[[], None]] = []
        self._guard = threading.Lock()

    @property
    def event(self) -> threading.Event:
        return self._event

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        self._event.set()
        with self._guard:
            cuts = list(self._cuts)
        for cut in cuts:
            with contextlib.suppress(OSError):
                cut()

    def wait(self, seconds: float) -> None:
        self._event.wait(seconds)

    @contextlib.contextmanager
    def cutting(self, cut: Callable[[], None]) -> Iterator[None]:
        with self._guard:
            self._cuts.append(cut)
        try:
            if self.is_set():
                cut()
            yield
        finally:
            with self._guard:
                self._cuts.remove(cut)


def email_message(channel: EmailChannel, message: DigestMessage, now: float, message_id: str) -> EmailMessage:
    """multipart/alternative: the text part, then the HTML part; UTF-8 throughout; Date and a Message-ID that
    stays the same whenever this day goes to this channel again (mail clients thread or drop a copy)."""
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = channel.sender
    mail["To"] = ", ".join(channel.to)
    mail["Date"] = email.utils.formatdate(now, localtime=False)
    mail["Message-ID"] = message_id
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


def _cut(server: smtplib.SMTP) -> None:
    if server.sock is not None:
        server.sock.shutdown(socket.SHUT_RDWR)


def _login(server: smtplib.SMTP, channel: EmailChannel, password: str | None) -> None:
    server.ehlo_or_helo_if_needed()
    if channel.username:
        try:
            server.login(channel.username, password or "")
        except UnicodeEncodeError:  # smtplib's AUTH encodes as ASCII
            raise DeliveryError(f"{channel.name}: the SMTP user name or password holds characters other than "
                                "ASCII, which SMTP AUTH cannot send", channel=channel.name) from None


def send_email(channel: EmailChannel, mail: EmailMessage, recipients: Sequence[str], password: str | None,
               stop: Stopper, accepted: Callable[[dict[str, str]], None]) -> None:
    """One SMTP transaction to `recipients`. Once DATA is accepted, `accepted` is called at once with the
    recipients the server refused (address -> its reason), before QUIT: the message counts as sent then,
    and QUIT's answer (a 421, a dropped connection) is ignored, since the server has the message."""
    try:
        server = _smtp(channel)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"{channel.name}: SMTP {channel.host}:{channel.port}: {_reason(exc)}",
                            channel=channel.name) from None
    try:
        with stop.cutting(lambda: _cut(server)):
            _login(server, channel, password)
            try:
                refused = server.send_message(mail, to_addrs=list(recipients))
            except smtplib.SMTPRecipientsRefused as exc:
                refused = exc.recipients
    except (smtplib.SMTPException, OSError) as exc:
        server.close()
        raise DeliveryError(f"{channel.name}: SMTP {channel.host}:{channel.port}: {_reason(exc)}",
                            channel=channel.name) from None
    except BaseException:
        server.close()
        raise
    try:
        accepted({address: f"{code} {_text(text)}"[:200] for address, (code, text) in refused.items()})
    finally:
        try:
            server.quit()
        except (smtplib.SMTPException, OSError):
            server.close()


def no_url(channel: AppriseChannel) -> DeliveryError:
    where = f" (is ${channel.urls_env} set?)" if channel.urls_env else ""
    return DeliveryError(f"{channel.name}: no URL{where}", channel=channel.name)


def apprise_plugin(channel: AppriseChannel, url: str, number: int) -> Any:
    """The Apprise service of one URL; a URL Apprise does not know is the channel's error, never shown."""
    import apprise

    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        raise DeliveryError(f"{channel.name}: URL {number} is not an Apprise URL", channel=channel.name)
    return plugin


def apprise_pieces(plugin: Any, title: str, body: str) -> list[str]:
    """`body` split so that each piece, with the title where the service merges it into the body (Telegram,
    WeCom, Twilio), fits the service's length and line limits."""
    limit, lines = piece_limits(int(getattr(plugin, "body_maxlen", 0) or 0), int(getattr(plugin, "title_maxlen", 1)),
                                int(getattr(plugin, "body_max_line_count", 0) or 0), title)
    return split_message(body, limit, lines)


def notify(channel: AppriseChannel, plugin: Any, number: int, title: str, piece: str) -> None:
    if not plugin.notify(body=piece, title=title):
        raise DeliveryError(f"{channel.name}: URL {number} ({plugin.service_name}) did not take the message",
                            channel=channel.name)


def with_retries(settings: DeliverySettings, send: Callable[[], None], stop: Stopper) -> int:
    """`send` retried with exponential backoff on a `DeliveryError` or a network error, until it works, the
    attempts run out or a stop is asked for (the wait between attempts ends at once then); returns the attempts."""
    attempts = 0
    for attempt in Retrying(stop=stop_after_attempt(settings.retries + 1) | stop_when_event_set(stop.event),
                            reraise=True, sleep=stop.wait, retry=retry_if_exception_type((DeliveryError, OSError)),
                            wait=wait_exponential(multiplier=settings.backoff_seconds, max=60)):
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
        with _smtp(channel) as server:
            _login(server, channel, password)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"{channel.name}: SMTP {channel.host}:{channel.port}: {_reason(exc)}",
                            channel=channel.name) from None
    return f"SMTP {channel.host}:{channel.port} ({channel.security}) answered" + (
        ", login accepted" if channel.username else "")


def check_apprise(channel: AppriseChannel, env: dict[str, str]) -> str:
    urls = channel.all_urls(env)
    if not urls:
        raise no_url(channel)
    services = [str(apprise_plugin(channel, url, number).service_name) for number, url in enumerate(urls, start=1)]
    return "Apprise URLs parse: " + ", ".join(services)


def secrets_of(channels: Sequence[EmailChannel | AppriseChannel], env: dict[str, str]) -> list[str]:
    """Everything of the channels that must never be shown: passwords, whole Apprise URLs and their parts
    that hold tokens (user, password, host and path pieces of a URL can each be a token)."""
    from urllib.parse import quote, unquote, urlsplit

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
    # a token may be shown percent-encoded (tok%2FSECRET) or decoded (tok/SECRET): both forms are secrets
    return sorted({form for value in found for form in (value, unquote(value), quote(value, safe=""))})


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"[:200]
    return (getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)[:200]
