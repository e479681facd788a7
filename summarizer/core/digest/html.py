"""A digest as one standalone HTML page: same sections, numbers and anchors as the Markdown.

Every piece of text is escaped (an abstract with `p < 0.001` or `<script>` shows as text), the
page carries its own CSS (no fetches at view time) and reads on a phone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from html import escape

from summarizer.core.checks.marks import marked
from summarizer.core.digest.render import OTHER_ANCHOR, OTHER_TITLE, group_by_section, listed_entries
from summarizer.core.models import Entry, safe_abs_url

_CSS = """.unsupported{color:#b00020;border-bottom:1px dashed #b00020;cursor:help}

:root { color-scheme: light dark; }
body { font: 16px/1.6 -apple-system, "Segoe UI", "PingFang SC", "Noto Sans CJK SC", sans-serif;
       max-width: 52rem; margin: 0 auto; padding: 1rem; overflow-wrap: anywhere; }
h1 { font-size: 1.4rem; } h3 { font-size: 1.1rem; margin-bottom: .3rem; }
.authors { font-style: italic; margin: 0 0 .5rem; }
.field { white-space: pre-wrap; margin: .4rem 0; }
.label { font-weight: 600; }
details { margin: .5rem 0 1.5rem; } summary { cursor: pointer; }
a { color: #0a58ca; } .back { font-size: .9rem; font-weight: normal; }
"""


def _field(label: str, text: str, entry: Entry | None = None, name: str = "") -> str:
    body = marked(text, name, entry.checks) if entry is not None else escape(text)
    return f'<p class="field"><span class="label">{escape(label)}:</span> {body}</p>\n'


def html_chunks(sections: Sequence[tuple[str, int]], entries: Iterable[Entry], title: str,
                listed: Sequence[Entry] = ()) -> Iterator[str]:
    """The page piece by piece, like `render.digest_chunks`: (category, count) pairs and papers in display order,
    then the papers listed unsummarized."""
    yield "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
    yield '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    yield f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
    yield f'<div id="toc"></div>\n<h1>{escape(title)}</h1>\n<h2>Table of Contents</h2>\n<ul>\n'
    for cat, count in sections:
        yield f'<li><a href="#{escape(cat)}">{escape(cat)}</a> [Total: {count}]</li>\n'
    if listed:
        yield f'<li><a href="#{OTHER_ANCHOR}">{escape(OTHER_TITLE)}</a> [Total: {len(listed)}]</li>\n'
    yield "</ul>\n"
    papers = iter(entries)
    index = 0
    for cat, count in sections:
        yield f'<section id="{escape(cat)}">\n<h2>{escape(cat)} <a class="back" href="#toc">[Back]</a></h2>\n'
        for _ in range(count):
            index += 1
            yield _article(next(papers), index)
        yield "</section>\n"
    if listed:
        yield (f'<section id="{OTHER_ANCHOR}">\n<h2>{escape(OTHER_TITLE)} <a class="back" href="#toc">[Back]</a></h2>\n'
               "<ul>\n")
        yield from (_listed(e) for e in listed)
        yield "</ul>\n</section>\n"
    yield "</body>\n</html>\n"


def _article(entry: Entry, index: int) -> str:
    p, s = entry.paper, entry.summary
    if s is None:
        raise ValueError(f"paper {p.id} has no summary to render")
    url = safe_abs_url(p)
    title = f'<a href="{escape(url)}">{escape(p.title)}</a>' if url else escape(p.title)
    return (
        f'<article id="paper-{index}">\n'
        f"<h3>[{index}] {title}</h3>\n"
        f'<p class="authors">{escape(", ".join(p.authors))}</p>\n'
        + _field("Main category", p.primary_category)
        + _field("TL;DR", s.tldr, entry, "tldr")
        + "<details>\n<summary>Details</summary>\n"
        + _field("Motivation", s.motivation)
        + _field("Method", s.method, entry, "method")
        + _field("Result", s.result, entry, "result")
        + _field("Conclusion", s.conclusion)
        + _field("Abstract", p.abstract)
        + "</details>\n</article>\n"
    )


def _listed(entry: Entry) -> str:
    p = entry.paper
    rank = entry.extra.get("rank") or {}
    url = safe_abs_url(p)
    title = f'<a href="{escape(url)}">{escape(p.title)}</a>' if url else escape(p.title)
    why = f" · {escape(str(rank['why']))}" if rank.get("why") else ""
    return (f'<li>{title} · <span class="authors">{escape(", ".join(p.authors))}</span> · '
            f"{escape(p.primary_category)} · score {float(rank.get('score') or 0):.3f}{why}</li>\n")


def render_html(entries: Sequence[Entry], categories: Sequence[str] | None = None, title: str = "arXiv digest") -> str:
    sections = group_by_section(entries, categories)
    counts = [(cat, len(items)) for cat, items in sections]
    return "".join(html_chunks(counts, (e for _, items in sections for e in items), title,
                               listed_entries(entries)))
