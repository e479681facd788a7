"""The standalone HTML page: escaped text, one <details> per paper, anchors that match the TOC."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from summarizer.core.digest.html import render_html
from summarizer.core.models import Entry


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for key, value in attrs:
            if key == "id" and value:
                self.ids.append(value)
            if key == "href" and value:
                self.hrefs.append(value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_sample_page_has_every_paper_and_matching_anchors(sample_entries: list[Entry]) -> None:
    page = render_html(sample_entries)
    collector = _Collector()
    collector.feed(page)
    assert collector.tags.count("details") == 38
    assert collector.tags.count("article") == 38
    toc_targets = [h[1:] for h in collector.hrefs if h.startswith("#") and h != "#toc"]
    assert toc_targets == ["cs.IR", "cs.AI"]
    assert set(toc_targets) <= set(collector.ids)
    text = "".join(collector.text)
    for entry in sample_entries:
        assert entry.paper.title in text
        assert entry.summary.tldr in text
    assert "http://" not in page.replace('href="https://arxiv.org', "")  # nothing fetched at view time
    assert not re.search(r"<(script|link|img)\b", page)


def test_text_is_escaped(sample_entries: list[Entry]) -> None:
    paper = sample_entries[0].paper.model_copy(
        update={"abstract": "We find p < 0.001 and <script>alert(1)</script> & more", "title": "A <b> title"}
    )
    page = render_html([sample_entries[0].model_copy(update={"paper": paper})])
    assert "<script>" not in page and "<b>" not in page
    assert "p &lt; 0.001 and &lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    collector = _Collector()
    collector.feed(page)
    assert "We find p < 0.001 and <script>alert(1)</script> & more" in "".join(collector.text)
