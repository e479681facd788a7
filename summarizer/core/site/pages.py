"""The static site's files as text: the page shell, each day's data, search shards, the manifest.

Pure functions over entries. Data is shipped as script files (`SITE.day(...)`, `SITE.shard(...)`),
not JSON fetched at run time, because browsers refuse `fetch` of local files: the site works
opened from disk as well as from any static host. Every URL a page links to is built from the
arXiv id (or is arXiv's own over HTTPS): a records file cannot smuggle a `javascript:` link in.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from summarizer.core.digest.render import order_categories
from summarizer.core.languages import Language
from summarizer.core.models import Entry, safe_abs_url


def _compact(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def pdf_url(entry: Entry) -> str | None:
    abs_url = safe_abs_url(entry.paper)
    return abs_url.replace("/abs/", "/pdf/", 1) if abs_url else None


def ordered_papers(entries: Sequence[Entry], categories: Sequence[str] | None) -> list[tuple[int | None, Entry]]:
    """A day's papers as its digest shows them, numbered; those still without a summary follow, unnumbered."""
    sections = order_categories((e.paper.primary_category for e in entries), categories)
    position = {cat: n for n, cat in enumerate(sections)}
    summarized = sorted((e for e in entries if e.summary is not None),
                        key=lambda e: position[e.paper.primary_category])  # stable: keeps each section's order
    waiting = [e for e in entries if e.summary is None]
    return [(n, e) for n, e in enumerate(summarized, start=1)] + [(None, e) for e in waiting]


# A day's paper rows use short keys (a day of 200 papers is loaded at once). This table is the one place
# they are named: it ships in the manifest and app.js reads every field through it.
ROW_KEYS = {"id": "id", "number": "n", "title": "t", "authors": "a", "categories": "c", "url": "u", "pdf": "pdf",
            "abstract": "ab", "comment": "cm", "tldr": "tl", "motivation": "mo", "method": "me", "result": "re",
            "conclusion": "co", "score": "rk", "why": "why", "similar": "ml", "listed": "ls", "checks": "ck",
            "source": "src"}
K = ROW_KEYS


def paper_row(number: int | None, entry: Entry, similar: Sequence[list[str]] | None = None) -> dict[str, Any]:
    """One paper of a day's data, by the short keys of `ROW_KEYS`."""
    p, s = entry.paper, entry.summary
    row: dict[str, Any] = {K["id"]: p.id, K["number"]: number, K["title"]: p.title, K["authors"]: p.authors,
                           K["categories"]: p.categories or [p.primary_category], K["url"]: safe_abs_url(p),
                           K["pdf"]: pdf_url(entry), K["abstract"]: p.abstract}
    if p.comment:
        row[K["comment"]] = p.comment
    if s is not None:
        row.update({K["tldr"]: s.tldr, K["motivation"]: s.motivation, K["method"]: s.method, K["result"]: s.result,
                    K["conclusion"]: s.conclusion})
    if s is not None and entry.checks is not None and (entry.checks.unsupported or entry.checks.evidence):
        # the gate's finding: [field, at, number] unsupported, [field, at, number, sentence] found
        row[K["checks"]] = {"u": [[m.field, m.at, m.number] for m in entry.checks.unsupported],
                            "e": [[e.field, e.at, e.number, e.sentence] for e in entry.checks.evidence]}
    if s is not None and entry.source:
        row[K["source"]] = entry.source
    rank = entry.extra.get("rank")
    if isinstance(rank, dict) and isinstance(rank.get("score"), int | float):
        row[K["score"]], row[K["why"]] = rank["score"], str(rank.get("why") or "")
        if rank.get("summarized") is False:
            row[K["listed"]] = 1
    if similar:
        row[K["similar"]] = list(similar)
    return row


def packed(data: Any) -> str:
    """JSON gzipped and base64-encoded, as a script string: about half the bytes of the plain JSON, which
    keeps years of days within a static host's size limit (1 GB for GitHub Pages); the browser inflates
    it with DecompressionStream. Deterministic (no time stamp in the gzip header)."""
    return base64.b64encode(gzip.compress(_compact(data).encode("utf-8"), 9, mtime=0)).decode("ascii")


def day_script(day: str, entries: Sequence[Entry], categories: Sequence[str] | None,
               similar: dict[str, list[list[str]]] | None = None, compress: bool = False) -> str:
    """`similar`: each paper's nearest papers across the history, as [day, id, title]; `compress`: a packed
    day (older days), inflated by the page."""
    papers = [paper_row(n, e, (similar or {}).get(e.paper.id)) for n, e in ordered_papers(entries, categories)]
    if compress:
        return f"SITE.dayz({_compact(day)},{_compact(packed({'papers': papers}))});\n"
    return f"SITE.day({_compact(day)},{_compact({'papers': papers})});\n"


def search_rows(day: str, entries: Iterable[Entry]) -> list[list[str]]:
    """What every day's search covers: [day, id, title, authors, categories, TL;DR] per paper."""
    return [[day, e.paper.id, e.paper.title, ", ".join(e.paper.authors),
             " ".join(e.paper.categories or [e.paper.primary_category]), e.summary.tldr if e.summary else ""]
            for e in entries]


def shard_script(month: str, rows: Iterable[list[str]], compress: bool = False) -> str:
    """A month of the search index, newest day first (packed for older months)."""
    ordered = sorted(rows, key=lambda r: r[0], reverse=True)
    if compress:
        return f"SITE.shardz({_compact(month)},{_compact(packed(ordered))});\n"
    return f"SITE.shard({_compact(month)},{_compact(ordered)});\n"


def day_stats(entries: Sequence[Entry]) -> dict[str, Any]:
    """Paper count and primary-category counts of a day (summarized papers: what the day shows numbered)."""
    cats: dict[str, int] = {}
    for entry in entries:
        cats[entry.paper.primary_category] = cats.get(entry.paper.primary_category, 0) + 1
    return {"count": len(entries), "summarized": sum(e.summary is not None for e in entries), "cats": cats}


def manifest_script(title: str, language: Language, days: dict[str, dict[str, Any]], shards: Sequence[str],
                    categories: Sequence[str], generated: str) -> str:
    """Every day (newest first) with its counts, the search shards (newest first), the site's language."""
    manifest = {"title": title, "lang": language.tag, "generated": generated, "categories": list(categories),
                "keys": ROW_KEYS,
                "days": [[day, days[day]["count"], days[day]["cats"]] for day in sorted(days, reverse=True)],
                "shards": sorted(shards, reverse=True)}
    return f"window.SITE_MANIFEST={_compact(manifest)};\n"


def index_html(title: str, language: Language, asset_version: str) -> str:
    """The page shell: the app draws everything from the manifest and the day it loads."""
    t = escape(title)
    v = escape(asset_version)
    return f"""<!DOCTYPE html>
<html lang="{escape(language.tag)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t}</title>
<link rel="icon" href="data:,">
<link rel="alternate" type="application/atom+xml" title="{t}" href="feed.xml">
<link rel="stylesheet" href="assets/app.css?v={v}">
</head>
<body>
<header class="top">
<h1><a href="index.html">{t}</a></h1>
<form id="search" role="search"><input id="q" type="search" name="q" autocomplete="off">
<button type="submit"></button></form>
<nav id="days" aria-label="days"></nav>
</header>
<details id="prefs"><summary></summary><form id="prefs-form"></form></details>
<main id="main"><p class="loading">…</p></main>
<noscript><p>This site needs JavaScript to show the papers; the digests are also in the folder above it as
Markdown.</p></noscript>
<script src="data/manifest.js?v={v}"></script>
<script src="assets/app.js?v={v}"></script>
</body>
</html>
"""
