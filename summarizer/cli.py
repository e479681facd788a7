"""The command line: a thin face over the jobs.

Parsing arguments, loading config, turning `SummarizerError`s into one-line messages and exit
codes (0 done, 1 could not run, 2 usage, 3 some papers failed, 130 interrupted) happens here and
only here. Heavy modules are imported inside the commands so `summarizer --help` starts fast.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from summarizer import __version__
from summarizer.errors import SummarizerError

if TYPE_CHECKING:
    from summarizer.settings import Settings

T = TypeVar("T")


def _categories(text: str) -> list[str]:
    cats = [c.strip() for c in text.split(",") if c.strip()]
    if not cats:
        raise argparse.ArgumentTypeError("expected a comma-separated list such as cs.IR,cs.AI")
    return cats


def _cmd_import_digest(args: argparse.Namespace) -> int:
    from summarizer.digest_parser import decode_digest, parse_digest
    from summarizer.errors import RecordsError
    from summarizer.store import write_records

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecordsError(f"cannot read: {exc.strerror}", path=str(path)) from None
    entries = parse_digest(decode_digest(data, str(path)), str(path))
    write_records(Path(args.out), entries)
    info(args, f"imported {len(entries)} papers from {path} into {args.out}")
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    from summarizer.html import render_html
    from summarizer.render import render_digest
    from summarizer.store import atomic_write_text, read_records

    entries = read_records(Path(args.records))
    out = Path(args.out)
    markdown = render_digest(entries, args.categories)
    page = render_html(entries, args.categories, title=out.stem)
    atomic_write_text(out, markdown)
    if not args.no_html:
        atomic_write_text(out.with_suffix(".html"), page)
    info(args, f"rendered {len(entries)} papers into {out}")
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {text!r}") from None


class _SecretFilter(logging.Filter):
    """Last line of defence: no log line carries the API key, whatever a library logs."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for secret in self.secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


_FILTER = _SecretFilter()


def _setup_logging(args: argparse.Namespace) -> None:
    level = logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_FILTER)
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for noisy in ("httpx", "httpcore", "openai", "httpx2"):
        logging.getLogger(noisy).setLevel(max(level, logging.INFO))


def load_config(args: argparse.Namespace) -> Settings:
    from summarizer.config import load_settings
    from summarizer.llm import resolve_api_key

    settings = load_settings(args.config)
    _FILTER.secrets = [resolve_api_key(settings.llm)]
    return settings


async def with_signals(job: Callable[[asyncio.Event], Awaitable[T]]) -> T:
    """Run `job`; SIGINT/SIGTERM set its stop event: no new requests, in-flight ones finish."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        return await job(stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def _print_report(args: argparse.Namespace, report: Any, written: Path | None) -> int:
    for failure in report.failed:
        print(f"summarizer: failed: {failure.id} ({failure.title}): {failure.reason}", file=sys.stderr)
    if report.fetched == 0 and not report.failed:
        info(args, f"listing {report.date} is empty (an arXiv holiday?): no digest written")
        return 0
    info(args, f"{report.date}: {report.fetched} papers, {report.summarized} summarized, "
                f"{report.from_cache} from cache, {len(report.failed)} failed; {report.llm_requests} LLM requests, "
                f"{report.prompt_tokens + report.completion_tokens} tokens, ${report.cost_usd:.4f}"
                + (f"; wrote {written}" if written else ""))
    return 3 if report.failed else 0


def _cmd_nightly(args: argparse.Namespace) -> int:
    import httpx

    from summarizer.pipeline import Services, digest_paths, run_nightly
    from summarizer.progress import make_progress

    settings = load_config(args)
    progress = make_progress(args.quiet)

    async def job(stop: asyncio.Event) -> Any:
        tls = httpx.create_ssl_context()
        async with httpx.AsyncClient(verify=tls) as arxiv_http:
            services = Services(arxiv_http=arxiv_http, stop=stop, on_progress=progress or (lambda p: None),
                                ssl_context=tls)
            return await run_nightly(settings, args.date, services, args.categories, force=args.no_cache)

    try:
        report, _ = asyncio.run(with_signals(job))
    finally:
        if progress is not None:
            progress.close(getattr(progress, "last", None))
    out = digest_paths(Path(settings.paths.output_dir).expanduser(), date.fromisoformat(report.date))["md"]
    return _print_report(args, report, out if out.exists() else None)


def _cmd_paper(args: argparse.Namespace) -> int:
    import httpx

    from summarizer.models import parse_arxiv_id
    from summarizer.pipeline import Services, run_paper
    from summarizer.render import render_entry

    parse_arxiv_id(args.id)
    settings = load_config(args)

    async def job(stop: asyncio.Event) -> Any:
        tls = httpx.create_ssl_context()
        async with httpx.AsyncClient(verify=tls) as arxiv_http:
            services = Services(arxiv_http=arxiv_http, stop=stop, ssl_context=tls)
            return await run_paper(settings, args.id, services, args.date, args.force)

    result = asyncio.run(with_signals(job))
    source = "from cache" if result.from_cache else f"{result.usage.requests} LLM request(s)"
    if result.rewritten:
        info(args, f"{result.entry.paper.id}: summary updated in {result.rewritten} ({source})")
    else:
        print(render_entry(result.entry, 1), end="")
        info(args, f"{result.entry.paper.id}: no digest holds this paper; summary printed ({source})")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from summarizer.demo import run_demo
    from summarizer.progress import make_progress

    info(args, "summarizer demo: replaying recorded arXiv pages and recorded LLM answers (offline, no key "
                "needed) through the real nightly job for the 2025-12-24 listing")
    progress = make_progress(args.quiet)

    async def job(stop: asyncio.Event) -> Any:
        return await run_demo(Path(args.out), stop=stop, on_progress=progress or (lambda p: None))

    try:
        report, paths = asyncio.run(with_signals(job))
    finally:
        if progress is not None:
            progress.close(getattr(progress, "last", None))
    code = _print_report(args, report, paths["md"])
    info(args, "wrote " + ", ".join(str(p) for p in paths.values()))
    return code


def _translate_command(name: str) -> Callable[[argparse.Namespace], int]:
    """The translation commands live in `cli_translate`, imported only when one of them runs."""

    def run(args: argparse.Namespace) -> int:
        from summarizer import cli_translate

        return int(getattr(cli_translate, name)(args))

    return run


def info(args: argparse.Namespace, message: str) -> None:
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="summarizer",
        description="Turn each day's new arXiv papers into a digest with LLM-written summaries "
        "(TL;DR, Motivation, Method, Result, Conclusion) above the original abstracts.",
    )
    parser.add_argument("--version", action="version", version=f"summarizer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    common.add_argument("-v", "--verbose", action="store_true", help="print debug details")

    imp = sub.add_parser("import-digest", parents=[common], help="read a digest Markdown file into records",
                         description="Read a digest (ours or one written by the tool you run today) back "
                         "into a records file (JSON Lines). A file not in the digest format is an error "
                         "naming the line; no output is written then.")
    imp.add_argument("file", metavar="FILE.md")
    imp.add_argument("--out", required=True, metavar="RECORDS.jsonl")
    imp.set_defaults(func=_cmd_import_digest)

    ren = sub.add_parser("render", parents=[common], help="render records into a digest (.md and .html)",
                         description="Render a records file into the digest Markdown, and a standalone "
                         "HTML page beside it.")
    ren.add_argument("--records", required=True, metavar="RECORDS.jsonl")
    ren.add_argument("--out", required=True, metavar="FILE.md")
    ren.add_argument("--categories", type=_categories, metavar="CAT,CAT",
                     help="section order (others follow alphabetically); default: order of first appearance")
    ren.add_argument("--no-html", action="store_true", help="do not write FILE.html")
    ren.set_defaults(func=_cmd_render)

    cfg = argparse.ArgumentParser(add_help=False)
    cfg.add_argument("--config", metavar="FILE", help="TOML config (default: $SUMMARIZER_CONFIG); "
                     "see config.example.toml")

    nig = sub.add_parser("nightly", parents=[common, cfg], help="fetch a listing, summarize it, write the digest",
                         description="Fetch arXiv listing D, summarize every paper (cache first) and write "
                         "OUTPUT_DIR/D.md, D.html, D.jsonl and D.report.json. Exit 0 when every paper is done, "
                         "3 when some failed (they are left out and listed; re-run to complete), 1 when the "
                         "job could not run, 130 when interrupted.")
    nig.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="listing date (default: the newest published)")
    nig.add_argument("--categories", type=_categories, metavar="CAT,CAT", help="override [arxiv] categories")
    nig.add_argument("--no-cache", action="store_true", help="ask the LLM again for every paper (still caches)")
    nig.set_defaults(func=_cmd_nightly)

    pap = sub.add_parser("paper", parents=[common, cfg], help="(re)summarize one paper",
                         description="Summarize one paper (cache first). When a digest holds it (D's with "
                         "--date, else the newest one whose records hold the id), that digest's .md, .html and "
                         ".jsonl are rewritten so that only this paper's entry changes; otherwise the entry is "
                         "printed.")
    pap.add_argument("id", metavar="ID", help="2512.20781, 2512.20781v2, arXiv:2512.20781, hep-th/9901001 or a URL")
    pap.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="the digest to update")
    pap.add_argument("--force", action="store_true", help="ignore the cached summary (and replace it)")
    pap.set_defaults(func=_cmd_paper)

    dem = sub.add_parser("demo", parents=[common], help="run the nightly job offline on recordings",
                         description="Run the whole nightly job for the 2025-12-24 listing offline: recorded "
                         "arXiv pages and recorded LLM answers are replayed through the real fetcher, summary "
                         "engine and renderer. No key needed.")
    dem.add_argument("--out", default="digests", metavar="DIR", help="output directory (default: ./digests)")
    dem.set_defaults(func=_cmd_demo)

    tra = sub.add_parser("translate", parents=[common, cfg], help="translate records or a digest",
                         description="Translate fields of a records file (or of the digest of --date, which also "
                         "writes OUTPUT_DIR/D.<lang>.md and .html). Output records are the input records plus "
                         "'translation': {language, model, <field>: ...}, in input order. --mode batch uses the "
                         "Batch API at half the price; its job is saved before submission, so re-running the same "
                         "command resumes it instead of paying twice. Exit 3 when some texts still fail.")
    tra.add_argument("--records", metavar="IN.jsonl")
    tra.add_argument("--out", metavar="OUT.jsonl")
    tra.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="translate the digest of this date")
    tra.add_argument("--to", metavar="LANGUAGE", help="target language (default: [llm] language)")
    tra.add_argument("--fields", default="title,abstract",
                     help="comma-separated: title, abstract, tldr, motivation, method, result, conclusion "
                     "(default: title,abstract)")
    tra.add_argument("--mode", choices=["sync", "batch"], default="sync")
    tra.add_argument("--retry-mode", choices=["batch", "sync"], default="batch",
                     help="how failed batch requests are retried: a follow-up batch (default) or synchronously")
    tra.add_argument("--no-wait", action="store_true", help="with --mode batch: submit and return")
    tra.add_argument("--glossary", metavar="FILE", help="TOML: term = \"translation\" or \"keep\"")
    tra.set_defaults(func=_translate_command("cmd_translate"))

    bat = sub.add_parser("batch", parents=[common, cfg], help="status, collect or cancel a batch translation job")
    bat.add_argument("action", choices=["status", "collect", "cancel"])
    bat.add_argument("job", metavar="JOB")
    bat.set_defaults(func=_translate_command("cmd_batch"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args)
    try:
        return int(args.func(args))
    except SummarizerError as exc:
        print(f"summarizer: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("summarizer: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
