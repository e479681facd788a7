"""The ranking options `nightly` and `backfill` share (--top, --profile)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def profile_arg(args: argparse.Namespace) -> Any:
    """--profile FILE, read and checked before anything runs; None: the config's [profile]."""
    if not getattr(args, "profile", None):
        return None
    from summarizer.edges.ranking.profile_sources import load_profile_file

    return load_profile_file(Path(args.profile))


def add_rank_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--top", type=int, metavar="K",
                        help="summarize only the K best papers for the profile (and every keyword or author match, "
                        "up to [profile] summarize_cap); the others are listed at the end of the digest")
    parser.add_argument("--profile", metavar="FILE", help="the reader's profile (TOML); default: [profile] of the "
                        "config")
