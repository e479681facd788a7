"""`deliver`: a day's digest sent to the [[deliver]] channels by hand, or sent again."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from summarizer.face.argtypes import date_arg
from summarizer.face.runner import SECRETS, info, load_config


def describe_delivery(args: argparse.Namespace, reports: list[Any]) -> int:
    """One line per channel and day; the exit code: 3 when a channel failed (it is owed to the next run)."""
    failed = 0
    for r in reports:
        if r.status == "failed":
            failed += 1
            print(SECRETS.scrub(f"summarizer: deliver: {r.channel} {r.day}: failed after {r.attempts} attempt(s): "
                                f"{r.error}; the next run sends it"), file=sys.stderr)
        else:
            info(args, f"deliver: {r.channel} {r.day}: {r.status}")
    return 3 if failed else 0


def cmd_deliver(args: argparse.Namespace) -> int:
    from summarizer.core.errors import ConfigError
    from summarizer.jobs.deliver import deliver_days
    from summarizer.jobs.site_build import find_days

    settings = load_config(args, need_key=False)
    if not settings.deliver:
        raise ConfigError("no [[deliver]] channel is configured (type = \"email\" or \"apprise\")", key="deliver")
    if args.channel and args.channel not in {c.name for c in settings.deliver}:
        raise ConfigError(f"no channel named {args.channel!r}; configured: "
                          + ", ".join(c.name for c in settings.deliver), key="--channel")
    days = sorted(find_days(Path(settings.paths.output_dir).expanduser()))
    day = args.date.isoformat() if args.date else (days[-1] if days else None)
    if day is None or day not in days:
        raise ConfigError(f"no digest for {day or 'any day'} in {settings.paths.output_dir}", key="--date")
    return describe_delivery(args, deliver_days(settings, [day], only=args.channel, resend=args.resend))


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,  # type: ignore[type-arg]
             config: argparse.ArgumentParser) -> None:
    dl = sub.add_parser("deliver", parents=[common, config], help="send a day's digest to the [[deliver]] channels",
                        description="Send day D's digest (default: the newest in OUTPUT_DIR) to every [[deliver]] "
                        "channel that has not had it (email: the papers with their TL;DR and links; Apprise: the "
                        "top titles and the site link). Each channel gets each day once (a ledger in the cache); "
                        "--resend sends it again. A channel that still fails after its retries exits 3.")
    dl.add_argument("--date", type=date_arg, metavar="YYYY-MM-DD", help="the day (default: the newest digest)")
    dl.add_argument("--channel", metavar="NAME", help="only this channel")
    dl.add_argument("--resend", action="store_true", help="send even if the channel had it")
    dl.set_defaults(func=cmd_deliver)
