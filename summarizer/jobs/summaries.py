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

from summarizer.core.languages import resolve_language
from summarizer.core.models import Entry, Paper, Summary
from summarizer.core.settings import Settings
from summarizer.edges.cache import SummaryCache, legacy_summary_key, summary_key
from summarizer.edges.engine import SummaryEngine
from summarizer.edges.llm import ChatClient, RunUsage
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


class BatchReport(BaseModel):
    """The Batch API side of a run: what was asked, at which price, and the saving against sync."""

    job_id: str
    status: str  # done, submitted, incomplete, exported, imported
    batches: list[str] = Field(default_factory=list)
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None  # at the batch price; None: no known price, or answered elsewhere
    sync_cost_usd: float | None = None  # the same tokens at the sync price
    saving_usd: float | None = None
    files: list[str] = Field(default_factory=list)  # exported batch input files


class Report(BaseModel):
    date: str
    model: str
    mode: str = "sync"
    fetched: int = 0
    summarized: int = 0
    from_cache: int = 0
    failed: list[Failure] = Field(default_factory=list)
    not_started: int = 0
    llm_requests: int = 0
    llm_retries: int = 0
    asked: int = 0  # papers sent to the LLM
    first_answer_accepted: int = 0  # ... whose first answer passed every check
    reasks: dict[str, int] = Field(default_factory=dict)  # answers refused and asked again, by reason
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float | None = 0.0  # None: the model has no known price
    budget_reached: bool = False
    stopped: str | None = None  # why the run stopped early (key refused, quota exhausted, ...)
    note: str | None = None  # e.g. why nothing was fetched
    arxiv_requests: int = 0
    arxiv_retries: int = 0
    durations_s: dict[str, float] = Field(default_factory=dict)
    interrupted: bool = False
    batch: BatchReport | None = None


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
        self.prompts = load_prompts(language_tag=resolve_language(settings.llm.language).tag)
        self.client = ChatClient(settings.llm, services.llm_http, sleep=services.sleep,
                                 ssl_context=services.ssl_context)
        self.engine = SummaryEngine(self.client, self.prompts)

    def report_usage(self, report: Report) -> None:
        """The LLM side of the run report."""
        usage = self.client.usage
        report.llm_requests, report.llm_retries = usage.requests, usage.retries
        report.asked, report.first_answer_accepted = usage.asked, usage.first_accepted
        report.reasks = dict(sorted(usage.reasks.items()))
        report.prompt_tokens, report.completion_tokens = usage.prompt_tokens, usage.completion_tokens
        report.cached_tokens = usage.cached_tokens
        report.cost_usd = None if usage.cost_usd is None else round(usage.cost_usd, 6)
        report.stopped = str(usage.stopped) if usage.stopped else None

    def key(self, paper: Paper) -> str:
        llm = self.settings.llm
        return summary_key(paper, self.prompts.version, llm.model, llm.language)

    def cached(self, paper: Paper) -> Summary | None:
        key = self.key(paper)
        found = self.cache.get_summary(key)
        if found is None:  # a cache from before content keys: its summaries are not paid for again
            llm = self.settings.llm
            found = self.cache.moved_summary(key, legacy_summary_key(paper, self.prompts.version, llm.model,
                                                                     llm.language))
        return found

    async def fresh(self, paper: Paper) -> Summary:
        answer = await self.engine.summarize(paper)
        summary: Summary = answer.value
        self.cache.put_summary(self.key(paper), summary, self.settings.llm.model,
                               {"prompt_tokens": answer.prompt_tokens, "completion_tokens": answer.completion_tokens})
        return summary

    def entry(self, paper: Paper, summary: Summary, day: str | None = None) -> Entry:
        return Entry(paper=paper, summary=summary, language=self.settings.llm.language, model=self.settings.llm.model,
                     day=day)


