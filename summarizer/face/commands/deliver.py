"""`deliver`: a day's digest sent to the [[deliver]] channels by hand, or sent again."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from summarizer.face.argtypes import date_arg
from summarizer.face.runner import SECRETS, command_line, info, load_config, run_stoppable


def describe_delivery(args: argparse.Namespace, reports: list[Any]) -> int:
    """One line per channel and day; the exit code: 3 when a channel failed (it is owed to the next run), 130
    when a stop signal cut delivery short (what was not sent is owed)."""
    failed = stopped = 0
    for r in reports:
        if r.status in ("failed", "stopped"):
            failed += r.status == "failed"
            stopped += r.status == "stopped"
            owed = f" ({r.owed} recipient(s) or URL(s) owed)" if r.owed else ""
            print(SECRETS.scrub(f"summarizer: deliver: {r.channel} {r.day}: {r.status} after {r.attempts} attempt(s)"
                                f"{owed}: {r.error or 'a stop signal'}; the next run sends it"), file=sys.stderr)
        else:
            info(args, f"deliver: {r.channel} {r.day}: {r.status}")
    return 130 if stopped else 3 if failed else 0


def cmd_deliver(args: argparse.Namespace) -> int:
    from summarizer.core.errors import ConfigError
    from summarizer.jobs.deploy.deliver import deliver_days
    from summarizer.jobs.digest_files import find_days

    settings = load_config(args, need_key=False)
    if not settings.deliver:
        raise ConfigError("no [[deliver]] channel is configured (type = \"email\" or \"apprise\")", key="deliver")
    if args.channel and args.channel not in {c.name for c in settings.deliver}:
        raise ConfigError(f"no channel named {args.channel!r}; configured: "
                          + ", ".join(c.name for c in settings.deliver), key="--channel")
    days = sorted(find_days(Path(settings.paths.output_dir).expanduser()))
    if args.date is not None and args.date.isoformat() not in days:
        raise ConfigError(f"no digest for {args.date.isoformat()} in {settings.paths.output_dir}", key="--date")
    if not days:
        raise ConfigError(f"no digest in {settings.paths.output_dir}", key="paths.output_dir")
    chosen = [args.date.isoformat()] if args.date is not None else None
    reports = run_stoppable(lambda stop: deliver_days(settings, chosen, only=args.channel, resend=args.resend,
                                                      stop=stop, command=command_line(args)))
    return describe_delivery(args, reports)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,  # type: ignore[type-arg]
             config: argparse.ArgumentParser) -> None:
    dl = sub.add_parser("deliver", parents=[common, config], help="send the days owed and the newest to the "
                        "[[deliver]] channels",
                        description="Send the newest digest in OUTPUT_DIR, and every day a channel still owes (a "
                        "failed send, a run that never delivered, within [delivery] owed_days), to every "
                        "[[deliver]] channel; with --date, that day only. Each recipient and each Apprise URL gets "
                        "each day once (a ledger in the cache, one lock around check, send and mark); --resend "
                        "sends it again. Exit 3 when a channel still fails after its retries (it is owed to the "
                        "next run), 130 when stopped by a signal (within seconds; what was not sent is owed).")
    dl.add_argument("--date", type=date_arg, metavar="YYYY-MM-DD", help="this day only (default: the owed days and "
                    "the newest)")
    dl.add_argument("--channel", metavar="NAME", help="only this channel")
    dl.add_argument("--resend", action="store_true", help="send even to those that had it")
    dl.set_defaults(func=cmd_deliver)
