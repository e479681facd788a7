"""A reader's profile, read from where it lives: a TOML file, records files, reference-manager exports, arXiv.

`papers_files` are records files (a digest's own, or the likes exported from the site);
`bibtex` files are BibTeX (read with bibtexparser) or CSL-JSON (a JSON list, as Zotero and other
managers export it); `papers` are arXiv ids, fetched through the API once and kept in
`cache_dir/profile-papers`. Paths in a profile file are relative to that file.
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from summarizer.core.errors import ConfigError, RecordsError
from summarizer.core.models import Paper, parse_arxiv_id
from summarizer.core.ranking import ProfileItem, paper_text
from summarizer.core.settings import ProfileSettings
from summarizer.edges.arxiv.fetch import ArxivFetcher
from summarizer.edges.storage.cache import PaperStore
from summarizer.edges.storage.store import read_records


def load_profile_file(path: Path) -> ProfileSettings:
    """A profile of its own: a `[profile]` table (or the same keys at the top); paths relative to the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", key="--profile") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}", key="--profile") from None
    table = data.get("profile", data)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [profile] must be a table", key="--profile")
    try:
        profile = ProfileSettings.model_validate(table)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: profile.{where}: {first['msg']}", key="--profile") from None
    base = path.parent

    def near(files: list[str]) -> list[str]:
        return [str(f if Path(f).expanduser().is_absolute() else base / f) for f in files]

    return profile.model_copy(update={"papers_files": near(profile.papers_files), "bibtex": near(profile.bibtex)})


def _plain(text: str) -> str:
    """BibTeX's protecting braces and runs of white space out of a title or abstract."""
    return " ".join(re.sub(r"[{}]", "", text).split())


def _year_date(year: Any, month: Any = None) -> date | None:
    try:
        return date(int(str(year)[:4]), int(month) if str(month or "").isdigit() else 7, 1)
    except (TypeError, ValueError):
        return None


def read_bibtex(path: Path) -> list[ProfileItem]:
    import bibtexparser

    try:
        library = bibtexparser.parse_string(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}", key="profile.bibtex") from None
    items = []
    for entry in library.entries:
        fields = {k.lower(): v for k, v in entry.fields_dict.items()}
        title = _plain(str(fields["title"].value)) if "title" in fields else ""
        if not title:
            continue
        abstract = _plain(str(fields["abstract"].value)) if "abstract" in fields else ""
        when = _year_date(fields["year"].value, fields["month"].value if "month" in fields else None) \
            if "year" in fields else None
        items.append(ProfileItem(title=title, text=f"{title}. {abstract}".strip(), when=when))
    if not items and library.failed_blocks:
        raise ConfigError(f"{path}: no BibTeX entry could be read ({len(library.failed_blocks)} failed)",
                          key="profile.bibtex")
    return items


def read_csl_json(path: Path) -> list[ProfileItem]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path} is not CSL-JSON ({exc})", key="profile.bibtex") from None
    if not isinstance(data, list):
        raise ConfigError(f"{path}: CSL-JSON is a list of items", key="profile.bibtex")
    items = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("title"), str):
            continue
        parts = (item.get("issued") or {}).get("date-parts") or [[None]]
        first = parts[0] if parts and isinstance(parts[0], list) else [None]
        when = _year_date(first[0], first[1] if len(first) > 1 else None) if first and first[0] else None
        title = _plain(item["title"])
        items.append(ProfileItem(title=title, text=f"{title}. {_plain(str(item.get('abstract') or ''))}".strip(),
                                 when=when))
    return items


def read_papers_file(path: Path) -> list[ProfileItem]:
    try:
        entries = read_records(path)
    except RecordsError as exc:
        raise ConfigError(str(exc), key="profile.papers_files") from None
    items = []
    for entry in entries:
        when = date.fromisoformat(entry.day) if entry.day and re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry.day) else (
            entry.paper.published.date() if entry.paper.published else None)
        items.append(ProfileItem(title=entry.paper.title, text=paper_text(entry.paper), when=when))
    return items


def file_items(profile: ProfileSettings) -> list[ProfileItem]:
    """Every profile item that lives in files."""
    items: list[ProfileItem] = []
    for name in profile.papers_files:
        path = Path(name).expanduser()
        if not path.exists():
            raise ConfigError(f"no such records file {path}", key="profile.papers_files")
        items += read_papers_file(path)
    for name in profile.bibtex:
        path = Path(name).expanduser()
        if not path.exists():
            raise ConfigError(f"no such file {path}", key="profile.bibtex")
        items += read_csl_json(path) if path.suffix.lower() == ".json" else read_bibtex(path)
    return items


async def arxiv_items(profile: ProfileSettings, fetcher: ArxivFetcher, cache_dir: Path) -> list[ProfileItem]:
    """The profile's arXiv ids as items: each fetched through the API once, then read from the cache."""
    if not profile.papers:
        return []
    ids = [parse_arxiv_id(text)[0] for text in profile.papers]
    store = PaperStore(cache_dir / "profile-papers")
    try:
        known: dict[str, Paper] = {}
        missing = []
        for paper_id in ids:
            try:
                known[paper_id] = store.get(paper_id)
            except KeyError:
                missing.append(paper_id)
        async for paper in fetcher.by_ids(missing):
            store.put(paper)
            known[paper.id] = paper
    finally:
        store.close()
    return [ProfileItem(title=p.title, text=paper_text(p), when=p.published.date() if p.published else None)
            for p in (known[i] for i in ids if i in known)]
