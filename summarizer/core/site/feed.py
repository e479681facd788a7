"""The site's Atom feed: one entry per paper of the last days, its TL;DR and details as content.

Built with `feedgen`, so the XML is well-formed and valid Atom whatever the text holds (readers
parse it with feedparser without its bozo flag). Papers without a summary yet are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape

from summarizer.core.models import Entry, safe_abs_url

LABELS = ("Motivation", "Method", "Result", "Conclusion")


def _content(entry: Entry) -> str:
    s = entry.summary
    assert s is not None
    parts = [f"<p><b>TL;DR</b> {escape(s.tldr)}</p>"]
    for label, text in zip(LABELS, (s.motivation, s.method, s.result, s.conclusion), strict=True):
        parts.append(f"<p><b>{label}</b> {escape(text)}</p>")
    parts.append(f"<p><b>Abstract</b> {escape(entry.paper.abstract)}</p>")
    return "".join(parts)


def atom_feed(title: str, base_url: str | None, days: Sequence[tuple[str, Sequence[Entry]]], generated: datetime,
              language: str) -> bytes:
    """`days` newest first, each (YYYY-MM-DD, entries); the feed's own links use `base_url` when known."""
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    root = (base_url or "").rstrip("/")
    feed.id(root + "/feed.xml" if root else "urn:summarizer:feed")
    feed.title(title)
    feed.language(language)
    feed.updated(generated)
    feed.link(href=(root + "/") if root else "https://arxiv.org/", rel="alternate")
    if root:
        feed.link(href=root + "/feed.xml", rel="self")
    for day, entries in days:
        updated = datetime.fromisoformat(day).replace(tzinfo=UTC)
        for entry in entries:
            url = safe_abs_url(entry.paper)
            if entry.summary is None or url is None:
                continue
            item = feed.add_entry(order="append")
            item.id(f"{url}#{day}")
            item.title(entry.paper.title)
            item.link(href=url)
            for name in entry.paper.authors or ["unknown"]:
                item.author(name=name)
            item.updated(updated)
            item.published(updated)
            item.summary(entry.summary.tldr)
            item.content(_content(entry), type="html")
    data: bytes = feed.atom_str(pretty=True)
    return data
