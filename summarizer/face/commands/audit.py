"""`audit`: how many of a history's numbers the faithfulness gate finds in what the model was shown."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def cmd_audit(args: argparse.Namespace) -> int:
    from summarizer.jobs.history.audit import audit_text, run_audit

    audit = run_audit(Path(p).expanduser() for p in args.paths)
    if args.json:
        print(json.dumps(audit.as_json(args.worst), ensure_ascii=False, indent=1))
    else:
        print(audit_text(audit, args.worst), end="")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,  # type: ignore[type-arg]
             config: argparse.ArgumentParser) -> None:
    aud = sub.add_parser("audit", parents=[common], help="check every number of a history's summaries",
                         description="Apply the faithfulness gate to records files (ours, D.jsonl, or "
                         "daily-arXiv-ai-enhanced's D_AI_enhanced_Language.jsonl, also gzipped) and folders of them: "
                         "each number of TL;DR, Method and Result must be found in the text the model saw (title and "
                         "abstract; a summary written from the full text counts its recorded finding). Prints the "
                         "rate of unsupported numbers per day and overall, and the worst summaries.")
    aud.add_argument("paths", nargs="+", metavar="PATH", help="a records file or a folder of them")
    aud.add_argument("--json", action="store_true", help="one JSON object: overall, days, worst")
    aud.add_argument("--worst", type=int, default=10, metavar="N", help="how many of the worst summaries to list "
                     "(default 10)")
    aud.set_defaults(func=cmd_audit)
