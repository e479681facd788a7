"""A digest as one standalone HTML page: same sections, numbers and anchors as the Markdown.

Every piece of text is escaped (an abstract with `p < 0.001` or `<script>` shows as text), the
page carries its own CSS (no fetches at view time) and reads on a phone.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from summarizer.models import Entry
from summarizer.render import group_by_section

_CSS = """
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


def _field(label: str, text: str) -> str:
    return f'<p class="field"><span class="label">{escape(label)}:</span> {escape(text)}</p>\n'


def render_html(entries: Sequence[Entry], categories: Sequence[str] | None = None, title: str = "arXiv digest") -> str:
    sections = group_by_section(entries, categories)
    out = [
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n",
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n",
        f'<div id="toc"></div>\n<h1>{escape(title)}</h1>\n<h2>Table of Contents</h2>\n<ul>\n',
    ]
    for cat, items in sections:
        out.append(f'<li><a href="#{escape(cat)}">{escape(cat)}</a> [Total: {len(items)}]</li>\n')
    out.append("</ul>\n")
    index = 0
    for cat, items in sections:
        out.append(f'<section id="{escape(cat)}">\n<h2>{escape(cat)} '
                   f'<a class="back" href="#toc">[Back]</a></h2>\n')
        for entry in items:
            index += 1
            p, s = entry.paper, entry.summary
            out.append(
                f'<article id="paper-{index}">\n'
                f'<h3>[{index}] <a href="{escape(p.abs_url)}">{escape(p.title)}</a></h3>\n'
                f'<p class="authors">{escape(", ".join(p.authors))}</p>\n'
                + _field("Main category", p.primary_category)
                + _field("TL;DR", s.tldr)
                + "<details>\n<summary>Details</summary>\n"
                + _field("Motivation", s.motivation)
                + _field("Method", s.method)
                + _field("Result", s.result)
                + _field("Conclusion", s.conclusion)
                + _field("Abstract", p.abstract)
                + "</details>\n</article>\n"
            )
        out.append("</section>\n")
    out.append("</body>\n</html>\n")
    return "".join(out)
