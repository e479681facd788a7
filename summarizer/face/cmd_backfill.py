"""`backfill`, and the batch options `nightly` shares with it (--mode batch, --no-wait, export, import)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from summarizer.face.argtypes import categories_arg, date_arg
from summarizer.face.cmd_site import refresh_site
from summarizer.face.runner import info, load_config, money, with_signals


def add_batch_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mode", choices=["sync", "batch"], default="sync",
                        help="sync: one request per paper now; batch: one Batch API job at the batch price "
                        "(usually half), answers within the provider's window (24 h)")
    parser.add_argument("--no-wait", action="store_true",
                        help="with --mode batch: submit and return; re-run the same command to collect")
    parser.add_argument("--retry-mode", choices=["batch", "sync"],
                        help="how answers refused in a batch are asked again (default: [batch] retry_mode)")
    parser.add_argument("--export-batch", metavar="DIR", type=Path,
                        help="write the job's OpenAI batch input files (JSONL) to DIR and stop, for another "
                        "engine such as vLLM's run-batch")
    parser.add_argument("--import-batch-output", metavar="FILE", type=Path, nargs="+",
                        help="take batch output files made elsewhere: validate every answer, cache the valid "
                        "ones, leave the rest for the next run, write the digests")


def batch_request(args: argparse.Namespace) -> Any:
    from summarizer.core.errors import ConfigError
    from summarizer.jobs.summary_batch import BatchRequest

    if args.export_batch is not None and args.import_batch_output is not None:
        raise ConfigError("--export-batch and --import-batch-output go in two separate runs", key="--export-batch")
    return BatchRequest(wait=not args.no_wait, export_dir=args.export_batch, import_files=args.import_batch_output,
                        on_status=batch_status_printer(args))


def with_retry_mode(settings: Any, args: argparse.Namespace) -> Any:
    if not getattr(args, "retry_mode", None):
        return settings
    return settings.model_copy(update={"batch": settings.batch.model_copy(update={"retry_mode": args.retry_mode})})


def uses_batch(args: argparse.Namespace) -> bool:
    """Whether the run goes through the batch engine; --no-wait and --retry-mode mean nothing without it."""
    batch = bool(args.mode == "batch" or args.export_batch is not None or args.import_batch_output is not None)
    if not batch and (args.no_wait or args.retry_mode):
        from summarizer.core.errors import ConfigError

        raise ConfigError("--no-wait and --retry-mode go with --mode batch", key="--mode")
    return batch


def batch_status_printer(args: argparse.Namespace, every: float = 30.0,
                         clock: Callable[[], float] = time.monotonic) -> Callable[[list[Any]], None]:
    from summarizer.face.progress import Throttle

    throttle = Throttle(every, clock)

    def show(batches: list[Any]) -> None:
        if not throttle.due(force=any(b.status in ("completed", "failed", "expired") for b in batches)):
            return
        for b in batches:
            counts = b.request_counts
            done = f" {counts.completed + counts.failed}/{counts.total}" if counts else ""
            info(args, f"batch {b.id}: {b.status}{done}")

    return show


def describe_batch(args: argparse.Namespace, batch: Any) -> int:
    """The batch side of a run on stderr; returns the exit code when the run ends here (submitted, exported)."""
    if batch is None:
        return 0
    if batch.status == "submitted":
        info(args, f"submitted batch job {batch.job_id} ({batch.requests} requests in {len(batch.batches)} "
                   "batch(es)); re-run the same command to collect it and write the digests")
    elif batch.status == "exported":
        info(args, f"batch job {batch.job_id}: wrote {', '.join(batch.files) or 'no file (nothing to ask)'}; run "
                   "them with any engine of the OpenAI batch format, then re-run with --import-batch-output")
    else:
        saving = f", saving {money(batch.saving_usd)} against sync" if batch.saving_usd is not None else ""
        info(args, f"batch job {batch.job_id}: {batch.status}, {batch.requests} requests in "
                   f"{len(batch.batches)} batch(es), {batch.prompt_tokens + batch.completion_tokens} tokens, "
                   f"{money(batch.cost_usd) if batch.status != 'imported' else 'paid elsewhere'} at the batch "
                   f"price{saving}")
    return 0


def cmd_backfill(args: argparse.Namespace) -> int:
    import httpx

    from summarizer.core.errors import ConfigError
    from summarizer.face.config import check_categories
    from summarizer.face.progress import Throttle
    from summarizer.jobs.backfill import BackfillStatus, run_backfill
    from summarizer.jobs.summaries import Services

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
                                      on_status=on_status)

    result = asyncio.run(with_signals(job))
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
                        description="Fetch every listing from --from to --to (weekends skipped) and summarize "
                        "every paper not cached yet, writing each day's digest once that day is complete; or, "
                        "with --missing, complete the papers of OUTPUT_DIR that have no summary (failed ones, "
                        "placeholders imported with import-dae) and rewrite their days. With --mode batch all of "
                        "it is one Batch API job at the batch price. Stopped by a signal, the same command "
                        "resumes: fetched days are not fetched again, submitted batches not submitted again.")
    bf.add_argument("--from", dest="start", type=date_arg, metavar="YYYY-MM-DD", help="first listing date")
    bf.add_argument("--to", dest="end", type=date_arg, metavar="YYYY-MM-DD", help="last listing date")
    bf.add_argument("--missing", action="store_true", help="complete the papers in OUTPUT_DIR without a summary")
    bf.add_argument("--categories", type=categories_arg, metavar="CAT,CAT", help="override [arxiv] categories")
    add_batch_args(bf)
    bf.set_defaults(func=cmd_backfill)
