"""The fetcher against a loopback server speaking arXiv's API, in every fault case."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from summarizer.core.arxiv_feeds import parse_rss
from summarizer.core.errors import ArxivAPIError, FetchError, InvalidPaperIdError
from summarizer.core.models import Paper, parse_arxiv_id
from summarizer.core.settings import ArxivSettings
from summarizer.edges.arxiv.fetch import ArxivFetcher, feed_url
from tests.fakes import FIXTURES, FakeServer, Sleeps

DAY = date(2025, 12, 24)


@pytest.fixture
def server() -> AsyncIterator[FakeServer]:
    with FakeServer() as srv:
        yield srv  # type: ignore[misc]


def fetcher(server: FakeServer, client: httpx.AsyncClient, sleeps: Sleeps, categories: list[str] | None = None,
            **overrides: object) -> ArxivFetcher:
    """A fetcher configured for cs.IR, cs.AI and cs.LG; `categories`: the run's own (--categories)."""
    settings = ArxivSettings(categories=["cs.IR", "cs.AI", "cs.LG"], api_url=f"{server.url}/api/query",
                             rss_url=f"{server.url}/rss/cs.IR+cs.AI+cs.LG", timeout_seconds=0.5, delay_seconds=3,
                             **overrides)  # type: ignore[arg-type]
    return ArxivFetcher(settings, client, sleep=sleeps, categories=categories)


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
    # the recording's comments and secondary categories are the real ones (daily-arXiv-ai-enhanced's records)
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


RSS = FIXTURES / "arxiv" / "rss-2025-12-24.xml"


def rss_listing(server: FakeServer) -> tuple[list[Paper], list[str]]:
    """Listing DAY of cs.IR and cs.AI read through the RSS feed: the papers, and the fetcher's notes."""
    async def go(client: httpx.AsyncClient) -> tuple[list[Paper], list[str]]:
        f = fetcher(server, client, Sleeps(), categories=["cs.IR", "cs.AI"])
        return [p async for p in f.listing(DAY, use_rss=True)], f.notes

    return run(go)  # type: ignore[no-any-return]


def test_rss_lists_exactly_the_announced_papers(server: FakeServer, sample_entries: list) -> None:  # type: ignore[type-arg]
    server.state.rss = {"cs.IR+cs.AI": RSS.read_bytes()}

    async def go(client: httpx.AsyncClient) -> list[Paper]:
        f = fetcher(server, client, Sleeps(), id_batch_size=15, categories=["cs.IR", "cs.AI"])
        return [p async for p in f.listing(DAY, use_rss=True)]

    papers = run(go)
    assert sorted(p.id for p in papers) == expected_ids(sample_entries)  # 'replace' entries left out
    api = server.state.requests("/api/query")
    assert len(api) == 3 and all(r.params["id_list"] for r in api)


def test_stale_or_missing_rss_falls_back_to_the_window_and_says_so(server: FakeServer) -> None:
    stale = RSS.read_bytes().replace(b"Wed, 24 Dec 2025", b"Tue, 23 Dec 2025")
    for feeds, note in (({"cs.IR+cs.AI": stale}, "carries 2025-12-23, not 2025-12-24"), ({}, "unusable")):
        server.state.rss = feeds
        server.state.log.clear()
        papers, notes = rss_listing(server)
        assert len(papers) == 38
        assert "submittedDate" in server.state.requests("/api/query")[0].params["search_query"]
        assert len(notes) == 1 and note in notes[0] and "took the API's submission window" in notes[0]


def rss_with(ids_and_categories: list[tuple[str, str]], day: str = "Wed, 24 Dec 2025") -> bytes:
    """arXiv's RSS feed (the fixture's shape) listing these new papers."""
    text = RSS.read_text(encoding="utf-8").replace("Wed, 24 Dec 2025", day)
    head, _, rest = text.partition("<item>")
    tail = rest[rest.rindex("</item>") + len("</item>"):]
    items = "".join(f'<item><guid isPermaLink="false">oai:arXiv.org:{i}v1</guid><category>{c}</category>'
                    "<arxiv:announce_type>new</arxiv:announce_type></item>" for i, c in ids_and_categories)
    return (head + items + tail).encode()


def test_the_feed_is_the_runs_categories_not_the_configured_ones(server: FakeServer,
                                                                 sample_entries: list) -> None:  # type: ignore[type-arg]
    # `--categories cs.IR` with cs.IR, cs.AI, cs.LG configured read rss/cs.IR+cs.AI, and kept only its
    # cross-lists: a near-empty digest, exit 0 (issue 16, item 2).
    ir = [(e.paper.id, "cs.IR") for e in sample_entries if e.paper.primary_category == "cs.IR"]
    ai = [(e.paper.id, "cs.AI") for e in sample_entries if e.paper.primary_category == "cs.AI"]
    server.state.rss = {"cs.IR+cs.AI": rss_with(ai), "cs.IR": rss_with(ir)}

    async def go(client: httpx.AsyncClient) -> list[Paper]:
        settings = ArxivSettings(categories=["cs.IR", "cs.AI", "cs.LG"], api_url=f"{server.url}/api/query",
                                 rss_url=f"{server.url}/rss/cs.IR+cs.AI", delay_seconds=0)
        f = ArxivFetcher(settings, client, sleep=Sleeps(), categories=["cs.IR"])
        return [p async for p in f.listing(DAY, use_rss=True)]

    papers = run(go)
    assert [r.path for r in server.state.requests("/rss")] == ["/rss/cs.IR"]
    assert sorted(p.id for p in papers) == sorted(i for i, _ in ir)


@pytest.mark.parametrize(("configured", "rss_url", "run_categories", "expected"), [
    (["cs.IR", "cs.AI"], None, ["cs.LG"], "https://rss.arxiv.org/rss/cs.LG"),
    (["cs.IR", "cs.AI"], "http://mirror.example/rss/cs.IR+cs.AI", ["cs.AI", "cs.IR"],
     "http://mirror.example/rss/cs.IR+cs.AI"),
    (["cs.IR", "cs.AI"], "http://mirror.example/rss/cs.IR+cs.AI", ["cs.IR"], "http://mirror.example/rss/cs.IR"),
    (["cs.IR", "cs.AI"], "http://mirror.example/rss/cs.IR+cs.AI", ["cs.CV"], "http://mirror.example/rss/cs.CV"),
    (["cs.IR"], "http://proxy.example/my-feed", ["cs.IR"], "http://proxy.example/my-feed"),
    (["cs.IR"], "http://proxy.example/my-feed", ["cs.CV"], None),  # a feed of other categories: not used
])
def test_feed_urls(configured: list[str], rss_url: str | None, run_categories: list[str],
                   expected: str | None) -> None:
    settings = ArxivSettings(categories=configured, rss_url=rss_url)
    assert feed_url(settings, run_categories) == expected


def test_a_category_the_feed_lists_nothing_for_is_read_from_its_window(
        server: FakeServer, sample_entries: list) -> None:  # type: ignore[type-arg]
    # A feed with the right date that lists nothing for one category was trusted: that category's papers went
    # missing with exit 0 (issue 16, item 3; arXiv's feeds have gone stale per category, ZJU-REAL/Polaris#414).
    ai = [(e.paper.id, "cs.AI") for e in sample_entries if e.paper.primary_category == "cs.AI"]
    for feed in (rss_with(ai), rss_with([])):  # stale for cs.IR; then 200 with no item at all
        server.state.rss = {"cs.IR+cs.AI": feed}
        server.state.log.clear()
        papers, notes = rss_listing(server)
        assert sorted(p.id for p in papers) == expected_ids(sample_entries)
        assert any(n.startswith("cs.IR: the RSS feed for 2025-12-24 listed no paper") for n in notes), notes
        windows = [r.params["search_query"] for r in server.state.requests("/api/query") if r.params["search_query"]]
        assert windows and all("submittedDate" in q for q in windows)


def test_parse_rss_reads_date_types_and_categories() -> None:
    carried, items = parse_rss(RSS.read_bytes())
    assert carried == DAY
    assert ("2512.19999", "replace") in [(i.id, i.announce_type) for i in items] and len(items) == 39
    assert items[0].categories == ["cs.AI"]


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


def test_fetching_needs_no_private_module_of_the_arxiv_package(server: FakeServer, sample_entries: list,  # type: ignore[type-arg]
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # edges/fetch.py used arxiv._feed.parse: a minor release of `arxiv` that renames it would stop every fetch
    # (issue 16, item 11). Here the module is gone, as after such a release.
    import sys

    import arxiv

    monkeypatch.delattr(arxiv, "_feed", raising=False)
    monkeypatch.setitem(sys.modules, "arxiv._feed", None)

    async def go(client: httpx.AsyncClient) -> list[Paper]:
        return [p async for p in fetcher(server, client, Sleeps()).listing(DAY)]

    assert sorted(p.id for p in run(go)) == expected_ids(sample_entries)
