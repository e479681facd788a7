"""A paper's full text from arXiv: its HTML page, its e-print source, downloaded politely and kept.

Requests share the listing's pace (one at a time, `delay_seconds` apart) and User-Agent, and are
retried on 429 and 5xx as the server asks (`Retry-After`). A download is read in pieces and
abandoned past its size cap. Every answer is kept on disk under CACHE_DIR/fulltext: the bytes by
their SHA-256, each URL by what it gave (the bytes' hash, or the reason there are none: a 404, a
size over the cap), so a re-run downloads nothing.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from summarizer.core.errors import FullTextUnusable
from summarizer.core.models import Paper
from summarizer.core.settings import ArxivSettings
from summarizer.edges.arxiv.fetch import ArxivPace, Sleep, user_agent
from summarizer.edges.retry import Retryable, server_wait, with_retries
from summarizer.edges.storage.cache import SQLITE_LIMITS

log = logging.getLogger(__name__)

NOT_ON_ARXIV = "not on arXiv (404)"


@dataclass
class Downloads:
    requests: int = 0
    from_cache: int = 0
    bytes: int = 0


def paper_url(template: str, paper: Paper) -> str:
    """The template with the paper's id and version; a paper without a version gets arXiv's newest."""
    if paper.version is None:
        template = template.replace("v{version}", "")
    return template.format(id=paper.id, version=paper.version)


class FullTextStore:
    """Downloads kept on disk: bytes by content hash, URLs by outcome."""

    def __init__(self, directory: Path) -> None:
        import diskcache

        self._cache = diskcache.Cache(str(directory / "fulltext"), eviction_policy="none", **SQLITE_LIMITS)

    def outcome(self, url: str) -> dict[str, Any] | None:
        value = self._cache.get("url:" + url)
        return value if isinstance(value, dict) else None

    def data(self, digest: str) -> bytes | None:
        value = self._cache.get("blob:" + digest)
        return value if isinstance(value, bytes) else None

    def keep(self, url: str, data: bytes | None = None, refused: str | None = None) -> None:
        """What `url` gave: its bytes (kept by their hash), or why there are none (a 404 is NOT_ON_ARXIV)."""
        outcome: dict[str, Any] = {"refused": refused}
        if data is not None:
            digest = hashlib.sha256(data).hexdigest()
            self._cache.set("blob:" + digest, data)
            outcome["sha256"] = digest
        self._cache.set("url:" + url, outcome)

    def close(self) -> None:
        self._cache.close()


class FullTextFetcher:
    """HTML pages and e-prints, one at a time at arXiv's pace, from the store when already had."""

    def __init__(self, settings: ArxivSettings, client: httpx.AsyncClient, pace: ArxivPace, store: FullTextStore,
                 max_bytes: int, sleep: Sleep) -> None:
        self.settings = settings
        self.max_bytes = max_bytes
        self.stats = Downloads()
        self._client = client
        self._pace = pace
        self._store = store
        self._sleep = sleep

    async def html(self, paper: Paper) -> bytes:
        return await self.get(paper_url(self.settings.html_url, paper), "html")

    async def eprint(self, paper: Paper) -> bytes:
        return await self.get(paper_url(self.settings.eprint_url, paper), "e-print")

    async def get(self, url: str, source: str) -> bytes:
        """The bytes at `url`; FullTextUnusable (one line, kept too) when there are none to use."""
        kept = self._store.outcome(url)
        if kept is not None:
            self.stats.from_cache += 1
            return self._from(kept, source)
        attempts = self.settings.max_retries + 1
        try:
            data = await with_retries(lambda: self._download(url, source), attempts=attempts, sleep=self._sleep,
                                      multiplier=self.settings.retry_backoff_seconds)
        except FullTextUnusable as exc:
            self._store.keep(url, refused=exc.reason)
            raise
        except Retryable as exc:  # not kept: the next run asks again
            raise FullTextUnusable(f"{exc} (gave up after {attempts} attempts)", source) from None
        self._store.keep(url, data)
        return data

    def _from(self, kept: dict[str, Any], source: str) -> bytes:
        if kept.get("sha256"):
            data = self._store.data(kept["sha256"])
            if data is not None:
                return data
        raise FullTextUnusable(kept.get("refused") or NOT_ON_ARXIV, source)

    async def _download(self, url: str, source: str) -> bytes:
        async with self._pace.turn():
            self.stats.requests += 1
            try:
                async with self._client.stream("GET", url, timeout=self.settings.timeout_seconds,
                                               headers={"User-Agent": user_agent(self.settings)},
                                               follow_redirects=True) as response:
                    return await self._body(response, source)
            except httpx.TimeoutException:
                raise Retryable(f"arXiv did not answer within {self.settings.timeout_seconds:g} s") from None
            except httpx.TransportError as exc:
                raise Retryable(f"cannot reach arXiv ({type(exc).__name__})", dropped=True) from None

    async def _body(self, response: httpx.Response, source: str) -> bytes:
        status = response.status_code
        if status == 404:
            raise FullTextUnusable(NOT_ON_ARXIV, source)
        if status in (408, 429) or status >= 500:
            raise Retryable(f"arXiv answered HTTP {status}", status, server_wait(response.headers, status))
        if status != 200:
            raise FullTextUnusable(f"arXiv answered HTTP {status}", source)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FullTextUnusable(f"larger than {self.max_bytes / 1_000_000:g} MB (the cap)", source)
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise FullTextUnusable(f"larger than {self.max_bytes / 1_000_000:g} MB (the cap)", source)
            chunks.append(chunk)
        self.stats.bytes += size
        return b"".join(chunks)
