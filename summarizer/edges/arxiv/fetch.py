"""The first stage: exactly the papers arXiv announced for a listing date, through its API and RSS feed.

Uses the `arxiv` package's query vocabulary and our own Atom parser (`core.arxiv_feeds`), with
what that client lacks: a request timeout, retries with exponential backoff that honour
`Retry-After`, one request in flight, `delay_seconds` between requests as arXiv asks, and clear
errors for arXiv's error feed, malformed XML, wrong content types and connections that never
answer. The RSS feed is read for the run's own categories; a feed dated another day, or one that
lists nothing for a category (arXiv's feeds have gone stale for one category while others were
current, and have answered 200 with no items), gives way to the API's submission window for
that category, and `notes` says so for the run report. HTTP goes through an injected
`httpx.AsyncClient`, sleeps and the clock are injected too, so tests run instantly against
loopback fakes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date

import httpx

from summarizer import __version__
from summarizer.core.arxiv_feeds import AtomPage, FeedError, arxiv_error_text, parse_atom, parse_rss
from summarizer.core.errors import ArxivAPIError, FetchError
from summarizer.core.listing import Calendar, api_timestamp
from summarizer.core.models import Paper, parse_arxiv_id
from summarizer.core.settings import ArxivSettings
from summarizer.edges.resources import arxiv_categories, listing_calendar
from summarizer.edges.retry import Retryable, server_wait, with_retries

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
RSS_BASE = "https://rss.arxiv.org/rss"


@dataclass
class FetchStats:
    requests: int = 0
    retries: int = 0


def feed_url(settings: ArxivSettings, categories: list[str]) -> str | None:
    """The RSS feed of the run's `categories`. A configured `rss_url` ending in categories joined by "+"
    (arXiv's own form, on a mirror or proxy) is aimed at the run's categories; one of another form is
    the feed of the configured categories, used for exactly those: for others it would leave the run's
    own papers out, and the API's window is read instead (None)."""
    if settings.rss_url is None:
        return f"{RSS_BASE}/{'+'.join(categories)}"
    base, _, last = settings.rss_url.rstrip("/").rpartition("/")
    listed = last.split("+")
    if base and all(c in arxiv_categories() for c in listed):
        return settings.rss_url if set(categories) == set(listed) else f"{base}/{'+'.join(categories)}"
    return settings.rss_url if set(categories) == set(settings.categories) else None


def user_agent(settings: ArxivSettings) -> str:
    """Who is asking, with a contact when the config gives one (arXiv asks automated clients for it)."""
    return f"summarizer-arxiv/{__version__}" + (f" (+{settings.contact})" if settings.contact else "")


class ArxivPace:
    """One request to arXiv at a time, `delay_seconds` apart, shared by everything that asks it (the listing,
    the full texts): arXiv's limit is per client, not per kind of request."""

    def __init__(self, delay: float, sleep: Sleep, clock: Callable[[], float]) -> None:
        self.delay = delay
        self._sleep = sleep
        self._clock = clock
        self._lock = asyncio.Lock()
        self._last: float | None = None

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        async with self._lock:
            if self._last is not None:
                wait = self.delay - (self._clock() - self._last)
                if wait > 0:
                    await self._sleep(wait)
            try:
                yield
            finally:
                self._last = self._clock()


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
        calendar: Calendar | None = None,
    ) -> None:
        self.settings = settings
        self.categories = categories or settings.categories
        self.calendar = calendar or listing_calendar(settings.holidays)
        self.notes: list[str] = []  # how the listing was read, when not as asked: for the run report
        self._client = client
        self._sleep = sleep
        self.pace = ArxivPace(settings.delay_seconds, sleep, clock)
        self.stats = FetchStats()

    async def _paced_get(self, url: str, params: dict[str, str] | None, timeout: float) -> httpx.Response:
        async with self.pace.turn():
            self.stats.requests += 1
            return await self._client.get(url, params=params, timeout=timeout,
                                          headers={"User-Agent": user_agent(self.settings)})

    async def _try_page(self, params: dict[str, str], first_page: bool) -> AtomPage:
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
        try:
            page = parse_atom(resp.content)
        except FeedError as exc:
            if exc.retry:
                raise Retryable(str(exc), status) from None
            raise FetchError(str(exc), url=url) from None
        start = int(params["start"])
        if not page.entries and (not first_page or page.total > start):
            raise Retryable("arXiv returned an empty page in the middle of the results")
        return page

    async def _page(self, params: dict[str, str], first_page: bool) -> AtomPage:
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
            start += page.entries
            if not page.entries or start >= page.total:
                return

    def wanted(self, paper: Paper, categories: list[str] | None = None) -> bool:
        cats = categories or self.categories
        if self.settings.include_cross_lists:
            return any(c in cats for c in paper.categories)
        return paper.primary_category in cats

    async def rss_ids(self, day: date) -> list[str] | None:
        """The ids the RSS feed of the run's categories announces for `day`, or None when there is no usable
        feed for them, it is unreachable, or it carries another day."""
        url = feed_url(self.settings, self.categories)
        if url is None:
            self.notes.append(f"rss_url {self.settings.rss_url} is not a feed of {', '.join(self.categories)}: "
                              "took the API's submission window")
            return None
        try:
            resp = await self._paced_get(url, None, self.settings.rss_timeout_seconds)
            resp.raise_for_status()
            carried, items = parse_rss(resp.content)
        except (httpx.HTTPError, FeedError) as exc:
            log.info("RSS feed %s unusable (%s); using the submission window", url, exc)
            self.notes.append(f"the RSS feed was unusable ({type(exc).__name__}): took the API's submission window")
            return None
        if carried != day:
            self.notes.append(f"the RSS feed carries {carried}, not {day}: took the API's submission window")
            return None
        kinds = {"new", "cross"} if self.settings.include_cross_lists else {"new"}
        return list(dict.fromkeys(item.id for item in items if item.announce_type in kinds))

    async def listing(self, day: date, *, exclude: set[str] | None = None,
                      use_rss: bool = False) -> AsyncIterator[Paper]:
        """The papers of listing `day`, de-duplicated, streamed page by page.

        `exclude` holds the ids of earlier digests: when given, the query also reaches back over
        `lookback_listings` earlier windows for papers arXiv held for moderation, keeping those not
        digested yet. Without it (first run), exactly the day's window is taken. A category the RSS
        feed lists nothing for is read from its window instead.
        """
        seen: set[str] = set()
        ids = await self.rss_ids(day) if use_rss else None
        missing = self.categories
        if ids is not None:
            covered: set[str] = set()  # categories with a new paper of their own: cross-lists prove nothing
            async for paper in self.by_ids(ids):
                if paper.id not in seen and self.wanted(paper):
                    seen.add(paper.id)
                    covered.add(paper.primary_category)
                    yield paper
            missing = [c for c in self.categories if c not in covered]
        for category in missing if ids is not None else [None]:
            cats = [category] if category is not None else self.categories
            found = 0
            async for paper in self._window(day, cats, exclude, seen):
                found += 1
                yield paper
            if category is not None and found:
                self.notes.append(f"{category}: the RSS feed for {day} listed no paper; took the API's submission "
                                  f"window ({found} papers)")

    async def _window(self, day: date, categories: list[str], exclude: set[str] | None,
                      seen: set[str]) -> AsyncIterator[Paper]:
        """The papers of `categories` submitted in listing `day`'s window (widened for the lookback)."""
        if exclude is None:
            start, end = self.calendar.window(day)
        else:
            start, end = self.calendar.lookback_window(day, self.settings.lookback_listings)
        cats = " OR ".join(f"cat:{c}" for c in categories)
        query = f"({cats}) AND submittedDate:[{api_timestamp(start)} TO {api_timestamp(end)}]"
        async for page in self.search(query=query):
            for paper in page:
                if paper.id in seen or (exclude and paper.id in exclude) or not self.wanted(paper, categories):
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
