"""Argument types shared by the commands: each turns bad text into a usage error naming it."""

from __future__ import annotations

import argparse
from datetime import date


def categories_arg(text: str) -> list[str]:
    cats = [c.strip() for c in text.split(",") if c.strip()]
    if not cats:
        raise argparse.ArgumentTypeError("expected a comma-separated list such as cs.IR,cs.AI")
    return cats


def date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {text!r}") from None
