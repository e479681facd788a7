"""The batch options `nightly` and `backfill` share (--mode batch, --no-wait, --retry-mode, export, import),
and how a run's batch side is shown."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from summarizer.face.runner import info, money


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
    from summarizer.jobs.summaries.batch import BatchRequest

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


def describe_collected(args: argparse.Namespace, collected: list[Any]) -> None:
    """Batch jobs of other days this run found: collected and written, or still running."""
    for job in collected:
        if job.status == "waiting":
            info(args, f"batch job {job.job_id} of an earlier run is still running; its papers are left to it")
        elif job.status.startswith("unreachable"):
            info(args, f"batch job {job.job_id} of an earlier run: {job.status}; its papers are left to it")
        else:
            cost = f", {money(job.batch.cost_usd)} at the batch price" if job.batch is not None else ""
            info(args, f"collected batch job {job.job_id} of an earlier run ({job.status}): wrote "
                       f"{', '.join(job.days)} ({job.papers} papers){cost}")
