"""What both summary jobs share: the edges they talk through, the run report, cache-first summaries.

`Summarizer` asks the cache first and the LLM engine second, and caches an answer the moment it
validates, so a run killed at any moment loses at most the requests in flight.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import BaseModel, Field

from summarizer.core.models import Entry, Paper, Summary
from summarizer.core.settings import Settings
from summarizer.edges.cache import SummaryCache, summary_key
from summarizer.edges.llm import ChatClient, RunUsage, SummaryEngine
from summarizer.edges.resources import load_prompts

Sleep = Callable[[float], Awaitable[None]]


@dataclass
class Services:
    """The edges a job talks through; tests and the demo pass their own."""

    arxiv_http: httpx.AsyncClient
    llm_http: httpx.AsyncClient | None = None
    sleep: Sleep = asyncio.sleep
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    clock: Callable[[], float] = time.monotonic
    on_progress: Callable[[Progress], None] = lambda progress: None
    stop: asyncio.Event | None = None
    ssl_context: Any = None  # shared by the LLM client when it builds its own


class Failure(BaseModel):
    id: str
    title: str
    reason: str


class Report(BaseModel):
    date: str
    model: str
    fetched: int = 0
    summarized: int = 0
    from_cache: int = 0
    failed: list[Failure] = Field(default_factory=list)
    not_started: int = 0
    llm_requests: int = 0
    llm_retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    arxiv_requests: int = 0
    arxiv_retries: int = 0
    durations_s: dict[str, float] = Field(default_factory=dict)
    interrupted: bool = False


@dataclass
class Progress:
    fetched: int = 0
    done: int = 0
    cached: int = 0
    failed: int = 0
    fetching: bool = True
    usage: RunUsage = field(default_factory=RunUsage)


class Summarizer:
    """Cache-first summaries of single papers, shared by both jobs."""

    def __init__(self, settings: Settings, services: Services, cache: SummaryCache) -> None:
        self.settings = settings
        self.cache = cache
        self.prompts = load_prompts()
        self.client = ChatClient(settings.llm, services.llm_http, sleep=services.sleep,
                                 ssl_context=services.ssl_context)
        self.engine = SummaryEngine(self.client, self.prompts)

    def key(self, paper: Paper) -> str:
        llm = self.settings.llm
        return summary_key(paper, self.prompts.version, llm.model, llm.language)

    def cached(self, paper: Paper) -> Summary | None:
        return self.cache.get_summary(self.key(paper))

    async def fresh(self, paper: Paper) -> Summary:
        answer = await self.engine.summarize(paper)
        self.cache.put_summary(self.key(paper), answer.summary, self.settings.llm.model,
                               {"prompt_tokens": answer.prompt_tokens, "completion_tokens": answer.completion_tokens})
        summary: Summary = answer.summary
        return summary

    def entry(self, paper: Paper, summary: Summary) -> Entry:
        return Entry(paper=paper, summary=summary, language=self.settings.llm.language, model=self.settings.llm.model)


