"""Delivering days to the `[[deliver]]` channels: each channel each day once, what failed owed to the next run.

Used by the nightly's last stage and by `summarizer deliver`. A day with no summarized paper (an
empty listing) sends nothing and says so. A channel that still fails after its retries is
reported (the run exits 3), marked owed in the ledger, and sent by the next run; the digest
and the site are kept whatever happens here.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

from summarizer.core.errors import DeliveryError
from summarizer.core.message import chat_message, digest_message
from summarizer.core.models import Entry
from summarizer.core.settings import AppriseChannel, EmailChannel, Settings
from summarizer.edges.deliver import Ledger, send_apprise, send_email, with_retries
from summarizer.edges.store import read_records
from summarizer.jobs.report import DeliveryReport

Channel = EmailChannel | AppriseChannel


def day_entries(settings: Settings, day: str) -> list[Entry]:
    path = Path(settings.paths.output_dir).expanduser() / f"{day}.jsonl"
    return read_records(path) if path.exists() else []


def _send(settings: Settings, channel: Channel, day: str, entries: Sequence[Entry], env: dict[str, str]) -> None:
    site, title, cats = settings.site.base_url, settings.site.title, settings.arxiv.categories
    if isinstance(channel, EmailChannel):
        password = env.get(channel.password_env) if channel.password_env else None
        send_email(channel, digest_message(day, entries, cats, site, title), password, time.time())
    else:
        head, body = chat_message(day, entries, cats, site, channel.top, title)
        send_apprise(channel, head, body, channel.all_urls(env))


def deliver_days(settings: Settings, days: Sequence[str], *, only: str | None = None, resend: bool = False,
                 env: dict[str, str] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> list[DeliveryReport]:
    """Every channel (or `only`) gets each of `days` it has not had yet (all of them with `resend`)."""
    env = dict(os.environ) if env is None else env
    channels = [c for c in settings.deliver if only is None or c.name == only]
    ledger = Ledger(Path(settings.paths.cache_dir).expanduser())
    reports = []
    try:
        for day in days:
            entries = day_entries(settings, day)
            summarized = [e for e in entries if e.summary is not None]
            for channel in channels:
                if not summarized:
                    reports.append(DeliveryReport(channel=channel.name, day=day, status="nothing to send"))
                    continue
                if ledger.sent(day, channel.name) and not resend:
                    reports.append(DeliveryReport(channel=channel.name, day=day, status="already sent"))
                    continue
                reports.append(_deliver_one(settings, channel, day, entries, env, ledger, sleep))
    finally:
        ledger.close()
    return reports


def _deliver_one(settings: Settings, channel: Channel, day: str, entries: Sequence[Entry], env: dict[str, str],
                 ledger: Ledger, sleep: Callable[[float], None]) -> DeliveryReport:
    attempts = [0]

    def once() -> None:
        attempts[0] += 1
        _send(settings, channel, day, entries, env)

    try:
        with_retries(settings.delivery, once, sleep)
    except DeliveryError as exc:
        ledger.mark_owed(day, channel.name)
        return DeliveryReport(channel=channel.name, day=day, status="failed", attempts=attempts[0], error=str(exc))
    ledger.mark_sent(day, channel.name, time.time())
    return DeliveryReport(channel=channel.name, day=day, status="sent", attempts=attempts[0])


def owed_days(settings: Settings, today: date) -> list[str]:
    """Days a channel failed on, recent enough to send still (`[delivery] owed_days`)."""
    ledger = Ledger(Path(settings.paths.cache_dir).expanduser())
    try:
        oldest = (today - timedelta(days=settings.delivery.owed_days)).isoformat()
        return sorted({day for day, _ in ledger.owed() if oldest <= day < today.isoformat()})
    finally:
        ledger.close()


async def deliver_in_thread(settings: Settings, days: Sequence[str], **kwargs: object) -> list[DeliveryReport]:
    """`deliver_days` off the event loop (SMTP and Apprise block)."""
    return await asyncio.to_thread(deliver_days, settings, days, **kwargs)  # type: ignore[arg-type]
