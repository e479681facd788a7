"""Regenerate fixtures/arxiv/ and fixtures/llm/ from fixtures/sample-digest.md and fixtures/dae/.

Run once by hand (`python -m tests.make_fixtures`); the output is committed. What is real: each
paper's id, title, authors, abstract and primary category (the sample digest), and, for the 25
papers daily-arXiv-ai-enhanced also scraped (fixtures/dae/2025-12-25_AI_enhanced_Chinese.jsonl), their
secondary categories and comments; the LLM answers are the sample digest's summaries. What is
synthesized: submission times (spread over the window of the 2025-12-24 listing, Monday 22 Dec
14:00 to Tuesday 23 Dec 14:00 US-Eastern, in id order), versions (v1), arXiv's line wrapping of
long titles, and two entries the listing must *not* include: one outside every configured
category, one submitted the day before the window. The other 13 papers get no comment and no
secondary category rather than invented ones.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

from lxml import etree

from summarizer.core.digest.parser import parse_digest
from summarizer.core.models import Paper
from summarizer.demo.replay import ARXIV_NS, ATOM_NS, atom_feed
from tests.fakes import error_feed

ROOT = Path(__file__).resolve().parents[1]
WINDOW_START = datetime(2025, 12, 22, 19, 0, tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def real_metadata() -> dict[str, dict[str, object]]:
    """Categories (primary first) and comments of the papers daily-arXiv-ai-enhanced scraped, by id."""
    path = ROOT / "fixtures" / "dae" / "2025-12-25_AI_enhanced_Chinese.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["id"]: {"categories": r["categories"], "comment": r.get("comment")} for r in rows}


def entry(paper: Paper, published: datetime, index: int, real: dict[str, object] | None = None) -> etree._Element:
    e = etree.Element(f"{{{ATOM_NS}}}entry", nsmap={None: ATOM_NS, "arxiv": ARXIV_NS})
    version = 1

    def sub(tag: str, text: str | None = None, ns: str = ATOM_NS, **attrs: str) -> etree._Element:
        el = etree.SubElement(e, f"{{{ns}}}{tag}", **attrs)
        if text is not None:
            el.text = text
        return el

    sub("id", f"http://arxiv.org/abs/{paper.id}v{version}")
    title = paper.title
    if index % 4 == 0 and " " in title:  # arXiv wraps long titles; the fetcher must collapse it
        head, tail = title.split(" ", 1)
        title = f"{head}\n  {tail}"
    sub("title", title)
    sub("updated", _stamp(published + timedelta(hours=version - 1)))
    sub("link", href=f"https://arxiv.org/abs/{paper.id}v{version}", rel="alternate", type="text/html")
    sub("link", href=f"https://arxiv.org/pdf/{paper.id}v{version}", rel="related", type="application/pdf",
        title="pdf")
    sub("summary", f"  {paper.abstract}\n")
    cats = list(real["categories"]) if real else [paper.primary_category]  # type: ignore[call-overload]
    assert cats[0] == paper.primary_category, paper.id
    for cat in cats:
        sub("category", term=cat, scheme="http://arxiv.org/schemas/atom")
    sub("published", _stamp(published))
    if real and real.get("comment"):
        sub("comment", str(real["comment"]), ns=ARXIV_NS)
    sub("primary_category", term=paper.primary_category, ns=ARXIV_NS)
    for name in paper.authors:
        author = sub("author")
        etree.SubElement(author, f"{{{ATOM_NS}}}name").text = name
    return e


def main() -> None:
    entries = parse_digest((ROOT / "fixtures" / "sample-digest.md").read_text(encoding="utf-8"))
    papers = sorted((e.paper for e in entries), key=lambda p: p.id)
    step = timedelta(hours=24) / (len(papers) + 1)
    real = real_metadata()
    elements = [entry(p, WINDOW_START + step * (i + 1), i, real.get(p.id)) for i, p in enumerate(papers)]
    noise_cv = Paper(id="2512.20700", title="A Vision Paper Outside The Configured Categories",
                     authors=["A. Author"], abstract="Not in cs.IR, cs.AI or cs.LG.", primary_category="cs.CV",
                     categories=["cs.CV"], abs_url="https://arxiv.org/abs/2512.20700")
    noise_early = Paper(id="2512.19999", title="Submitted Before The Window",
                        authors=["B. Author"], abstract="Belongs to the 2025-12-23 listing.",
                        primary_category="cs.AI", categories=["cs.AI"],
                        abs_url="https://arxiv.org/abs/2512.19999")
    elements.append(entry(noise_cv, WINDOW_START + timedelta(hours=3), 1))
    elements.append(entry(noise_early, WINDOW_START - timedelta(hours=5), 1))
    arxiv_dir = ROOT / "fixtures" / "arxiv"
    arxiv_dir.mkdir(parents=True, exist_ok=True)
    (arxiv_dir / "listing-2025-12-24.xml").write_bytes(
        atom_feed(elements, total=len(elements), per_page=len(elements)))
    (arxiv_dir / "empty.xml").write_bytes(atom_feed([], total=0, per_page=200))
    (arxiv_dir / "error-400.xml").write_bytes(error_feed("incorrect id format for 2512.2078x"))
    llm_dir = ROOT / "fixtures" / "llm"
    llm_dir.mkdir(parents=True, exist_ok=True)
    with (llm_dir / "answers.jsonl").open("w", encoding="utf-8") as out:
        for e in entries:
            assert e.summary is not None
            out.write(json.dumps({"id": e.paper.id, "title": e.paper.title, "answer": e.summary.model_dump()},
                                 ensure_ascii=False) + "\n")
    rss_items = "".join(
        f"<item><title>{escape(p.title)}</title><link>https://arxiv.org/abs/{p.id}</link>"
        f"<description>arXiv:{p.id}v1 Announce Type: {kind}</description>"
        f"<guid isPermaLink=\"false\">oai:arXiv.org:{p.id}v1</guid><category>{p.primary_category}</category>"
        f"<pubDate>Wed, 24 Dec 2025 00:00:00 -0500</pubDate><arxiv:announce_type>{kind}</arxiv:announce_type>"
        "</item>"
        for p, kind in [(p, "new") for p in papers] + [(noise_early, "replace")]
    )
    (arxiv_dir / "rss-2025-12-24.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss xmlns:arxiv="http://arxiv.org/schemas/atom" version="2.0">'
        "<channel><title>cs.IR+cs.AI updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.IR+cs.AI</link>"
        "<description>cs.IR+cs.AI updates on the arXiv.org e-print archive.</description>"
        "<lastBuildDate>Wed, 24 Dec 2025 05:00:00 +0000</lastBuildDate>"
        "<pubDate>Wed, 24 Dec 2025 00:00:00 -0500</pubDate>"
        f"{rss_items}</channel></rss>\n", encoding="utf-8")


if __name__ == "__main__":
    main()
