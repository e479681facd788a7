"""`batch list|status|collect|cancel`: the Batch API jobs saved under cache_dir, by hand."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from summarizer.core.errors import SummarizerError
from summarizer.face.commands.translate import run_translate_job
from summarizer.face.runner import info, load_config, with_signals


def _list_jobs(cache_dir: Path) -> int:
    import time

    from summarizer.edges.batch.api import list_states

    states = list_states(cache_dir)
    if not states:
        print(f"no batch jobs under {cache_dir / 'batch-jobs'}")
    for state in states:
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(state.created))
        batches = sum(1 for r in state.rounds for p in r.parts if p.batch_id)
        what = state.args.get("kind") or f"translate {','.join(state.args.get('fields', []))} -> {state.language}"
        print(f"{state.job_id}  {state.status:<10} {created}  {what}, {len(state.rounds)} round(s), "
              f"{batches} batch(es)")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from summarizer.edges.batch.api import BatchAPI, cancel_job, load_state
    from summarizer.edges.llm.client import ChatClient
    from summarizer.jobs.translate.job import TranslateJob

    settings = load_config(args)
    cache_dir = Path(settings.paths.cache_dir).expanduser()
    if args.action == "list":
        return _list_jobs(cache_dir)
    if not args.job:
        raise SummarizerError(f"batch {args.action} needs a JOB id (see `summarizer batch list`)")
    state = load_state(cache_dir, args.job)
    if state is None:
        raise SummarizerError(f"no batch job {args.job!r} under {cache_dir / 'batch-jobs'}")
    if args.action == "collect":
        if "rerun" in state.args:  # a summary job: its command writes the digests too
            raise SummarizerError(f"batch job {state.job_id} holds summaries: collect it by re-running "
                                  f"`{state.args['rerun']}`")
        return run_translate_job(args, settings, TranslateJob(**state.args), wait_for_results=True)

    async def run(stop: asyncio.Event) -> Any:
        client = ChatClient(settings.llm)
        api = BatchAPI(client.sdk)
        try:
            if args.action == "cancel":
                return await cancel_job(api, cache_dir, state)
            return [await api.retrieve(p.batch_id) for r in state.rounds for p in r.parts if p.batch_id]
        finally:
            await client.close()

    found = asyncio.run(with_signals(run))
    if args.action == "cancel":
        info(args, f"job {state.job_id}: cancelled {len(found)} batch(es)")
        return 0
    print(f"job {state.job_id}: {state.status}, {len(state.rounds)} round(s), "
          f"{state.args.get('kind') or state.args.get('fields')} -> "
          f"{state.language}, {state.prompt_tokens + state.completion_tokens} tokens collected")
    for batch in found:
        counts = batch.request_counts
        print(f"  batch {batch.id}: {batch.status}"
              + (f" ({counts.completed} completed, {counts.failed} failed of {counts.total})" if counts else ""))
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,  # type: ignore[type-arg]
             config: argparse.ArgumentParser) -> None:
    bat = sub.add_parser("batch", parents=[common, config], help="list, status, collect or cancel batch jobs",
                         description="Batch API jobs saved under cache_dir/batch-jobs: list them, show one's status, "
                         "collect its results (what re-running the command that started it also does), or cancel it.")
    bat.add_argument("action", choices=["list", "status", "collect", "cancel"])
    bat.add_argument("job", metavar="JOB", nargs="?", help="the job id (not needed for list)")
    bat.set_defaults(func=cmd_batch)
