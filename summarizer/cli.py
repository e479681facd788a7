"""The command line: a thin face over the jobs.

Parsing arguments, loading config, turning `SummarizerError`s into one-line messages and exit
codes (0 done, 1 could not run, 2 usage, 3 some papers failed, 130 interrupted) happens here and
only here. Heavy modules are imported inside the commands so `summarizer --help` starts fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from summarizer import __version__
from summarizer.errors import SummarizerError


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
    _info(args, f"imported {len(entries)} papers from {path} into {args.out}")
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
    _info(args, f"rendered {len(entries)} papers into {out}")
    return 0


def _info(args: argparse.Namespace, message: str) -> None:
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
