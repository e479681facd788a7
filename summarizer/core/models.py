"""The records every stage passes around: a paper, its summary, and the pair as a digest entry.

Also the records file (JSON Lines) mapping, which keeps the keys of the tool users run today
(`id`, `title`, `authors`, `categories`, `summary`, `abs`, `pdf`, `comment`, `AI`) so files move
freely between the two, and the parsing of the many ways users write an arXiv id.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from summarizer.core.errors import InvalidPaperIdError, RecordsError

SUMMARY_FIELDS: tuple[str, ...] = ("tldr", "motivation", "method", "result", "conclusion")

_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
_ID_RE = re.compile(rf"(?P<id>{_NEW_ID}|{_OLD_ID})(?:v(?P<version>\d+))?")
_URL_RE = re.compile(
    r"https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/(?P<rest>.+?)(?:\.pdf)?/?", re.IGNORECASE
)


def parse_arxiv_id(text: str) -> tuple[str, int | None]:
    """`2512.20781v2`, `arXiv:2512.20781`, `hep-th/9901001`, abs/pdf URLs -> (id, version)."""
    candidate = text.strip()
    url = _URL_RE.fullmatch(candidate)
    if url:
        candidate = url.group("rest")
    elif candidate[:6].lower() == "arxiv:":
        candidate = candidate[6:]
    match = _ID_RE.fullmatch(candidate)
    if not match:
        raise InvalidPaperIdError(text)
    version = match.group("version")
    return match.group("id"), int(version) if version else None


class Paper(BaseModel):
    """One arXiv paper as the API describes it (id without version)."""

    model_config = ConfigDict(frozen=True)

    id: str
    version: int | None = None
    title: str
    authors: list[str] = Field(default_factory=list)
    abstract: str
    primary_category: str
    categories: list[str] = Field(default_factory=list)
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    abs_url: str
    pdf_url: str | None = None


class Summary(BaseModel):
    """The five fields the LLM writes; exactly these names, in this order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tldr: str
    motivation: str
    method: str
    result: str
    conclusion: str


class Entry(BaseModel):
    """A digest entry: a paper with its summary (and where the summary came from)."""

    model_config = ConfigDict(frozen=True)

    paper: Paper
    summary: Summary
    language: str | None = None
    model: str | None = None


def entry_to_record(entry: Entry) -> dict[str, Any]:
    """The JSON Lines record of an entry, readable by the tool users run today."""
    p = entry.paper
    categories = [p.primary_category] + [c for c in p.categories if c != p.primary_category]
    record: dict[str, Any] = {
        "id": p.id,
        "title": p.title,
        "authors": list(p.authors),
        "categories": categories,
        "summary": p.abstract,
        "abs": p.abs_url,
        "pdf": p.pdf_url,
        "comment": p.comment,
        "AI": entry.summary.model_dump(),
        "version": p.version,
        "published": p.published.isoformat() if p.published else None,
        "updated": p.updated.isoformat() if p.updated else None,
        "journal_ref": p.journal_ref,
        "doi": p.doi,
        "language": entry.language,
        "model": entry.model,
    }
    return record


def paper_from_record(record: dict[str, Any]) -> Paper:
    """The paper part of a records line (ours or the other tool's)."""
    categories = record.get("categories") or []
    if not isinstance(categories, list) or not categories:
        raise ValueError("'categories' must be a non-empty list (primary category first)")
    try:
        return Paper(
            id=record["id"],
            version=record.get("version"),
            title=record["title"],
            authors=record.get("authors") or [],
            abstract=record["summary"],
            primary_category=categories[0],
            categories=categories,
            comment=record.get("comment"),
            journal_ref=record.get("journal_ref"),
            doi=record.get("doi"),
            published=record.get("published"),
            updated=record.get("updated"),
            abs_url=record.get("abs") or f"https://arxiv.org/abs/{record['id']}",
            pdf_url=record.get("pdf"),
        )
    except KeyError as exc:
        raise ValueError(f"missing key {exc.args[0]!r}") from None


def record_to_entry(record: Any, line: int | None = None, path: str | None = None) -> Entry:
    """Parse one records line; errors name the line and what is wrong."""
    try:
        if not isinstance(record, dict):
            raise ValueError("a record must be a JSON object")
        paper = paper_from_record(record)
        ai = record.get("AI")
        if not isinstance(ai, dict):
            raise ValueError(f"paper {paper.id}: 'AI' (the five summary fields) is missing")
        missing = [f for f in SUMMARY_FIELDS if not isinstance(ai.get(f), str)]
        if missing:
            raise ValueError(f"paper {paper.id}: 'AI' lacks {', '.join(missing)}")
        summary = Summary(**{f: ai[f] for f in SUMMARY_FIELDS})
        return Entry(paper=paper, summary=summary, language=record.get("language"), model=record.get("model"))
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise RecordsError(f"{loc}: {first['msg']}", line=line, path=path) from None
    except ValueError as exc:
        raise RecordsError(str(exc), line=line, path=path) from None
