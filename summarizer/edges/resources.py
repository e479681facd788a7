"""The data shipped inside the package, read through `importlib.resources`.

Prompt templates live in the top-level `prompts/` folder and the demo's recordings in `fixtures/`,
where users see them; `pyproject.toml` maps both into the wheel (`summarizer.prompts`,
`summarizer.demo.recordings`), so an installed tool finds them wherever it runs, and an editable
install reads the very same files.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from summarizer.core.listing import Calendar
from summarizer.core.pricing import Price
from summarizer.core.prompts import PromptSet

PROMPTS = "summarizer.prompts"
RECORDINGS = "summarizer.demo.recordings"
DATA = "summarizer.data"
SITE_ASSETS = "summarizer.core.site"


def data_file(package: str, *parts: str) -> Traversable:
    """A file shipped in `package` (a folder of the wheel)."""
    node = resources.files(package)
    for part in parts:
        node = node.joinpath(part)
    return node


def load_prompts(name: str = "summary", schema: dict[str, Any] | None = None,
                 language_tag: str | None = None, user: str | None = None) -> PromptSet:
    """The prompt set `name` from `<name>.system.txt` and `<name>.user.txt`.

    A system prompt written in the target language itself (`<name>.system.<tag>.txt`, e.g. zh-Hans)
    is used when one exists: small models answer in the language they are addressed in. `user` names another
    user template (`<user>.user.txt`): the full-text request shares the system prompt.
    """
    folder = resources.files(PROMPTS)
    system = folder.joinpath(f"{name}.system.txt")
    if language_tag and folder.joinpath(f"{name}.system.{language_tag}.txt").is_file():
        system = folder.joinpath(f"{name}.system.{language_tag}.txt")
    return PromptSet.from_texts(name, system.read_text(encoding="utf-8"),
                                folder.joinpath(f"{user or name}.user.txt").read_text(encoding="utf-8"), schema)


@lru_cache(maxsize=1)
def arxiv_categories() -> dict[str, str]:
    """arXiv's active categories and their aliases: code -> name (from `data/arxiv-categories.tsv`)."""
    found: dict[str, str] = {}
    for line in data_file(DATA, "arxiv-categories.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, name = line.split("\t", 1)
            found[code] = name
    return found


@lru_cache(maxsize=1)
def price_table() -> tuple[dict[str, Price], str]:
    """The shipped prices by model, and the date they were read (from `data/prices.toml`)."""
    data = tomllib.loads(data_file(DATA, "prices.toml").read_text(encoding="utf-8"))
    return {name: Price(**entry) for name, entry in data["models"].items()}, str(data["read"])


@lru_cache(maxsize=1)
def arxiv_holidays() -> dict[int, tuple[date, ...]]:
    """arXiv's published holidays (listing dates with no announcement) by year, from `data/arxiv-holidays.toml`."""
    data = tomllib.loads(data_file(DATA, "arxiv-holidays.toml").read_text(encoding="utf-8"))
    return {int(year): tuple(days) for year, days in data["years"].items()}


def listing_calendar(extra: Iterable[date] = ()) -> Calendar:
    """arXiv's calendar: the shipped holidays and the config's own (`[arxiv] holidays`)."""
    return Calendar.of(dict(arxiv_holidays()), extra)


@dataclass(frozen=True)
class SiteAssets:
    files: dict[str, bytes]  # path under assets/ -> content
    version: str  # hash of them all: a site built with other assets is rebuilt whole


@lru_cache(maxsize=1)
def site_assets() -> SiteAssets:
    """The site's front end (app.js, app.css, vendored KaTeX with its licence and fonts)."""
    files: dict[str, bytes] = {}

    def walk(node: Traversable, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif not child.name.endswith(".py"):
                files[prefix + child.name] = child.read_bytes()

    walk(data_file(SITE_ASSETS, "assets"), "")
    digest = hashlib.sha256()
    for name, data in sorted(files.items()):
        digest.update(name.encode() + b"\0" + data)
    return SiteAssets(files, digest.hexdigest()[:12])
