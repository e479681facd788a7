"""`backfill`: a range of listing dates, or every paper of OUTPUT_DIR still without a summary."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from summarizer.face.argtypes import categories_arg, date_arg
from summarizer.face.commands.batch_args import (
    add_batch_args,
    batch_request,
    describe_batch,
    describe_collected,
    uses_batch,
    with_retry_mode,
)
from summarizer.face.commands.rank_args import add_rank_args, profile_arg
from summarizer.face.commands.site import refresh_site
from summarizer.face.runner import command_line, info, load_config, money, with_signals


def cmd_backfill(args: argparse.Namespace) -> int:
    import httpx

    from summarizer.core.errors import ConfigError
    from summarizer.face.config import check_categories
    from summarizer.face.progress import Throttle
    from summarizer.jobs.history.backfill import BackfillStatus, run_backfill
    from summarizer.jobs.services import Services

    if args.missing == (args.start is not None or args.end is not None):
        raise ConfigError("backfill takes --from D1 --to D2, or --missing", key="--from")
    if not args.missing and (args.start is None or args.end is None):
        raise ConfigError("backfill needs both --from and --to", key="--from")
    mode = "batch" if uses_batch(args) else "sync"
    request = batch_request(args)
    settings = with_retry_mode(load_config(args), args)
    if args.categories:
        check_categories(args.categories, key="--categories")
    throttle = Throttle(10.0)

    def on_status(s: BackfillStatus) -> None:
        if not throttle.due(force=s.phase not in ("fetch", "write") or s.days_fetched >= s.days_total):
            return
        batch = (f", batch {s.batch.status} ({s.batch.requests} requests, {money(s.batch.cost_usd)})"
                 if s.batch else "")
        info(args, f"backfill: {s.phase}: days fetched {s.days_fetched}/{s.days_total}, written "
                   f"{s.days_written}, papers {s.papers}{batch}")

    async def job(stop: asyncio.Event) -> Any:
        tls = httpx.create_ssl_context()
        async with httpx.AsyncClient(verify=tls) as arxiv_http:
            services = Services(arxiv_http=arxiv_http, stop=stop, ssl_context=tls)
            return await run_backfill(settings, services, start=args.start, end=args.end, missing=args.missing,
                                      mode=mode, categories=args.categories, request=request,
                                      on_status=on_status, command=command_line(args), profile=profile_arg(args),
                                      top=args.top)

    result = asyncio.run(with_signals(job))
    describe_collected(args, result.collected)
    if result.in_other_batches:
        info(args, f"backfill: {result.in_other_batches} papers left to another unfinished batch job")
    describe_batch(args, result.batch)
    failed = sum(len(r.failed) for r in result.reports)
    for report in result.reports:
        for failure in report.failed[:20]:
            print(f"summarizer: failed: {report.date} {failure.id}: {failure.reason}", file=sys.stderr)
    if result.status in ("submitted", "exported"):
        return 0
    cost = [r.cost_usd for r in result.reports] + ([result.batch.cost_usd] if result.batch else [])
    total = None if any(c is None for c in cost) else sum(c for c in cost if c is not None)
    info(args, f"backfill: {result.days} days, {result.papers} papers, {len(result.reports)} digests written, "
               f"{failed} failed; {money(total)}")
    refresh_site(args, settings)
    return 3 if result.status != "done" else 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,  # type: ignore[type-arg]
             config: argparse.ArgumentParser) -> None:
    bf = sub.add_parser("backfill", parents=[common, config], help="summarize a range of dates, or what is missing",
                        description="Fetch every listing from --from to --to (weekends and arXiv holidays "
                        "skipped) and summarize every paper not cached yet, writing each day's digest once that "
                        "day is complete; or, with --missing, complete the papers of OUTPUT_DIR that have no "
                        "summary (failed ones, placeholders imported with import-dae) and rewrite their days. "
                        "With --mode batch all of it is one Batch API job at the batch price. Stopped by a "
                        "signal, the same command resumes: fetched days are not fetched again, submitted "
                        "batches not submitted again. Finished batch jobs of earlier runs are collected first.")
    bf.add_argument("--from", dest="start", type=date_arg, metavar="YYYY-MM-DD", help="first listing date")
    bf.add_argument("--to", dest="end", type=date_arg, metavar="YYYY-MM-DD", help="last listing date")
    bf.add_argument("--missing", action="store_true", help="complete the papers in OUTPUT_DIR without a summary")
    bf.add_argument("--categories", type=categories_arg, metavar="CAT,CAT", help="override [arxiv] categories")
    add_rank_args(bf)
    add_batch_args(bf)
    bf.set_defaults(func=cmd_backfill)
