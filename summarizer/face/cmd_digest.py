"""`import-digest` and `render`: moving digests between Markdown and records files."""

from __future__ import annotations

import argparse
from pathlib import Path

from summarizer.face.argtypes import categories_arg
from summarizer.face.runner import info


def cmd_import_digest(args: argparse.Namespace) -> int:
    from summarizer.core.digest_parser import decode_digest, parse_digest
    from summarizer.core.errors import RecordsError
    from summarizer.edges.store import write_records

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecordsError(f"cannot read: {exc.strerror}", path=str(path)) from None
    entries = parse_digest(decode_digest(data, str(path)), str(path))
    write_records(Path(args.out), entries)
    info(args, f"imported {len(entries)} papers from {path} into {args.out}")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from summarizer.core.html import render_html
    from summarizer.core.render import render_digest
    from summarizer.edges.store import atomic_write_text, read_records

    entries = read_records(Path(args.records))
    out = Path(args.out)
    markdown = render_digest(entries, args.categories)
    page = render_html(entries, args.categories, title=out.stem)
    atomic_write_text(out, markdown)
    if not args.no_html:
        atomic_write_text(out.with_suffix(".html"), page)
    info(args, f"rendered {len(entries)} papers into {out}")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,  # type: ignore[type-arg]
             config: argparse.ArgumentParser) -> None:
    imp = sub.add_parser("import-digest", parents=[common], help="read a digest Markdown file into records",
                         description="Read a digest (ours or one written by the tool you run today) back "
                         "into a records file (JSON Lines). A file not in the digest format is an error "
                         "naming the line; no output is written then.")
    imp.add_argument("file", metavar="FILE.md")
    imp.add_argument("--out", required=True, metavar="RECORDS.jsonl")
    imp.set_defaults(func=cmd_import_digest)

    ren = sub.add_parser("render", parents=[common], help="render records into a digest (.md and .html)",
                         description="Render a records file into the digest Markdown, and a standalone "
                         "HTML page beside it.")
    ren.add_argument("--records", required=True, metavar="RECORDS.jsonl")
    ren.add_argument("--out", required=True, metavar="FILE.md")
    ren.add_argument("--categories", type=categories_arg, metavar="CAT,CAT",
                     help="section order (others follow alphabetically); default: order of first appearance")
    ren.add_argument("--no-html", action="store_true", help="do not write FILE.html")
    ren.set_defaults(func=cmd_render)
