"""Cache-first summaries of single papers, shared by every summary job.

`Summarizer` asks the cache first and the LLM engine second, and caches an answer the moment it
validates, so a run killed at any moment loses at most the requests in flight. Asking and storing
are two steps: a paper's answer can fail (that paper's failure), a cache that cannot be written
cannot (the whole run's).
"""

from __future__ import annotations

from summarizer.core.languages import resolve_language
from summarizer.core.models import Entry, Paper, Summary
from summarizer.core.settings import Settings
from summarizer.edges.llm.client import ChatClient
from summarizer.edges.llm.engine import Answer, SummaryEngine
from summarizer.edges.resources import load_prompts
from summarizer.edges.storage.cache import SummaryCache, legacy_summary_key, summary_key
from summarizer.jobs.report import Report
from summarizer.jobs.services import Services


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

    async def ask(self, paper: Paper) -> Answer:
        """The LLM's validated answer for `paper` (not stored yet); errors are this paper's."""
        return await self.engine.summarize(paper)

    def store(self, paper: Paper, answer: Answer) -> Summary:
        """Cache a validated answer; an error here (disk full, a locked cache) is the whole run's."""
        summary: Summary = answer.value
        self.cache.put_summary(self.key(paper), summary, self.settings.llm.model,
                               {"prompt_tokens": answer.prompt_tokens, "completion_tokens": answer.completion_tokens})
        return summary

    async def fresh(self, paper: Paper) -> Summary:
        return self.store(paper, await self.ask(paper))

    def entry(self, paper: Paper, summary: Summary, day: str | None = None) -> Entry:
        return Entry(paper=paper, summary=summary, language=self.settings.llm.language, model=self.settings.llm.model,
                     day=day)


