"""The first stage: exactly the papers arXiv announced for a listing date, through its API.

Built on the `arxiv` package's query vocabulary and Atom parser, with what that client lacks:
a request timeout, retries with exponential backoff that honour `Retry-After`, one request in
flight, `delay_seconds` between requests as arXiv asks, and clear errors for arXiv's error feed,
malformed XML, wrong content types and connections that never answer. HTTP goes through an
injected `httpx.AsyncClient`, sleeps and the clock are injected too, so tests run instantly
against loopback fakes.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from lxml import etree

from summarizer.core.errors import ArxivAPIError, FetchError, InvalidPaperIdError
from summarizer.core.listing import api_timestamp, listing_window, lookback_window
from summarizer.core.models import Paper, parse_arxiv_id
from summarizer.core.settings import ArxivSettings
from summarizer.edges.retry import Retryable, server_wait, with_retries

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV_NS = "http://arxiv.org/schemas/atom"
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
@dataclass
class FetchStats:
    requests: int = 0
    retries: int = 0


@dataclass
class _Page:
    total: int
    papers: list[Paper]


def paper_from_result(result: Any) -> Paper:
    """An `arxiv.Result` as our record: fields kept faithfully, primary category first."""
    paper_id, version = parse_arxiv_id(result.entry_id)
    categories = [result.primary_category] + [c for c in result.categories if c != result.primary_category]
    return Paper(
        id=paper_id,
        version=version,
        title=re.sub(r"\s+", " ", result.title).strip(),
        authors=[a.name for a in result.authors],
        abstract=result.summary.strip(),
        primary_category=result.primary_category,
        categories=categories,
        comment=result.comment,
        journal_ref=result.journal_ref,
        doi=result.doi,
        published=result.published,
        updated=result.updated,
        abs_url=f"https://arxiv.org/abs/{paper_id}",
        pdf_url=result.pdf_url or f"https://arxiv.org/pdf/{paper_id}",
    )


def parse_atom(content: bytes, url: str) -> _Page:
    """A page of arXiv's Atom API; malformed XML raises `Retryable` (arXiv does send half pages)."""
    from arxiv import _feed

    try:
        root = etree.fromstring(content, parser=_XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise Retryable(f"malformed XML from arXiv ({exc.msg})") from None
    if root is None or root.tag != f"{_ATOM}feed":
        raise Retryable("arXiv's answer is not an Atom feed")
    feed = _feed.parse(content)
    try:
        papers = [paper_from_result(r) for r in feed.results]
    except InvalidPaperIdError as exc:
        raise FetchError(f"arXiv returned an entry with an unreadable id ({exc.text!r})", url=url) from None
    return _Page(total=feed.header.total_results, papers=papers)


def arxiv_error_text(content: bytes) -> str | None:
    """The message of arXiv's error feed (an <entry> titled Error), if that is what this is."""
    try:
        root = etree.fromstring(content, parser=_XML_PARSER)
    except etree.XMLSyntaxError:
        return None
    for entry in root.iter(f"{_ATOM}entry"):
        if (entry.findtext(f"{_ATOM}title") or "").strip() == "Error":
            return (entry.findtext(f"{_ATOM}summary") or "").strip() or "unspecified error"
    return None


def parse_rss(content: bytes) -> tuple[date | None, list[tuple[str, str]]]:
    """(the listing date the feed carries, [(id, announce_type)]) of arXiv's RSS feed."""
    root = etree.fromstring(content, parser=_XML_PARSER)
    channel = root.find("channel")
    if channel is None:
        raise ValueError("no <channel>")
    stamp = channel.findtext("pubDate") or channel.findtext("lastBuildDate")
    carried = parsedate_to_datetime(stamp).date() if stamp else None
    items = []
    for item in channel.iter("item"):
        guid = (item.findtext("guid") or item.findtext("link") or "").strip()
        kind = (item.findtext(f"{{{_ARXIV_NS}}}announce_type") or "new").strip()
        items.append((parse_arxiv_id(guid.removeprefix("oai:arXiv.org:"))[0], kind))
    return carried, items


class ArxivFetcher:
    """Talks to arXiv's API (and RSS feed) politely: paced, one request at a time, retried."""

    def __init__(
        self,
        settings: ArxivSettings,
        client: httpx.AsyncClient,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        categories: list[str] | None = None,
    ) -> None:
        self.settings = settings
        self.categories = categories or settings.categories
        self._client = client
        self._sleep = sleep
        self._clock = clock
        self._lock = asyncio.Lock()
        self._last_request: float | None = None
        self.stats = FetchStats()

    async def _paced_get(self, url: str, params: dict[str, str] | None, timeout: float) -> httpx.Response:
        async with self._lock:
            if self._last_request is not None:
                wait = self.settings.delay_seconds - (self._clock() - self._last_request)
                if wait > 0:
                    await self._sleep(wait)
            self.stats.requests += 1
            try:
                return await self._client.get(url, params=params, timeout=timeout)
            finally:
                self._last_request = self._clock()

    async def _try_page(self, params: dict[str, str], first_page: bool) -> _Page:
        url = self.settings.api_url
        try:
            resp = await self._paced_get(url, params, self.settings.timeout_seconds)
        except httpx.TimeoutException:
            raise Retryable(f"arXiv did not answer within {self.settings.timeout_seconds:g} s") from None
        except httpx.TransportError as exc:
            raise Retryable(f"cannot reach arXiv ({type(exc).__name__})", dropped=True) from None
        status = resp.status_code
        if status == 400:
            message = arxiv_error_text(resp.content)
            raise ArxivAPIError(f"arXiv refused the query: {message or resp.reason_phrase}", url=url, status=400)
        if status in (408, 429) or status >= 500:
            raise Retryable(f"arXiv answered HTTP {status}", status, server_wait(resp.headers, status))
        if status != 200:
            raise FetchError(f"arXiv answered HTTP {status} {resp.reason_phrase}", url=url, status=status)
        ctype = resp.headers.get("content-type", "")
        if "xml" not in ctype:
            raise Retryable(f"arXiv answered with content type {ctype or 'none'!r}, not Atom XML", status)
        page = parse_atom(resp.content, url)
        start = int(params["start"])
        if not page.papers and (not first_page or page.total > start):
            raise Retryable("arXiv returned an empty page in the middle of the results")
        return page

    async def _page(self, params: dict[str, str], first_page: bool) -> _Page:
        attempts = self.settings.max_retries + 1
        try:
            return await with_retries(lambda: self._try_page(params, first_page), attempts=attempts,
                                      sleep=self._sleep, multiplier=self.settings.retry_backoff_seconds,
                                      on_retry=self._count_retry)
        except Retryable as exc:
            raise FetchError(f"{exc} (gave up after {attempts} attempts)", url=self.settings.api_url,
                             status=exc.status) from None

    def _count_retry(self, exc: BaseException | None) -> None:
        self.stats.retries += 1
        log.info("arXiv request failed (%s); retrying", exc)

    async def search(self, query: str = "", id_list: Iterable[str] = ()) -> AsyncIterator[list[Paper]]:
        """Every page of a query, in submission order, one page at a time."""
        import arxiv

        base = {
            "search_query": query,
            "id_list": ",".join(id_list),
            "sortBy": arxiv.SortCriterion.SubmittedDate.value,
            "sortOrder": arxiv.SortOrder.Ascending.value,
            "max_results": str(self.settings.page_size),
        }
        start = 0
        while True:
            page = await self._page({**base, "start": str(start)}, first_page=start == 0)
            yield page.papers
            start += len(page.papers)
            if not page.papers or start >= page.total:
                return

    def wanted(self, paper: Paper) -> bool:
        if self.settings.include_cross_lists:
            return any(c in self.categories for c in paper.categories)
        return paper.primary_category in self.categories

    async def rss_ids(self, day: date) -> list[str] | None:
        """Today's announced ids from the RSS feed, or None when it is unreachable or not for `day`."""
        url = self.settings.feed_url()
        try:
            resp = await self._paced_get(url, None, self.settings.rss_timeout_seconds)
            resp.raise_for_status()
            carried, items = parse_rss(resp.content)
        except (httpx.HTTPError, ValueError, etree.XMLSyntaxError, InvalidPaperIdError) as exc:
            log.info("RSS feed %s unusable (%s); using the submission window", url, type(exc).__name__)
            return None
        if carried != day:
            log.info("RSS feed carries %s, not %s; using the submission window", carried, day)
            return None
        kinds = {"new", "cross"} if self.settings.include_cross_lists else {"new"}
        return list(dict.fromkeys(pid for pid, kind in items if kind in kinds))

    async def listing(self, day: date, *, exclude: set[str] | None = None,
                      use_rss: bool = False) -> AsyncIterator[Paper]:
        """The papers of listing `day`, de-duplicated, streamed page by page.

        `exclude` holds the ids of earlier digests: when given, the query also reaches back over
        `lookback_listings` earlier windows for papers arXiv held for moderation, keeping those not
        digested yet. Without it (first run), exactly the day's window is taken.
        """
        seen: set[str] = set()
        ids = await self.rss_ids(day) if use_rss else None
        if ids is not None:
            async for paper in self.by_ids(ids):
                if paper.id not in seen and self.wanted(paper):
                    seen.add(paper.id)
                    yield paper
            return
        if exclude is None:
            start, end = listing_window(day)
        else:
            start, end = lookback_window(day, self.settings.lookback_listings)
        cats = " OR ".join(f"cat:{c}" for c in self.categories)
        query = f"({cats}) AND submittedDate:[{api_timestamp(start)} TO {api_timestamp(end)}]"
        async for page in self.search(query=query):
            for paper in page:
                if paper.id in seen or (exclude and paper.id in exclude) or not self.wanted(paper):
                    continue
                if paper.published is not None and not start <= paper.published < end:
                    continue
                seen.add(paper.id)
                yield paper

    async def by_ids(self, ids: Iterable[str]) -> AsyncIterator[Paper]:
        """The papers with these ids (without version), `id_batch_size` ids a request."""
        wanted = list(dict.fromkeys(ids))
        size = self.settings.id_batch_size
        for at in range(0, len(wanted), size):
            async for page in self.search(id_list=wanted[at : at + size]):
                for paper in page:
                    yield paper

    async def one(self, text: str) -> Paper:
        """One paper by any of the ways users write its id; the id is checked before any request."""
        paper_id, version = parse_arxiv_id(text)
        wanted = f"{paper_id}v{version}" if version else paper_id
        async for page in self.search(id_list=[wanted]):
            for paper in page:
                if paper.id == paper_id:
                    return paper
        raise FetchError(f"arXiv has no paper {wanted}", url=self.settings.api_url)
