"""`report`: a night's report judged, for the people and the machines that watch the nightly.

A night that left some papers out exits 3 from `nightly` and is published all the same; a CI run
should say so (a warning, a summary page) without failing, and fail only when too much was left
out (`[report] max_failed_share`). `--github` speaks GitHub Actions' workflow commands and writes
its step summary.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from summarizer.face.argtypes import date_arg
from summarizer.face.runner import load_config


def cmd_report(args: argparse.Namespace) -> int:
    from summarizer.core.errors import ConfigError
    from summarizer.jobs.report import Report, failed_share, left_out, night_markdown

    settings = load_config(args, need_key=False)
    out = Path(settings.paths.output_dir).expanduser()
    if args.date is not None:
        path = out / f"{args.date.isoformat()}.report.json"
    else:
        found = sorted(out.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9].report.json")) if out.is_dir() else []
        if not found:
            raise ConfigError(f"no report in {out}: run `summarizer nightly` first", key="paths.output_dir")
        path = found[-1]
    try:
        report = Report.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise ConfigError(f"no report for {args.date} in {out}", key="--date") from None
    except ValueError:
        raise ConfigError(f"{path} is not a report summarizer wrote", key="--date") from None
    limit = settings.report.max_failed_share
    share = failed_share(report)
    text = night_markdown(report, limit)
    if not args.github:
        print(text, end="")
        return 1 if share > limit else 0
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(text)
    left = left_out(report)
    if share > limit:
        print(f"::error title=summarizer {report.date}::{left} papers left out ({share:.0%}, above "
              f"[report] max_failed_share {limit:.0%}); the next run completes them")
        return 1
    if left:
        print(f"::warning title=summarizer {report.date}::{left} papers left out ({share:.0%}); the next run "
              "completes them")
    for warning in report.warnings:
        print(f"::warning title=summarizer {report.date}::{warning}")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,  # type: ignore[type-arg]
             config: argparse.ArgumentParser) -> None:
    rep = sub.add_parser("report", parents=[common, config], help="judge a night's report (for CI)",
                         description="Read D.report.json (default: the newest in OUTPUT_DIR) and print the night "
                         "in Markdown. Exit 1 when more of the night's papers than [report] max_failed_share were "
                         "left out (failed or not started), else 0. --github: GitHub Actions' annotations (a "
                         "warning when papers were left out, an error above the share) and the step summary "
                         "($GITHUB_STEP_SUMMARY).")
    rep.add_argument("--date", type=date_arg, metavar="YYYY-MM-DD", help="the day (default: the newest report)")
    rep.add_argument("--github", action="store_true", help="annotations and the step summary of GitHub Actions")
    rep.set_defaults(func=cmd_report)
