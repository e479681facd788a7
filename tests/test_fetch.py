"""The fetcher against a loopback server speaking arXiv's API, in every fault case."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from summarizer.core.errors import ArxivAPIError, FetchError, InvalidPaperIdError
from summarizer.core.models import Paper, parse_arxiv_id
from summarizer.core.settings import ArxivSettings
from summarizer.edges.fetch import ArxivFetcher, parse_rss
from tests.fakes import FIXTURES, FakeServer, Sleeps

DAY = date(2025, 12, 24)


@pytest.fixture
def server() -> AsyncIterator[FakeServer]:
    with FakeServer() as srv:
        yield srv  # type: ignore[misc]


def fetcher(server: FakeServer, client: httpx.AsyncClient, sleeps: Sleeps, **overrides: object) -> ArxivFetcher:
    settings = ArxivSettings(categories=["cs.IR", "cs.AI", "cs.LG"], api_url=f"{server.url}/api/query",
                             rss_url=f"{server.url}/rss/cs.IR+cs.AI", timeout_seconds=0.5, delay_seconds=3,
                             **overrides)  # type: ignore[arg-type]
    return ArxivFetcher(settings, client, sleep=sleeps)


def listing(f: ArxivFetcher, **kw: object) -> list[Paper]:
    async def go() -> list[Paper]:
        return [p async for p in f.listing(DAY, **kw)]  # type: ignore[arg-type]
    return asyncio.run(go())


def run(coro_factory):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        async with httpx.AsyncClient() as client:
            return await coro_factory(client)
    return asyncio.run(go())


def expected_ids(sample_entries: list) -> list[str]:  # type: ignore[type-arg]
    return sorted(e.paper.id for e in sample_entries)


def by_comment(papers: list[Paper], paper_id: str) -> str:
    return next(p.comment or "" for p in papers if p.id == paper_id)


def test_exact_listing_with_fields_kept(server: FakeServer, sample_entries: list) -> None:  # type: ignore[type-arg]
    sleeps = Sleeps()

    async def go(client: httpx.AsyncClient) -> list[Paper]:
        f = fetcher(server, client, sleeps, page_size=10)
        return [p async for p in f.listing(DAY)]

    papers = run(go)
    assert [p.id for p in papers] == sorted(p.id for p in papers)
    assert sorted(p.id for p in papers) == expected_ids(sample_entries)  # no cs.CV paper, nothing early
    by_id = {e.paper.id: e.paper for e in sample_entries}
    for paper in papers:
        assert paper.title == by_id[paper.id].title  # wrapped titles collapsed
        assert paper.abstract == by_id[paper.id].abstract  # stripped, paragraph breaks kept
        assert paper.authors == by_id[paper.id].authors
        assert paper.categories[0] == paper.primary_category == by_id[paper.id].primary_category
    # the recording's comments and secondary categories are the real ones (the other tool's records)
    assert by_comment(papers, "2512.20628").startswith("Conference proceedings; 325 pages")
    assert any(len(p.categories) > 1 for p in papers) and all(p.version == 1 for p in papers)
    api = server.state.requests("/api/query")
    assert len(api) == 4  # 38 papers, pages of 10
    assert "submittedDate:[202512221900 TO 202512231900]" in api[0].params["search_query"]
    assert sleeps.calls and all(2.9 < s <= 3 for s in sleeps.calls)  # arXiv's 3 s between requests
    assert server.state.max_in_flight == 1


@pytest.mark.parametrize("fault", ["empty", "503", "500", "timeout", "malformed", "html"])
def test_faults_are_retried_and_the_listing_stays_exact(server: FakeServer, sample_entries: list,  # type: ignore[type-arg]
                                                       fault: str) -> None:
    server.state.arxiv_faults = [None, fault, fault]  # type: ignore[list-item]
    sleeps = Sleeps()

    async def go(client: httpx.AsyncClient) -> tuple[list[Paper], ArxivFetcher]:
        f = fetcher(server, client, sleeps, page_size=10)
        return [p async for p in f.listing(DAY)], f

    papers, f = run(go)
    assert sorted(p.id for p in papers) == expected_ids(sample_entries)
    assert len({p.id for p in papers}) == len(papers)
    assert f.stats.retries == 2


def test_retry_after_is_honoured(server: FakeServer) -> None:
    server.state.arxiv_faults = ["429"]
    sleeps = Sleeps()

    async def go(client: httpx.AsyncClient) -> list[Paper]:
        return [p async for p in fetcher(server, client, sleeps).listing(DAY)]

    assert len(run(go)) == 38
    assert 7.0 <= sleeps.calls[0] <= 7.0 + 2.0  # Retry-After: 7, plus jitter of at most one backoff unit


def test_gives_up_with_a_clear_error(server: FakeServer) -> None:
    server.state.arxiv_faults = ["503"] * 10
    sleeps = Sleeps()

    async def go(client: httpx.AsyncClient) -> list[Paper]:
        return [p async for p in fetcher(server, client, sleeps, max_retries=2).listing(DAY)]

    with pytest.raises(FetchError, match=r"arXiv answered HTTP 503 \(gave up after 3 attempts\)"):
        run(go)


def test_a_connection_that_never_answers_is_an_error_not_a_hang(server: FakeServer) -> None:
    server.state.arxiv_faults = ["timeout"] * 3
    sleeps = Sleeps()

    async def go(client: httpx.AsyncClient) -> list[Paper]:
        return [p async for p in fetcher(server, client, sleeps, max_retries=2).listing(DAY)]

    with pytest.raises(FetchError, match="did not answer within 0.5 s"):
        run(go)


def test_arxiv_error_feed_is_quoted(server: FakeServer) -> None:
    server.state.arxiv_faults = ["error400"]

    async def go(client: httpx.AsyncClient) -> Paper:
        return await fetcher(server, client, Sleeps()).one("2512.20781")

    with pytest.raises(ArxivAPIError, match="incorrect id format for 2512.2078x"):
        run(go)
    assert len(server.state.requests("/api/query")) == 1  # a 400 is not retried


def test_empty_window_is_empty_not_an_error(server: FakeServer) -> None:
    async def go(client: httpx.AsyncClient) -> list[Paper]:
        f = fetcher(server, client, Sleeps())
        return [p async for p in f.listing(date(2025, 12, 26))]

    assert run(go) == []


def test_history_lookback_catches_late_papers_and_drops_digested_ones(server: FakeServer,
                                                                     sample_entries: list) -> None:  # type: ignore[type-arg]
    digested = {sample_entries[0].paper.id}

    async def go(client: httpx.AsyncClient) -> list[Paper]:
        return [p async for p in fetcher(server, client, Sleeps()).listing(DAY, exclude=digested)]

    ids = {p.id for p in run(go)}
    assert "2512.19999" in ids  # submitted before the window, never digested
    assert sample_entries[0].paper.id not in ids
    query = server.state.requests("/api/query")[0].params["search_query"]
    assert "submittedDate:[202512181900 TO 202512231900]" in query


def test_rss_lists_exactly_the_announced_papers(server: FakeServer, sample_entries: list) -> None:  # type: ignore[type-arg]
    server.state.rss = (FIXTURES / "arxiv" / "rss-2025-12-24.xml").read_bytes()

    async def go(client: httpx.AsyncClient) -> list[Paper]:
        return [p async for p in fetcher(server, client, Sleeps(), id_batch_size=15).listing(DAY, use_rss=True)]

    papers = run(go)
    assert sorted(p.id for p in papers) == expected_ids(sample_entries)  # 'replace' entries left out
    api = server.state.requests("/api/query")
    assert len(api) == 3 and all(r.params["id_list"] for r in api)


def test_stale_or_missing_rss_falls_back_to_the_window(server: FakeServer) -> None:
    rss = (FIXTURES / "arxiv" / "rss-2025-12-24.xml").read_bytes()
    server.state.rss = rss.replace(b"<pubDate>Wed, 24 Dec 2025 00:00:00 -0500</pubDate><arxiv",
                                   b"<pubDate>Tue, 23 Dec 2025 00:00:00 -0500</pubDate><arxiv", 1)
    server.state.rss = rss.replace(b"<pubDate>Wed, 24 Dec 2025 00:00:00 -0500</pubDate>\n", b"")
    stale = rss.replace(b"Wed, 24 Dec 2025", b"Tue, 23 Dec 2025")
    for body in (stale, None):
        server.state.rss = body
        server.state.log.clear()

        async def go(client: httpx.AsyncClient) -> list[Paper]:
            return [p async for p in fetcher(server, client, Sleeps()).listing(DAY, use_rss=True)]

        assert len(run(go)) == 38
        assert "submittedDate" in server.state.requests("/api/query")[0].params["search_query"]


def test_parse_rss_reads_date_and_types() -> None:
    carried, items = parse_rss((FIXTURES / "arxiv" / "rss-2025-12-24.xml").read_bytes())
    assert carried == DAY
    assert ("2512.19999", "replace") in items and len(items) == 39


@pytest.mark.parametrize(("text", "expected"), [
    ("2512.20781", ("2512.20781", None)),
    ("2512.20781v2", ("2512.20781", 2)),
    ("arXiv:2512.20781", ("2512.20781", None)),
    ("hep-th/9901001", ("hep-th/9901001", None)),
    ("math.GT/0309136v1", ("math.GT/0309136", 1)),
    ("https://arxiv.org/abs/2512.20781v3", ("2512.20781", 3)),
    ("http://arxiv.org/pdf/2512.20781.pdf", ("2512.20781", None)),
    ("https://arxiv.org/pdf/2512.20781v1", ("2512.20781", 1)),
])
def test_paper_ids(text: str, expected: tuple[str, int | None]) -> None:
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize("bad", ["", "2512", "25120781", "arXiv:abc", "https://example.com/abs/2512.20781",
                                 "2512.20781; DROP", "hep-th/990100"])
def test_bad_ids_fail_before_any_request(server: FakeServer, bad: str) -> None:
    async def go(client: httpx.AsyncClient) -> Paper:
        return await fetcher(server, client, Sleeps()).one(bad)

    with pytest.raises(InvalidPaperIdError, match="not an arXiv id"):
        run(go)
    assert server.state.log == []


def test_one_paper(server: FakeServer) -> None:
    async def go(client: httpx.AsyncClient) -> Paper:
        return await fetcher(server, client, Sleeps()).one("arXiv:2512.21257")

    paper = run(go)
    assert paper.title.startswith("ReaSeq") and "\n  To address" in paper.abstract
    assert server.state.requests("/api/query")[0].params["id_list"] == "2512.21257"


def test_fixtures_are_in_arxivs_format() -> None:
    text = (FIXTURES / "arxiv" / "listing-2025-12-24.xml").read_text()
    assert text.count("<entry>") == 40
    assert '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch=' in text
    assert '<arxiv:primary_category term="cs.IR"/>' in text and "<arxiv:comment>" in text
    assert Path(FIXTURES / "arxiv" / "empty.xml").read_text().count("<opensearch:totalResults>0<") == 1
