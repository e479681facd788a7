"""The command line: a thin face over the jobs.

Each command group lives in its own module of `face/commands/`, which registers its parser and imports the
heavy modules only when its command runs, so `summarizer --help` starts fast. Turning a
`SummarizerError` into a one-line message and an exit code (0 done, 1 could not run, 2 usage,
3 some papers failed, 130 interrupted) happens here and only here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from summarizer import __version__
from summarizer.core.errors import SummarizerError
from summarizer.face.commands import (
    audit,
    backfill,
    batch,
    deliver,
    digest,
    doctor,
    init,
    nightly,
    rank,
    report,
    site,
    translate,
)
from summarizer.face.runner import SECRETS, setup_logging


def _verbosity(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", default=default, help="print only errors")
    parser.add_argument("-v", "--verbose", action="store_true", default=default,
                        help="print debug details (each retry and re-ask with its reason)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="summarizer",
        description="Turn each day's new arXiv papers into a digest with LLM-written summaries "
        "(TL;DR, Motivation, Method, Result, Conclusion) above the original abstracts.",
    )
    parser.add_argument("--version", action="version", version=f"summarizer {__version__}")
    _verbosity(parser, False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    # -q/-v work before and after the command: after it, they only count when given.
    common = argparse.ArgumentParser(add_help=False)
    _verbosity(common, argparse.SUPPRESS)
    config = argparse.ArgumentParser(add_help=False)
    config.add_argument("--config", metavar="FILE", help="TOML config (default: $SUMMARIZER_CONFIG); "
                        "see config.example.toml")
    config.add_argument("--output-dir", metavar="DIR", help="override [paths] output_dir")
    config.add_argument("--cache-dir", metavar="DIR", help="override [paths] cache_dir")
    for module in (nightly, backfill, batch, rank, site, digest, translate, doctor, deliver, init, report, audit):
        module.register(sub, common, config)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args)
    try:
        return int(args.func(args))
    except SummarizerError as exc:
        print(SECRETS.scrub(f"summarizer: error: {exc}"), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("summarizer: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # a file or folder the run could not use: one line, never a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(SECRETS.scrub(f"summarizer: error: {where}{exc.strerror or exc}"), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
