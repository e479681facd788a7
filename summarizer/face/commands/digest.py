"""`import-digest` and `render`: moving digests between Markdown and records files."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from summarizer.face.argtypes import categories_arg
from summarizer.face.runner import info


def _read_input(name: str, what: str) -> bytes:
    """The bytes of FILE, or of standard input for "-"."""
    from summarizer.core.errors import RecordsError

    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as exc:
        raise RecordsError(f"cannot read {what}: {exc.strerror}", path=name) from None


def _write_output(name: str, text: str) -> None:
    """Write `text` to FILE atomically, or to standard output for "-"."""
    from summarizer.edges.storage.store import atomic_write_text

    if name == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        atomic_write_text(Path(name), text)


def cmd_import_digest(args: argparse.Namespace) -> int:
    from summarizer.core.digest.parser import decode_digest, parse_digest
    from summarizer.edges.storage.store import records_text

    source = "<stdin>" if args.file == "-" else args.file
    entries = parse_digest(decode_digest(_read_input(args.file, "the digest"), source), source)
    _write_output(args.out, records_text(entries))
    info(args, f"imported {len(entries)} papers from {source} into {'<stdout>' if args.out == '-' else args.out}")
    return 0


def digest_title(entries: list[Any], records_name: str) -> str:
    """The page title: the records' own date, else a date in the records file's name."""
    days = {e.day for e in entries if e.day}
    if len(days) == 1:
        return f"arXiv digest {days.pop()}"
    found = re.search(r"\d{4}-\d{2}-\d{2}", Path(records_name).name)
    return f"arXiv digest {found.group(0)}" if found else "arXiv digest"


def cmd_render(args: argparse.Namespace) -> int:
    from summarizer.core.digest.html import render_html
    from summarizer.core.digest.render import render_digest
    from summarizer.core.errors import ConfigError
    from summarizer.edges.storage.store import parse_records

    suffix = "" if args.out == "-" else Path(args.out).suffix.lower()
    if suffix not in ("", ".md", ".markdown", ".html", ".htm"):
        raise ConfigError(f"{args.out}: the output's suffix picks the format: .md (with an .html page beside it) or "
                          ".html, or - for Markdown on standard output", key="--out")
    source = "<stdin>" if args.records == "-" else args.records
    entries = parse_records(_read_input(args.records, "the records"), source)
    page = render_html(entries, args.categories, title=digest_title(entries, source))
    if suffix in (".html", ".htm"):
        _write_output(args.out, page)
    else:
        _write_output(args.out, render_digest(entries, args.categories))
        if not args.no_html and args.out != "-":
            _write_output(str(Path(args.out).with_suffix(".html")), page)
    left_out = sum(e.summary is None for e in entries)
    info(args, f"rendered {len(entries) - left_out} papers into {'<stdout>' if args.out == '-' else args.out}"
         + (f" ({left_out} without a summary left out)" if left_out else ""))
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,  # type: ignore[type-arg]
             config: argparse.ArgumentParser) -> None:
    imp = sub.add_parser("import-digest", parents=[common], help="read a digest Markdown file into records",
                         description="Read a digest (ours or one written by the tool you run today) back "
                         "into a records file (JSON Lines). A file not in the digest format is an error "
                         "naming the line; no output is written then.")
    imp.add_argument("file", metavar="FILE.md", help="the digest, or - for standard input")
    imp.add_argument("--out", required=True, metavar="RECORDS.jsonl", help="or - for standard output")
    imp.set_defaults(func=cmd_import_digest)

    ren = sub.add_parser("render", parents=[common], help="render records into a digest (.md and .html)",
                         description="Render a records file into the digest Markdown, and a standalone "
                         "HTML page beside it.")
    ren.add_argument("--records", required=True, metavar="RECORDS.jsonl", help="or - for standard input")
    ren.add_argument("--out", required=True, metavar="FILE.md|FILE.html",
                     help="FILE.md writes the Markdown and FILE.html beside it; FILE.html the page only; - the "
                     "Markdown on standard output")
    ren.add_argument("--categories", type=categories_arg, metavar="CAT,CAT",
                     help="section order (others follow alphabetically); default: order of first appearance")
    ren.add_argument("--no-html", action="store_true", help="do not write FILE.html")
    ren.set_defaults(func=cmd_render)
