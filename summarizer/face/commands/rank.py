"""`rank`: a day's papers in the reader's order with scores and reasons, to tune a profile. Never calls the LLM."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from summarizer.face.argtypes import date_arg
from summarizer.face.runner import info, with_signals


def rank_settings(args: argparse.Namespace) -> Any:
    """The config when one is given (--config or $SUMMARIZER_CONFIG), else the defaults: ranking needs no key."""
    import os

    from summarizer.core.settings import LLMSettings, Settings
    from summarizer.face.runner import load_config

    if args.config or os.environ.get("SUMMARIZER_CONFIG"):
        return load_config(args, need_key=False)
    if args.date is not None:
        from summarizer.core.errors import ConfigError

        raise ConfigError("rank --date reads a listing: it needs --config FILE (or SUMMARIZER_CONFIG)", key="--date")
    return Settings(llm=LLMSettings(model="none"))


def the_profile(args: argparse.Namespace, settings: Any) -> Any:
    from summarizer.core.errors import ConfigError
    from summarizer.edges.ranking.profile_sources import load_profile_file

    profile = load_profile_file(Path(args.profile)) if args.profile else settings.profile
    if profile.is_empty():
        raise ConfigError("no profile to rank by: pass --profile FILE, or write a [profile] table (keywords, authors, "
                          "papers, papers_files, bibtex) in the config", key="--profile")
    return profile


def cmd_rank(args: argparse.Namespace) -> int:
    import httpx

    from summarizer.jobs.nightly.day_run import NightlyParams
    from summarizer.jobs.rank.command import rank_listing, rank_records
    from summarizer.jobs.services import Services

    settings = rank_settings(args)
    profile = the_profile(args, settings)

    async def job(stop: asyncio.Event) -> Any:
        async with httpx.AsyncClient(verify=httpx.create_ssl_context()) as arxiv_http:
            services = Services(arxiv_http=arxiv_http, stop=stop)
            if args.records:
                return await rank_records(settings, services, Path(args.records), profile)
            return await rank_listing(settings, services, NightlyParams(day=args.date, profile=profile, lock=False,
                                                                         collect_earlier=False, command="rank"))

    ranking, papers = asyncio.run(with_signals(job))
    titles = {p.id: p.title for p in papers}
    shown = ranking.ranked[: args.top] if args.top is not None else ranking.ranked
    for item in shown:
        if args.json:
            print(json.dumps({"id": item.id, "score": item.score, "why": item.why}, ensure_ascii=False))
        else:
            print(f"{item.score:6.3f}  {item.id:<12} {titles.get(item.id, '')[:90]}  ({item.why})")
    if ranking.excluded:
        info(args, f"excluded {len(ranking.excluded)}: " + ", ".join(f"{i} ({k})" for i, k in ranking.excluded.items()))
    sys.stdout.flush()
    return 0


def cmd_embed(args: argparse.Namespace) -> int:
    from summarizer.face.progress import Throttle
    from summarizer.face.runner import load_config
    from summarizer.jobs.site.embed_history import embed_history

    settings = load_config(args, need_key=False)
    throttle = Throttle(10.0)
    bar = _bar() if not args.quiet and sys.stderr.isatty() else None

    def show(done: int, total: int) -> None:
        if bar is not None:
            bar.update(bar.task_ids[0], completed=done, total=total)
        elif throttle.due(force=done >= total):
            info(args, f"embedded {done}/{total} papers")

    try:
        report = embed_history(settings, show)
    finally:
        if bar is not None:
            bar.stop()
    info(args, f"embed: {report.papers} papers of {report.days} days; {report.computed} computed, the rest cached")
    return 0


def _bar() -> Any:
    from rich import progress as rp
    from rich.console import Console

    bar = rp.Progress(rp.TextColumn("embedding"), rp.BarColumn(), rp.MofNCompleteColumn(), rp.TimeRemainingColumn(),
                      console=Console(stderr=True))
    bar.add_task("papers", total=None)
    bar.start()
    return bar


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,  # type: ignore[type-arg]
             config: argparse.ArgumentParser) -> None:
    emb = sub.add_parser("embed", parents=[common, config], help="embed every paper of OUTPUT_DIR once",
                         description="Compute the embedding of every paper in OUTPUT_DIR's records (the whole "
                         "history) with [embedding], caching each batch at once: resumable, and a second run "
                         "computes nothing. The site's 'more like this' reads these.")
    emb.set_defaults(func=cmd_embed)

    rk = sub.add_parser("rank", parents=[common, config], help="rank a day's papers for your profile (no LLM)",
                        description="Print every paper of a records file (--records) or of listing D (--config, "
                        "--date) in score order for the reader's profile (--profile FILE, else the config's "
                        "[profile]): score, id, title and the reason (author: NAME, keyword: WORD, or like: TITLE · "
                        "term, term: the nearest profile paper, and the paper's terms or authors that weighed "
                        "most in the reader's model, or on a cold start the rarest words the two share). Papers "
                        "matching exclude_keywords are left out and counted. "
                        "Embeddings come from [embedding] (default: all-MiniLM-L6-v2 on the CPU) and are cached. "
                        "With five liked papers or more a model of the reader's own ranks (trained at each run on "
                        "the likes against the dislikes and the latest days of the output folder); with fewer, the "
                        "profile's centroid. Never calls the LLM and needs no API key: this is how a profile is "
                        "tuned.")
    rk.add_argument("--records", metavar="FILE.jsonl", help="rank the papers of this records file")
    rk.add_argument("--date", type=date_arg, metavar="YYYY-MM-DD", help="rank listing D (default: the newest)")
    rk.add_argument("--profile", metavar="FILE", help="a TOML profile ([profile] keywords, authors, papers, ...)")
    rk.add_argument("--top", type=int, metavar="K", help="print only the K best")
    rk.add_argument("--json", action="store_true", help='one JSON object per line: {"id", "score", "why"}')
    rk.set_defaults(func=cmd_rank)
