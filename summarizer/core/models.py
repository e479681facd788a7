"""The records every stage passes around: a paper, its summary, and the pair as a digest entry.

Also the records file (JSON Lines) mapping, which keeps the keys of the tool users run today
(`id`, `title`, `authors`, `categories`, `summary`, `abs`, `pdf`, `comment`, `AI`) so files move
freely between the two, and the parsing of the many ways users write an arXiv id.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from summarizer.core.errors import InvalidPaperIdError, RecordsError

SUMMARY_FIELDS: tuple[str, ...] = ("tldr", "motivation", "method", "result", "conclusion")

_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
_ID_RE = re.compile(rf"(?P<id>{_NEW_ID}|{_OLD_ID})(?:v(?P<version>\d+))?")
# A link a file may carry: http(s), nothing that ends a Markdown link or an HTML attribute early.
_WEB_LINK = re.compile(r"https?://[^\s()<>\"'`\\]+", re.IGNORECASE)
_ARXIV_LINK = re.compile(r"https?://(?:www\.|export\.)?arxiv\.org/[^\s()<>\"'`\\]*", re.IGNORECASE)
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

    @model_validator(mode="before")
    @classmethod
    def _web_links_only(cls, data: Any) -> Any:
        """Links are http(s) or replaced: a records file's `javascript:` abs or pdf never reaches a file we write."""
        if not isinstance(data, dict):
            return data
        abs_url, pdf = data.get("abs_url"), data.get("pdf_url")
        if not (isinstance(abs_url, str) and _WEB_LINK.fullmatch(abs_url)) and isinstance(data.get("id"), str):
            data = {**data, "abs_url": arxiv_abs_link(data["id"])}
        if pdf is not None and not (isinstance(pdf, str) and _WEB_LINK.fullmatch(pdf)):
            data = {**data, "pdf_url": None}
        return data


def arxiv_abs_link(paper_id: str) -> str:
    """arXiv's abs page for an id; an id that is no arXiv id is quoted into the path, never a scheme."""
    try:
        return f"https://arxiv.org/abs/{parse_arxiv_id(paper_id)[0]}"
    except InvalidPaperIdError:
        return "https://arxiv.org/abs/" + quote(paper_id, safe="./-")


class Summary(BaseModel):
    """The five fields the LLM writes; exactly these names, in this order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tldr: str
    motivation: str
    method: str
    result: str
    conclusion: str


class NumberMark(BaseModel):
    """A number of a summary field, as written, and where it starts in that field."""

    model_config = ConfigDict(frozen=True)

    field: str
    number: str
    at: int


class Evidence(NumberMark):
    """A number the source states, with the sentence it stands in (what two numbers made, both sentences)."""

    sentence: str


class Checks(BaseModel):
    """The faithfulness gate's finding: numbers not found in the text the model saw, and each found one's source."""

    model_config = ConfigDict(frozen=True)

    unsupported: list[NumberMark] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)


SOURCES = ("abstract", "html", "tex")  # what a summary was written from, as a record's `source` names it


class SourceText(BaseModel):
    """What the model is shown of a paper: the abstract, or the selected full text and where it came from."""

    model_config = ConfigDict(frozen=True)

    kind: str = "abstract"  # one of SOURCES
    text: str = ""  # the body shown ("" for the abstract alone: the paper's own abstract is shown)
    tokens: int = 0  # the shown text's size, counted with tiktoken
    note: str | None = None  # why a richer source could not be used ("e-print: a tar with '../' paths")


class Entry(BaseModel):
    """A digest entry: a paper with its summary (and where the summary came from).

    `summary` is None for a paper that has none yet (imported from daily-arXiv-ai-enhanced's history with a
    placeholder, say): it is kept, so a later run can complete it, but no digest shows it.
    `day` is the date of the digest that holds it.
    """

    model_config = ConfigDict(frozen=True)

    paper: Paper
    summary: Summary | None
    language: str | None = None
    model: str | None = None
    day: str | None = None
    source: str | None = None  # "abstract", "html" or "tex": what the summary was written from
    checks: Checks | None = None
    # record keys of other tools (daily-arXiv-ai-enhanced's), written back as they came
    extra: dict[str, Any] = Field(default_factory=dict)


# What daily-arXiv-ai-enhanced writes when a summary failed: never a summary (seen in its history files).
PLACEHOLDERS = frozenset({"summary generation failed", "motivation analysis unavailable", "method extraction failed",
                          "result analysis unavailable", "conclusion extraction failed", "error", "n/a", ""})


def listed_only(entry: Entry) -> bool:
    """A paper the reader's ranking left unsummarized: listed at the end of its digest, never completed by
    `backfill --missing` (only `paper ID` summarizes it, on demand)."""
    rank = entry.extra.get("rank")
    return entry.summary is None and isinstance(rank, dict) and rank.get("summarized") is False


def is_placeholder(text: str) -> bool:
    return text.strip().strip(".").lower() in PLACEHOLDERS


def safe_abs_url(paper: Paper) -> str | None:
    """The paper's abs page as a link a page may show: built from the arXiv id, or the record's own
    link only when it is arXiv's over HTTPS. A `javascript:` URL from a records file never becomes a link."""
    try:
        paper_id, _ = parse_arxiv_id(paper.id)
        return f"https://arxiv.org/abs/{paper_id}"
    except InvalidPaperIdError:
        pass
    return paper.abs_url if re.match(r"https://(?:www\.|export\.)?arxiv\.org/", paper.abs_url) else None


def digest_link(paper: Paper) -> str:
    """The link of a paper's title in the Markdown digest: arXiv's own link as the record wrote it (so a digest
    reads back and renders byte for byte), else `safe_abs_url`, else the record's http(s) link."""
    if _ARXIV_LINK.fullmatch(paper.abs_url):
        return paper.abs_url
    return safe_abs_url(paper) or paper.abs_url


RECORD_KEYS = frozenset({"id", "title", "authors", "categories", "summary", "abs", "pdf", "comment", "AI", "version",
                         "published", "updated", "journal_ref", "doi", "language", "model", "date", "source", "checks"})


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
        "AI": entry.summary.model_dump() if entry.summary is not None else None,
        "version": p.version,
        "published": p.published.isoformat() if p.published else None,
        "updated": p.updated.isoformat() if p.updated else None,
        "journal_ref": p.journal_ref,
        "doi": p.doi,
        "language": entry.language,
        "model": entry.model,
    }
    if entry.day is not None:
        record["date"] = entry.day
    if entry.source is not None:
        record["source"] = entry.source
    if entry.checks is not None:
        record["checks"] = entry.checks.model_dump()
    record.update({k: v for k, v in entry.extra.items() if k not in record})
    return record


def paper_from_record(record: dict[str, Any]) -> Paper:
    """The paper part of a records line (ours or daily-arXiv-ai-enhanced's)."""
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


def summary_from_record(ai: Any, paper_id: str) -> Summary | None:
    """The five fields of a record's `AI`; None when there is no summary yet (absent, or placeholders).

    daily-arXiv-ai-enhanced's early records (March-April 2025) call the TL;DR `task`.
    """
    if ai is None:
        return None
    if not isinstance(ai, dict):
        raise ValueError(f"paper {paper_id}: 'AI' must be an object with the five summary fields")
    fields = dict(ai)
    if "tldr" not in fields and "task" in fields:
        fields["tldr"] = fields["task"]
    missing = [f for f in SUMMARY_FIELDS if not isinstance(fields.get(f), str)]
    if missing:
        raise ValueError(f"paper {paper_id}: 'AI' lacks {', '.join(missing)}")
    if any(is_placeholder(fields[f]) for f in SUMMARY_FIELDS):
        return None
    return Summary(**{f: _unescaped(fields[f]) for f in SUMMARY_FIELDS})


_ESCAPED = re.compile(r"\\u([0-9a-fA-F]{4})")


def _unescaped(text: str) -> str:
    """A field JSON-encoded twice (a few of DAE's records hold "\\u63d0\\u51fa…") as the text it encodes: its
    reader sees Chinese, and the faithfulness gate no numbers in the escapes."""
    if "\\u" not in text or len(_ESCAPED.findall(text)) * 6 < len(text) / 2:  # escapes are most of the text
        return text
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def _source(value: Any) -> str | None:
    if value is None or value in SOURCES:
        return value  # type: ignore[no-any-return]
    raise ValueError(f"'source' must be one of {', '.join(SOURCES)}, not {str(value)[:40]!r}")


def record_to_entry(record: Any, line: int | None = None, path: str | None = None) -> Entry:
    """Parse one records line; errors name the line and what is wrong."""
    try:
        if not isinstance(record, dict):
            raise ValueError("a record must be a JSON object")
        paper = paper_from_record(record)
        day = record.get("date")
        return Entry(paper=paper, summary=summary_from_record(record.get("AI"), paper.id),
                     language=record.get("language"), model=record.get("model"),
                     day=day if isinstance(day, str) else None,
                     source=_source(record.get("source")),
                     checks=Checks.model_validate(record["checks"]) if record.get("checks") is not None else None,
                     extra={k: v for k, v in record.items() if k not in RECORD_KEYS})
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise RecordsError(f"{loc}: {first['msg']}", line=line, path=path) from None
    except ValueError as exc:
        raise RecordsError(str(exc), line=line, path=path) from None
