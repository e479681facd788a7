"""A reader's profile, read from where it lives: a TOML file, records files, reference-manager exports, arXiv.

`papers_files` are records files (a digest's own, or the likes exported from the site);
`bibtex` files are BibTeX (read with bibtexparser) or CSL-JSON (a JSON list, as Zotero and other
managers export it); `papers` are arXiv ids, fetched through the API once and kept in
`cache_dir/profile-papers`. Paths in a profile file are relative to that file.
"""

from __future__ import annotations

import json
import logging
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

log = logging.getLogger(__name__)


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

    return profile.model_copy(update={"papers_files": near(profile.papers_files), "bibtex": near(profile.bibtex),
                                      "dislikes_files": near(profile.dislikes_files)})


def _plain(text: str) -> str:
    """BibTeX's protecting braces and runs of white space out of a title or abstract."""
    return " ".join(re.sub(r"[{}]", "", text).split())


_MONTHS = {m: n for n, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                        "dec"), start=1)}


def _month(month: Any) -> int | None:
    """BibTeX's `month = jan` (a macro), "January", "1" or 1 as a number; None when it says none."""
    text = str(month or "").strip().strip("{}").lower()
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    return _MONTHS.get(text[:3])


def _year_date(year: Any, month: Any = None) -> date | None:
    try:
        return date(int(str(year)[:4]), _month(month) or 7, 1)  # no month: the middle of the year
    except (TypeError, ValueError):
        return None


def _csl_date(issued: Any) -> date | None:
    """CSL-JSON's `issued`: {"date-parts": [[2021, 3]]} as the spec says, or as exports write it: a string
    ("2021-03-04"), {"raw": ...} or {"literal": ...}, or the date parts without their wrapper."""
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if parts is None:
            return _csl_date(issued.get("raw") or issued.get("literal"))
        return _csl_date(parts)
    if isinstance(issued, list) and issued:
        first = issued[0] if isinstance(issued[0], list) else issued
        return _year_date(first[0], first[1] if len(first) > 1 else None) if first and first[0] else None
    if isinstance(issued, str | int):
        found = re.match(r"\s*(\d{4})(?:[-/](\d{1,2}))?", str(issued))
        return _year_date(found.group(1), found.group(2)) if found else None
    return None


def read_bibtex(path: Path) -> list[ProfileItem]:
    import bibtexparser

    try:
        library = bibtexparser.parse_string(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}", key="profile.bibtex") from None
    items, untitled = [], 0
    for entry in library.entries:
        fields = {k.lower(): v for k, v in entry.fields_dict.items()}
        title = _plain(str(fields["title"].value)) if "title" in fields else ""
        if not title:
            untitled += 1
            continue
        abstract = _plain(str(fields["abstract"].value)) if "abstract" in fields else ""
        when = _year_date(fields["year"].value, fields["month"].value if "month" in fields else None) \
            if "year" in fields else None
        items.append(ProfileItem(title=title, text=f"{title}. {abstract}".strip(), when=when))
    if not items and library.failed_blocks:
        raise ConfigError(f"{path}: no BibTeX entry could be read ({len(library.failed_blocks)} failed)",
                          key="profile.bibtex")
    return _some(items, untitled, path, "BibTeX entries (is it RIS, or another format?)")


def _some(items: list[ProfileItem], untitled: int, path: Path, what: str) -> list[ProfileItem]:
    """A file that gave no profile item is an error, never an empty profile ranking nothing; skipped items
    are a warning."""
    if not items:
        reason = f"its {untitled} items have no title" if untitled else f"no {what}"
        raise ConfigError(f"{path}: no profile item read: {reason}", key="profile.bibtex")
    if untitled:
        log.warning("%s: %d of %d items have no title and were skipped", path, untitled, untitled + len(items))
    return items


def read_csl_json(path: Path) -> list[ProfileItem]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path} is not CSL-JSON ({exc})", key="profile.bibtex") from None
    if not isinstance(data, list):
        raise ConfigError(f"{path}: CSL-JSON is a list of items", key="profile.bibtex")
    items, untitled = [], 0
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("title"), str) or not item["title"].strip():
            untitled += 1
            continue
        title = _plain(item["title"])
        items.append(ProfileItem(title=title, text=f"{title}. {_plain(str(item.get('abstract') or ''))}".strip(),
                                 when=_csl_date(item.get("issued"))))
    return _some(items, untitled, path, "CSL-JSON items")


def read_papers_file(path: Path, disliked: bool = False) -> list[ProfileItem]:
    """A records file's papers as profile items; a record marked `"feedback": "dislike"` (the site's export
    carries both) is a dislike, as is every paper of a `dislikes_files` file."""
    if not path.exists():
        raise ConfigError(f"no such records file {path}", key="profile.papers_files")
    try:
        entries = read_records(path)
    except RecordsError as exc:
        raise ConfigError(str(exc), key="profile.papers_files") from None
    items = []
    for entry in entries:
        when = date.fromisoformat(entry.day) if entry.day and re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry.day) else (
            entry.paper.published.date() if entry.paper.published else None)
        items.append(ProfileItem(title=entry.paper.title, text=paper_text(entry.paper), when=when,
                                 disliked=disliked or entry.extra.get("feedback") == "dislike",
                                 authors=tuple(entry.paper.authors)))
    return items


def file_items(profile: ProfileSettings) -> list[ProfileItem]:
    """Every profile item that lives in files."""
    items: list[ProfileItem] = []
    for name in profile.papers_files:
        path = Path(name).expanduser()
        if not path.exists():
            raise ConfigError(f"no such records file {path}", key="profile.papers_files")
        items += read_papers_file(path)
    for name in profile.dislikes_files:
        items += read_papers_file(Path(name).expanduser(), disliked=True)
    for name in profile.bibtex:
        path = Path(name).expanduser()
        if not path.exists():
            raise ConfigError(f"no such file {path}", key="profile.bibtex")
        items += read_reference_file(path)
    return items


def read_reference_file(path: Path) -> list[ProfileItem]:
    """A reference manager's export: CSL-JSON (.json) or BibTeX (anything else)."""
    if not path.exists():
        raise ConfigError(f"no such file {path}", key="profile.bibtex")
    return read_csl_json(path) if path.suffix.lower() == ".json" else read_bibtex(path)


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
    return [ProfileItem(title=p.title, text=paper_text(p), when=p.published.date() if p.published else None,
                        authors=tuple(p.authors)) for p in (known[i] for i in ids if i in known)]
