"""`translate`: translation jobs (records files, or the digest of a date) as a command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from summarizer.core.errors import SummarizerError
from summarizer.core.settings import Settings
from summarizer.face.argtypes import date_arg
from summarizer.face.commands.batch_args import batch_status_printer
from summarizer.face.runner import info, load_config, money, with_signals


def _finish_translate(args: argparse.Namespace, result: Any) -> int:
    if result.status == "submitted":
        info(args, f"submitted batch job {result.job_id}; follow it with `summarizer batch status {result.job_id}` "
                    f"and finish with `summarizer batch collect {result.job_id}` (or re-run this command)")
        return 0
    for key, reason in list(result.failures.items())[:20]:
        print(f"summarizer: failed: {key[:24]}: {reason}", file=sys.stderr)
    info(args, f"{result.records} records, {result.pieces} texts ({result.todo} not cached): {result.requests} sync "
                f"requests, {result.prompt_tokens + result.completion_tokens} tokens, {money(result.cost_usd)}"
                + (f"; wrote {', '.join(str(p) for p in result.written)}" if result.written else ""))
    if result.status != "done":
        print(f"summarizer: error: {len(result.failures)} texts could not be translated; nothing written "
              "(re-run to retry only those)", file=sys.stderr)
        return 3
    return 0


def run_translate_job(args: argparse.Namespace, settings: Settings, job: Any, wait_for_results: bool) -> int:
    from summarizer.jobs.translate.job import run_translate

    async def run(stop: asyncio.Event) -> Any:
        return await run_translate(settings, job, wait_for_results=wait_for_results, stop=stop,
                                   on_status=batch_status_printer(args, every=0.0))

    return _finish_translate(args, asyncio.run(with_signals(run)))


def cmd_translate(args: argparse.Namespace) -> int:
    from summarizer.core.errors import ConfigError
    from summarizer.core.languages import UnknownLanguage, resolve_language
    from summarizer.jobs.translate.fields import language_code, parse_fields
    from summarizer.jobs.translate.job import TranslateJob

    settings = load_config(args)
    fields = parse_fields(args.fields)
    try:
        language = resolve_language(args.to).name if args.to else settings.llm.language
    except UnknownLanguage as exc:
        raise ConfigError(str(exc), key="--to") from None
    output_dir = Path(settings.paths.output_dir).expanduser()
    if args.date:
        records = output_dir / f"{args.date.isoformat()}.jsonl"
        out = args.out or str(output_dir / f"{args.date.isoformat()}.{language_code(language)}.jsonl")
    elif args.records and args.out:
        records, out = Path(args.records), args.out
    else:
        raise SummarizerError("translate needs --records IN.jsonl --out OUT.jsonl, or --date YYYY-MM-DD")
    job = TranslateJob(records_path=str(records), out=str(out), language=language, fields=fields, mode=args.mode,
                       retry_mode=args.retry_mode, glossary=args.glossary or settings.translate.glossary,
                       digest_day=args.date.isoformat() if args.date else None)
    return run_translate_job(args, settings, job, wait_for_results=not args.no_wait)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,  # type: ignore[type-arg]
             config: argparse.ArgumentParser) -> None:
    tra = sub.add_parser("translate", parents=[common, config], help="translate records or a digest",
                         description="Translate fields of a records file (or of the digest of --date, which also "
                         "writes OUTPUT_DIR/D.<lang>.md and .html). Output records are the input records plus "
                         "'translation': {language, model, <field>: ...}, in input order. --mode batch uses the "
                         "Batch API at half the price; its job is saved before submission, so re-running the same "
                         "command resumes it instead of paying twice. Exit 3 when some texts still fail.")
    tra.add_argument("--records", metavar="IN.jsonl")
    tra.add_argument("--out", metavar="OUT.jsonl")
    tra.add_argument("--date", type=date_arg, metavar="YYYY-MM-DD", help="translate the digest of this date")
    tra.add_argument("--to", metavar="LANGUAGE", help="target language (default: [llm] language)")
    tra.add_argument("--fields", default="title,abstract",
                     help="comma-separated: title, abstract, tldr, motivation, method, result, conclusion "
                     "(default: title,abstract)")
    tra.add_argument("--mode", choices=["sync", "batch"], default="sync")
    tra.add_argument("--retry-mode", choices=["batch", "sync"], default="batch",
                     help="how failed batch requests are retried: a follow-up batch (default) or synchronously")
    tra.add_argument("--no-wait", action="store_true", help="with --mode batch: submit and return")
    tra.add_argument("--glossary", metavar="FILE", help="TOML: term = \"translation\" or \"keep\"")
    tra.set_defaults(func=cmd_translate)
