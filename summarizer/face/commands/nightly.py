"""`nightly`, `paper` and `demo`: the summary jobs as commands, with progress and the run's summary line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
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
from summarizer.face.commands.deliver import describe_delivery
from summarizer.face.commands.rank_args import add_rank_args, profile_arg
from summarizer.face.commands.site import describe_site, refresh_site
from summarizer.face.runner import command_line, info, load_config, money, with_signals


def fulltext_line(uses: Any) -> str:
    """Summarized from: how many papers from each source, and their mean input tokens (tiktoken)."""
    by: dict[str, list[int]] = {}
    for use in uses:
        by.setdefault(use.source, []).append(use.input_tokens)
    parts = [f"{len(t)} from {s} ({sum(t) // len(t)} input tokens each on average)" for s, t in sorted(by.items())]
    return "summarized from full text: " + ", ".join(parts)


def print_report(args: argparse.Namespace, report: Any, written: Path | None) -> int:
    """The run's summary on stderr; the exit code: 3 when papers were left out (failed or not started)."""
    describe_collected(args, report.collected)
    for note in report.listing_notes:
        info(args, f"{report.date}: {note}")
    if report.in_other_batches:
        info(args, f"{report.date}: {report.in_other_batches} papers left to an unfinished batch job of an earlier "
                   "run (the next run collects it)")
    for failure in report.failed:
        print(f"summarizer: failed: {failure.id} ({failure.title}): {failure.reason}", file=sys.stderr)
    if report.fetched == 0 and not report.failed:
        info(args, f"{report.date}: {report.note or 'nothing fetched'}; no digest written (report: "
                   f"{report.date}.report.json)")
        return 0
    asked = f"; first answers accepted {report.first_answer_accepted}/{report.asked}" if report.asked else ""
    reasks = (" (re-asked: " + ", ".join(f"{k} {v}" for k, v in report.reasks.items()) + ")") if report.reasks else ""
    info(args, f"{report.date}: {report.fetched} papers, {report.summarized} summarized, "
                f"{report.from_cache} from cache, {len(report.failed)} failed, {report.not_started} not started; "
                f"{report.llm_requests} LLM requests{asked}{reasks}, "
                f"{report.prompt_tokens + report.completion_tokens} tokens, {money(report.cost_usd)}"
                + (f"; wrote {written}" if written else ""))
    if report.rank is not None:
        r = report.rank
        info(args, f"{report.date}: ranked {r.ranked}, summarized {r.summarized}, listed only {r.skipped}, excluded "
                   f"{len(r.excluded)}; saved about {money(r.saved_usd)} against summarizing all")
    if report.fulltext:
        info(args, f"{report.date}: {fulltext_line(report.fulltext)}")
    if report.unsupported_numbers:
        info(args, f"{report.date}: {report.unsupported_numbers} summaries state a number their source does not "
                   "(marked where published; see `summarizer audit`)")
    for warning in report.warnings:
        print(f"summarizer: warning: {warning}", file=sys.stderr)
    if report.budget_reached:
        print(f"summarizer: max_cost_usd reached: {report.not_started} papers not started; re-run (with a higher "
              "cap) to complete them", file=sys.stderr)
    return 3 if report.failed or report.not_started else 0


def cmd_nightly(args: argparse.Namespace) -> int:
    import httpx

    from summarizer.core.errors import ConfigError
    from summarizer.face.config import check_categories
    from summarizer.face.progress import make_progress
    from summarizer.jobs.nightly.day_run import NightlyParams
    from summarizer.jobs.nightly.job import run_nightly
    from summarizer.jobs.services import Services

    settings = with_retry_mode(load_config(args), args)
    if args.categories:
        check_categories(args.categories, key="--categories")
    batch = uses_batch(args)
    if batch and args.no_cache:
        raise ConfigError("--no-cache works in sync mode only", key="--no-cache")
    params = NightlyParams(day=args.date, categories=tuple(args.categories) if args.categories else None,
                           force=args.no_cache, limit=args.limit, batch=batch_request(args) if batch else None,
                           publish_site=settings.site.enabled, command=command_line(args),
                           profile=profile_arg(args), top=args.top, deliver=not args.no_deliver)
    progress = make_progress(args.quiet)

    async def job(stop: asyncio.Event) -> Any:
        tls = httpx.create_ssl_context()
        async with httpx.AsyncClient(verify=tls) as arxiv_http:
            services = Services(arxiv_http=arxiv_http, stop=stop, on_progress=progress or (lambda p: None),
                                ssl_context=tls)
            return await run_nightly(settings, services, params)

    try:
        result = asyncio.run(with_signals(job))
    finally:
        if progress is not None:
            progress.close(getattr(progress, "last", None))
    report = result.report
    out = Path(settings.paths.output_dir).expanduser() / f"{report.date}.md"
    describe_batch(args, report.batch)
    if result.halted is not None:
        describe_collected(args, report.collected)
        return 0
    code = print_report(args, report, out if out.exists() else None)
    describe_site(args, result.site)
    return max(code, describe_delivery(args, report.delivery))


def cmd_paper(args: argparse.Namespace) -> int:
    import httpx

    from summarizer.core.digest.render import render_entry
    from summarizer.core.models import parse_arxiv_id
    from summarizer.jobs.services import Services
    from summarizer.jobs.summaries.paper import run_paper

    parse_arxiv_id(args.id)
    settings = load_config(args)

    async def job(stop: asyncio.Event) -> Any:
        tls = httpx.create_ssl_context()
        async with httpx.AsyncClient(verify=tls) as arxiv_http:
            services = Services(arxiv_http=arxiv_http, stop=stop, ssl_context=tls)
            return await run_paper(settings, args.id, services, args.date, args.force, command_line(args))

    result = asyncio.run(with_signals(job))
    source = "from cache" if result.from_cache else f"{result.usage.requests} LLM request(s)"
    if result.rewritten:
        info(args, f"{result.entry.paper.id}: summary updated in {result.rewritten} ({source})")
        refresh_site(args, settings)
    else:
        print(render_entry(result.entry, 1), end="")
        info(args, f"{result.entry.paper.id}: no digest holds this paper; summary printed ({source})")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from summarizer.demo import run_demo
    from summarizer.face.progress import make_progress

    info(args, "summarizer demo: replaying recorded arXiv pages and recorded LLM answers (offline, no key "
                "needed) through the real nightly job for the 2025-12-24 listing")
    progress = make_progress(args.quiet)

    async def job(stop: asyncio.Event) -> Any:
        return await run_demo(Path(args.out), stop=stop, on_progress=progress or (lambda p: None))

    try:
        result, paths = asyncio.run(with_signals(job))
    finally:
        if progress is not None:
            progress.close(getattr(progress, "last", None))
    code = print_report(args, result.report, paths["md"])
    info(args, "wrote " + ", ".join(str(p) for p in paths.values()))
    describe_site(args, result.site)
    return code


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,  # type: ignore[type-arg]
             config: argparse.ArgumentParser) -> None:
    nig = sub.add_parser("nightly", parents=[common, config], help="fetch a listing, summarize it, write the digest",
                         description="Fetch arXiv listing D, summarize every paper (cache first) and write "
                         "OUTPUT_DIR/D.md, D.html, D.jsonl and D.report.json, then refresh the site. Batch jobs of "
                         "earlier runs that have finished are collected and their days written first. Exit 0 "
                         "when every paper is done, 3 when some failed (they are left out and listed; re-run to "
                         "complete), 1 when the job could not run (an arXiv holiday or weekend date, another run "
                         "holding the cache), 130 when interrupted.")
    nig.add_argument("--date", type=date_arg, metavar="YYYY-MM-DD",
                     help="listing date (default: the newest published)")
    nig.add_argument("--categories", type=categories_arg, metavar="CAT,CAT", help="override [arxiv] categories")
    nig.add_argument("--no-cache", action="store_true", help="ask the LLM again for every paper (still caches)")
    nig.add_argument("--limit", type=int, metavar="N", help="try a run on the first N papers of the listing only")
    add_rank_args(nig)
    nig.add_argument("--no-deliver", action="store_true",
                     help="do not send the day to the [[deliver]] channels (the scaffolded workflow delivers after "
                     "its Pages deploy, with `summarizer deliver`)")
    add_batch_args(nig)
    nig.set_defaults(func=cmd_nightly)

    pap = sub.add_parser("paper", parents=[common, config], help="(re)summarize one paper",
                         description="Summarize one paper (cache first). When a digest holds it (D's with "
                         "--date, else the newest one whose records hold the id), that digest's .md, .html and "
                         ".jsonl are rewritten so that only this paper's entry changes; otherwise the entry is "
                         "printed.")
    pap.add_argument("id", metavar="ID", help="2512.20781, 2512.20781v2, arXiv:2512.20781, hep-th/9901001 or a URL")
    pap.add_argument("--date", type=date_arg, metavar="YYYY-MM-DD", help="the digest to update")
    pap.add_argument("--force", action="store_true", help="ignore the cached summary (and replace it)")
    pap.set_defaults(func=cmd_paper)

    dem = sub.add_parser("demo", parents=[common], help="run the nightly job offline on recordings",
                         description="Run the whole nightly job for the 2025-12-24 listing offline: recorded "
                         "arXiv pages and recorded LLM answers are replayed through the real fetcher, summary "
                         "engine and renderer. No key needed.")
    dem.add_argument("--out", default="digests", metavar="DIR", help="output directory (default: ./digests)")
    dem.set_defaults(func=cmd_demo)
