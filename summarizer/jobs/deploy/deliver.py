"""Delivering days to the `[[deliver]]` channels: every reader each day exactly once, what failed owed to the next run.

Used by the nightly's last stage and by `summarizer deliver`. One lock covers the whole of check,
send and mark; every target (an email recipient, an Apprise URL) moves owed -> sending -> sent
in the ledger (`edges/ledger.py`), owed written before the first attempt. A recipient the server
refused, a URL that failed, a piece not taken, stay owed while the rest are marked sent; an
error of any kind is its channel's alone (reported, owed), and the other channels still go.
Without a date, each channel gets the newest day and the days it owes: days with records, from
the first day that target was delivered on, within `[delivery] owed_days`, not yet sent to it.
A day with no summarized paper (an empty listing) sends nothing and says so. The digest and the
site are kept whatever happens here.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from summarizer.core.digest.message import chat_message, digest_message, message_id
from summarizer.core.errors import DeliveryError, RunLocked
from summarizer.core.models import Entry
from summarizer.core.settings import AppriseChannel, EmailChannel, Settings
from summarizer.edges.delivery.ledger import Ledger, delivery_lock, email_target, url_target
from summarizer.edges.delivery.send import (
    Stopper,
    apprise_pieces,
    apprise_plugin,
    email_message,
    no_url,
    notify,
    send_email,
    with_retries,
)
from summarizer.edges.storage.store import read_records
from summarizer.jobs.digest_files import find_days
from summarizer.jobs.report import DeliveryReport

Channel = EmailChannel | AppriseChannel


@dataclass
class Tally:
    """One channel-day's attempts, and the errors of the targets left owed."""

    attempts: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Delivery:
    """One delivery run: what it works with."""

    settings: Settings
    ledger: Ledger
    env: dict[str, str]
    stop: Stopper
    clock: Callable[[], float]
    resend: bool


def day_entries(settings: Settings, day: str) -> list[Entry]:
    path = Path(settings.paths.output_dir).expanduser() / f"{day}.jsonl"
    return read_records(path) if path.exists() else []


def targets_of(channel: Channel, env: dict[str, str]) -> dict[str, str]:
    """target id -> what is sent to: each recipient, or each URL."""
    if isinstance(channel, EmailChannel):
        return {email_target(address): address for address in channel.to}
    return {url_target(url): url for url in channel.all_urls(env)}


def owed_days(ledger: Ledger, channel: str, targets: Sequence[str], available: Sequence[str], newest: str,
              window: int) -> list[str]:
    """Days before `newest` that some target of `channel` has not had, from the day it was first delivered."""
    oldest = (date.fromisoformat(newest) - timedelta(days=window)).isoformat()
    days = []
    for day in available:
        if not oldest <= day < newest:
            continue
        if any((since := ledger.since(channel, t)) is not None and since <= day
               and not ledger.is_sent(day, channel, t) for t in targets):
            days.append(day)
    return days


def deliver_days(settings: Settings, days: Sequence[str] | None = None, *, newest: str | None = None,
                 only: str | None = None, resend: bool = False, env: dict[str, str] | None = None,
                 stop: Stopper | None = None, clock: Callable[[], float] = time.time,
                 command: str = "deliver", sleep: Callable[[float], None] = time.sleep,
                 ledger_type: Callable[[Path, Callable[[], float]], Ledger] = Ledger) -> list[DeliveryReport]:
    """`days` to every channel (or `only`); with no `days`, each channel's owed days and the newest
    (`newest`, default the newest day with records). `resend` sends even to targets that had it.
    `ledger_type` is for tests that kill the process between two of its writes."""
    env = dict(os.environ) if env is None else env
    stop = stop or Stopper()
    cache_dir = Path(settings.paths.cache_dir).expanduser()
    channels = [c for c in settings.deliver if only is None or c.name == only]
    available = sorted(find_days(Path(settings.paths.output_dir).expanduser()))
    newest = newest or (available[-1] if available else None)
    reports: list[DeliveryReport] = []
    try:
        lock = delivery_lock(cache_dir, command, settings.delivery.lock_wait_seconds, stop.is_set, sleep)
        with lock:
            ledger = ledger_type(cache_dir, clock)
            try:
                run = Delivery(settings, ledger, env, stop, clock, resend)
                for channel in channels:
                    reports += _channel_days(run, channel, days, available, newest)
            finally:
                ledger.close()
    except RunLocked as exc:
        return [DeliveryReport(channel=c.name, day=newest or "", status="failed", error=str(exc)) for c in channels]
    return reports


def _channel_days(run: Delivery, channel: Channel, days: Sequence[str] | None, available: Sequence[str],
                  newest: str | None) -> list[DeliveryReport]:
    implicit = days is None
    try:
        targets = targets_of(channel, run.env)
        if days is None:
            if newest is None:
                return []
            for target in targets:
                run.ledger.register(channel.name, target, newest)
            owed = owed_days(run.ledger, channel.name, list(targets), available, newest,
                             run.settings.delivery.owed_days)
            days = [*owed, newest]
    except Exception as exc:  # noqa: BLE001 - a channel's error is its own: reported, the others still go
        return [DeliveryReport(channel=channel.name, day=newest or "", status="failed", error=_describe(exc))]
    reports = []
    for day in days:
        if run.stop.is_set():
            reports.append(DeliveryReport(channel=channel.name, day=day, status="stopped"))
            continue
        # an owed day goes to the targets that existed then; a day asked for by date goes to every one
        if implicit and day != newest:
            eligible = {t: v for t, v in targets.items() if (run.ledger.since(channel.name, t) or day) <= day}
        else:
            eligible = targets
        try:
            reports.append(_deliver_day(run, channel, day, eligible))
        except Exception as exc:  # noqa: BLE001 - as above: owed in the ledger, reported, never the end of the run
            reports.append(DeliveryReport(channel=channel.name, day=day, status="failed", error=_describe(exc)))
    return reports


def _deliver_day(run: Delivery, channel: Channel, day: str, targets: dict[str, str]) -> DeliveryReport:
    entries = day_entries(run.settings, day)
    if not any(e.summary is not None for e in entries):
        return DeliveryReport(channel=channel.name, day=day, status="nothing to send")
    if not targets and isinstance(channel, AppriseChannel):
        raise no_url(channel)
    pending = {t: v for t, v in targets.items() if run.resend or not run.ledger.is_sent(day, channel.name, t)}
    if not pending:
        return DeliveryReport(channel=channel.name, day=day, status="already sent")
    tally = Tally()
    if isinstance(channel, EmailChannel):
        _deliver_email(run, channel, day, entries, pending, tally)
    else:
        _deliver_apprise(run, channel, day, entries, pending, tally)
    owed = sum(not run.ledger.is_sent(day, channel.name, t) for t in pending)
    if tally.errors or owed:
        status = "stopped" if run.stop.is_set() else "failed"
        return DeliveryReport(channel=channel.name, day=day, status=status, attempts=tally.attempts,
                              error="; ".join(tally.errors) or None, owed=owed)
    return DeliveryReport(channel=channel.name, day=day, status="sent", attempts=tally.attempts)


def _deliver_email(run: Delivery, channel: EmailChannel, day: str, entries: Sequence[Entry],
                   pending: dict[str, str], tally: Tally) -> None:
    """One transaction to every pending recipient; the ones refused stay owed and are tried again."""
    ledger, settings = run.ledger, run.settings
    generation = ledger.bump_generation(day, channel.name) if run.resend else ledger.generation(day, channel.name)
    message = digest_message(day, entries, settings.arxiv.categories, settings.site.base_url, settings.site.title)
    mail = email_message(channel, message, run.clock(), message_id(day, channel.name, channel.sender, generation))
    password = run.env.get(channel.password_env) if channel.password_env else None
    remaining = dict(pending)
    reasons: list[str] = []
    ledger.set_many(day, channel.name, remaining, "owed")

    def accepted(refused: dict[str, str]) -> None:
        taken = [t for t, address in remaining.items() if address not in refused]
        ledger.set_many(day, channel.name, taken, "sent")
        ledger.set_many(day, channel.name, [t for t in remaining if t not in taken], "owed")
        for target in taken:
            del remaining[target]
        if remaining:
            reasons.append(f"{channel.name}: the server refused " + ", ".join(
                f"{address} ({refused[address]})" for address in remaining.values()))

    def once() -> None:
        tally.attempts += 1
        reasons.clear()
        ledger.set_many(day, channel.name, remaining, "sending")
        try:
            send_email(channel, mail, list(remaining.values()), password, run.stop, accepted)
        except BaseException:
            ledger.set_many(day, channel.name, remaining, "owed")
            raise
        if remaining:
            raise DeliveryError(reasons[0], channel=channel.name)

    try:
        _attempts(run, once)
    except DeliveryError as exc:
        tally.errors.append(str(exc))


def _deliver_apprise(run: Delivery, channel: AppriseChannel, day: str, entries: Sequence[Entry],
                     pending: dict[str, str], tally: Tally) -> None:
    """Each pending URL on its own, piece by piece: what a URL took is never sent to it again."""
    settings = run.settings
    head, body = chat_message(day, entries, settings.arxiv.categories, settings.site.base_url, channel.top,
                              settings.site.title)
    numbers = {url_target(url): n for n, url in enumerate(channel.all_urls(run.env), start=1)}
    for target, url in pending.items():
        if run.stop.is_set():
            tally.errors.append(f"{channel.name}: URL {numbers[target]}: stopped before it was sent")
            continue
        try:
            _deliver_url(run, channel, day, target, url, numbers[target], head, body, tally)
        except Exception as exc:  # noqa: BLE001 - one URL's failure: it stays owed, the other URLs go on
            tally.errors.append(_describe(exc))


def _deliver_url(run: Delivery, channel: AppriseChannel, day: str, target: str, url: str, number: int, head: str,
                 body: str, tally: Tally) -> None:
    ledger = run.ledger
    plugin = apprise_plugin(channel, url, number)
    pieces = apprise_pieces(plugin, head, body)
    mark = ledger.mark(day, channel.name, target)
    start = mark.pieces if mark is not None and mark.state != "sent" and not run.resend else 0
    start = min(start, len(pieces) - 1)
    ledger.set(day, channel.name, target, "owed", pieces=start)
    for index in range(start, len(pieces)):
        if run.stop.is_set():
            raise DeliveryError(f"{channel.name}: URL {number}: stopped after {index} of {len(pieces)} pieces",
                                channel=channel.name)

        def once(index: int = index) -> None:
            tally.attempts += 1
            ledger.set(day, channel.name, target, "sending", pieces=index)
            try:
                notify(channel, plugin, number, head, pieces[index])
            except BaseException:
                ledger.set(day, channel.name, target, "owed", pieces=index)
                raise

        _attempts(run, once)
        done = index + 1
        ledger.set(day, channel.name, target, "sent" if done == len(pieces) else "owed", pieces=done)


def _attempts(run: Delivery, send: Callable[[], None]) -> None:
    if run.stop.is_set():
        raise DeliveryError("stopped before it was sent")
    with_retries(run.settings.delivery, send, run.stop)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, DeliveryError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"[:300]


async def deliver_in_thread(settings: Settings, stop: asyncio.Event, **kwargs: object) -> list[DeliveryReport]:
    """`deliver_days` off the event loop (SMTP and Apprise block); the run's stop event cuts it short."""
    stopper = Stopper()

    async def relay() -> None:
        await stop.wait()
        stopper.set()

    watcher = asyncio.create_task(relay())
    try:
        return await asyncio.to_thread(deliver_days, settings, stop=stopper, **kwargs)  # type: ignore[arg-type]
    finally:
        watcher.cancel()
