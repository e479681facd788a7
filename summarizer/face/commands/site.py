"""`site` and `import-dae`: the reading site over the whole history, and bringing in the history of
daily-arXiv-ai-enhanced (github.com/dw-dengwei/daily-arXiv-ai-enhanced), the tool users run today."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from summarizer.face.runner import info, load_config

if TYPE_CHECKING:
    from summarizer.core.settings import Settings
    from summarizer.jobs.site.build import SiteReport


def refresh_site(args: argparse.Namespace, settings: Settings, out: Path | None = None, full: bool = False) -> int:
    """Build or refresh the site when [site] enabled (the default); one line says what changed, one line each
    names a day left out because its records could not be read. Returns how many were left out."""
    from summarizer.jobs.site.build import build_site

    if not settings.site.enabled and out is None:
        return 0
    return describe_site(args, build_site(settings, out, full=full))


def describe_site(args: argparse.Namespace, report: SiteReport | None) -> int:
    """What a site refresh did, on stderr; returns how many days it left out."""
    if report is None:
        return 0
    for day, why in report.skipped.items():
        print(f"summarizer: site: left out {day}: {why}", file=sys.stderr)
    changed = len(report.rebuilt_days) + len(report.removed_days)
    info(args, f"site: {report.site / 'index.html'} ({report.days} days, {report.papers} papers; {changed} day(s) "
               f"and {len(report.rebuilt_shards)} search shard(s) rebuilt in {report.seconds:.1f} s)")
    return len(report.skipped)


def cmd_site(args: argparse.Namespace) -> int:
    settings = load_config(args, need_key=False)
    left_out = refresh_site(args, settings, Path(args.out) if args.out else None, full=args.full)
    return 3 if left_out else 0


def cmd_import_dae(args: argparse.Namespace) -> int:
    from summarizer.jobs.history.import_dae import import_dae

    settings = load_config(args, need_key=False)
    report = import_dae(settings, Path(args.directory))
    repeats = f"; {report.repeats} repeats of a paper already listed that day merged" if report.repeats else ""
    info(args, f"imported {len(report.days)} day(s), {report.papers} papers ({report.with_summary} with a summary, "
               f"{report.without_summary} to complete later) into {settings.paths.output_dir}{repeats}")
    refresh_site(args, settings)
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,  # type: ignore[type-arg]
             config: argparse.ArgumentParser) -> None:
    site = sub.add_parser("site", parents=[common, config], help="build the reading site over every day",
                          description="Build the static site from every D.jsonl in OUTPUT_DIR: one page that opens "
                          "on the newest day, reaches every day, searches them all, keeps keyword and author "
                          "preferences in the browser, and works opened from disk or from any static host. Only "
                          "days whose records changed are rebuilt. Also writes feed.xml (Atom, last days) and, for "
                          "forks of daily-arXiv-ai-enhanced's front end "
                          "(github.com/dw-dengwei/daily-arXiv-ai-enhanced), its "
                          "data/D_AI_enhanced_<Language>.jsonl and assets/file-list.txt.")
    site.add_argument("--out", metavar="DIR", help="where to write it (default: [site] out, else OUTPUT_DIR/site)")
    site.add_argument("--full", action="store_true", help="rebuild every day, not only those that changed")
    site.set_defaults(func=cmd_site)

    dae = sub.add_parser("import-dae", parents=[common, config], help="import daily-arXiv-ai-enhanced's history",
                         description="Import every D_AI_enhanced_<Language>.jsonl of DIR (the history "
                         "daily-arXiv-ai-enhanced, github.com/dw-dengwei/daily-arXiv-ai-enhanced, keeps) into "
                         "OUTPUT_DIR as D.jsonl, D.md and D.html. All file names are checked before anything is "
                         "written. Its placeholders ('Summary generation failed', 'Error') become papers without "
                         "a summary, completed later by "
                         "`nightly --date D`, `paper ID` or `backfill --missing`; early records' `task` is the "
                         "TL;DR. Its dates are its crawl dates, kept as they are. A paper a file lists more than "
                         "once is kept once (the first copy, or the first with a summary). Days already in "
                         "OUTPUT_DIR are merged, never overwritten.")
    dae.add_argument("directory", metavar="DIR")
    dae.set_defaults(func=cmd_import_dae)
