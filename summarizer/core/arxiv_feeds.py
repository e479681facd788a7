"""arXiv's two feeds read into our records: the API's Atom pages and the announcement RSS feed.

Our own small parser over `lxml`, in the arXiv API user manual's terms ("Details of Atom Results
Returned"), instead of the `arxiv` package's private `_feed` module: a minor release of `arxiv`
may rename a private module, and only a lower bound is pinned. Each page is parsed once. Pure
functions: bytes in, records or a `FeedError` out; the fetcher decides what to retry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from lxml import etree

from summarizer.core.errors import InvalidPaperIdError
from summarizer.core.models import Paper, parse_arxiv_id

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class FeedError(ValueError):
    """Bytes that are not the feed they should be (malformed XML, another document, an unreadable entry)."""

    def __init__(self, message: str, retry: bool = True) -> None:
        self.retry = retry  # malformed or truncated pages are worth asking again; an unreadable id is not
        super().__init__(message)


@dataclass
class AtomPage:
    total: int  # results the query matched
    papers: list[Paper]
    entries: int = 0  # <entry> elements on the page, the empty ones of missing ids included: what paging counts


def _xml(content: bytes) -> Any:
    try:
        root = etree.fromstring(content, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"malformed XML from arXiv ({exc.msg})") from None
    if root is None:
        raise FeedError("arXiv's answer is empty")
    return root


def _text(node: Any, tag: str) -> str | None:
    found = node.find(tag)
    return found.text if found is not None and found.text is not None else None


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def paper_from_entry(entry: Any) -> Paper:
    """One `<entry>` of an API page: fields kept faithfully, primary category first, title on one line."""
    raw_id = (_text(entry, f"{ATOM}id") or "").strip()
    try:
        paper_id, version = parse_arxiv_id(raw_id)
    except InvalidPaperIdError:
        raise FeedError(f"arXiv returned an entry with an unreadable id ({raw_id!r})", retry=False) from None
    listed = [c.get("term") for c in entry.findall(f"{ATOM}category") if c.get("term")]
    primary_node = entry.find(f"{ARXIV}primary_category")
    primary = primary_node.get("term") if primary_node is not None and primary_node.get("term") else None
    primary = primary or (listed[0] if listed else None)
    if primary is None:
        raise FeedError(f"arXiv's entry {paper_id} has no category", retry=False)
    pdf = next((link.get("href") for link in entry.findall(f"{ATOM}link") if link.get("title") == "pdf"), None)
    try:
        published, updated = _when(_text(entry, f"{ATOM}published")), _when(_text(entry, f"{ATOM}updated"))
    except ValueError:
        raise FeedError(f"arXiv's entry {paper_id} has an unreadable date", retry=False) from None
    return Paper(
        id=paper_id,
        version=version,
        title=re.sub(r"\s+", " ", _text(entry, f"{ATOM}title") or "").strip(),
        authors=[(a.findtext(f"{ATOM}name") or "").strip() for a in entry.findall(f"{ATOM}author")],
        abstract=(_text(entry, f"{ATOM}summary") or "").strip(),
        primary_category=primary,
        categories=[primary] + [c for c in dict.fromkeys(listed) if c != primary],
        comment=_text(entry, f"{ARXIV}comment"),
        journal_ref=_text(entry, f"{ARXIV}journal_ref"),
        doi=_text(entry, f"{ARXIV}doi"),
        published=published,
        updated=updated,
        abs_url=f"https://arxiv.org/abs/{paper_id}",
        pdf_url=pdf or f"https://arxiv.org/pdf/{paper_id}",
    )


def parse_atom(content: bytes) -> AtomPage:
    """A page of arXiv's Atom API, parsed once: the total the query matched and the page's papers.

    An entry with no <id> is what arXiv returns for an `id_list` id it does not have: skipped. An
    entry titled Error on a 200 is arXiv refusing the query.
    """
    root = _xml(content)
    if root.tag != f"{ATOM}feed":
        raise FeedError("arXiv's answer is not an Atom feed")
    total_text = (root.findtext(f"{OPENSEARCH}totalResults") or "").strip()
    if not total_text.isdigit():
        raise FeedError("arXiv's Atom feed has no opensearch:totalResults (a truncated page?)")
    papers = []
    entries = 0
    for entry in root.iter(f"{ATOM}entry"):
        entries += 1
        if (entry.findtext(f"{ATOM}title") or "").strip() == "Error" and "/api/errors" in (
                entry.findtext(f"{ATOM}id") or ""):
            raise FeedError(f"arXiv refused the query: {(entry.findtext(f'{ATOM}summary') or '').strip()}",
                            retry=False)
        if (entry.findtext(f"{ATOM}id") or "").strip():
            papers.append(paper_from_entry(entry))
    return AtomPage(total=int(total_text), papers=papers, entries=entries)


def arxiv_error_text(content: bytes) -> str | None:
    """The message of arXiv's error feed (an <entry> titled Error), if that is what this is."""
    try:
        root = _xml(content)
    except FeedError:
        return None
    for entry in root.iter(f"{ATOM}entry"):
        if (entry.findtext(f"{ATOM}title") or "").strip() == "Error":
            return (entry.findtext(f"{ATOM}summary") or "").strip() or "unspecified error"
    return None


@dataclass
class RssItem:
    id: str
    announce_type: str  # new, cross, replace, replace-cross
    categories: list[str]


def parse_rss(content: bytes) -> tuple[date | None, list[RssItem]]:
    """(the listing date the feed carries, its items) of arXiv's announcement RSS feed."""
    root = _xml(content)
    channel = root.find("channel")
    if channel is None:
        raise FeedError("arXiv's RSS answer has no <channel>")
    stamp = channel.findtext("pubDate") or channel.findtext("lastBuildDate")
    try:
        carried = parsedate_to_datetime(stamp).date() if stamp else None
    except (TypeError, ValueError):
        raise FeedError(f"arXiv's RSS feed has an unreadable date ({stamp!r})") from None
    items = []
    for item in channel.iter("item"):
        guid = (item.findtext("guid") or item.findtext("link") or "").strip()
        try:
            paper_id = parse_arxiv_id(guid.removeprefix("oai:arXiv.org:"))[0]
        except InvalidPaperIdError:
            raise FeedError(f"arXiv's RSS feed lists an unreadable id ({guid!r})") from None
        kind = (item.findtext(f"{ARXIV}announce_type") or "new").strip()
        items.append(RssItem(paper_id, kind, [(c.text or "").strip() for c in item.findall("category") if c.text]))
    return carried, items
