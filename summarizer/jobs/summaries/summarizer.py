"""Cache-first summaries of single papers, shared by every summary job.

`Summarizer` asks the cache first and the LLM engine second, and caches an answer the moment it
validates, so a run killed at any moment loses at most the requests in flight. Asking and storing
are two steps: a paper's answer can fail (that paper's failure), a cache that cannot be written
cannot (the whole run's).
"""

from __future__ import annotations

from summarizer.core.checks.gate import SourceIndex, check_summary, source_text
from summarizer.core.languages import resolve_language
from summarizer.core.models import Checks, Entry, Paper, SourceText, Summary
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
        tag = resolve_language(settings.llm.language).tag
        self.engine = SummaryEngine(self.client, self.prompts,
                                    fulltext_prompts=load_prompts(language_tag=tag, user="summary.fulltext"))

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

    def key(self, paper: Paper, seen: SourceText | None = None) -> str:
        llm = self.settings.llm
        if seen is not None and seen.kind != "abstract":
            return summary_key(paper, self.engine.fulltext_prompts.version if self.engine.fulltext_prompts else "",
                               llm.model, llm.language, seen.text)
        return summary_key(paper, self.prompts.version, llm.model, llm.language)

    def cached(self, paper: Paper, seen: SourceText | None = None) -> Summary | None:
        key = self.key(paper, seen)
        found = self.cache.get_summary(key)
        if found is None and (seen is None or seen.kind == "abstract"):
            # a cache from before content keys: its summaries are not paid for again
            llm = self.settings.llm
            found = self.cache.moved_summary(key, legacy_summary_key(paper, self.prompts.version, llm.model,
                                                                     llm.language))
        return found

    async def ask(self, paper: Paper, seen: SourceText | None = None) -> Answer:
        """The LLM's validated answer for `paper` (not stored yet); errors are this paper's."""
        body = seen.text if seen is not None and seen.kind != "abstract" else None
        return await self.engine.summarize(paper, body)

    def store(self, paper: Paper, answer: Answer, seen: SourceText | None = None) -> Summary:
        """Cache a validated answer; an error here (disk full, a locked cache) is the whole run's."""
        summary: Summary = answer.value
        self.cache.put_summary(self.key(paper, seen), summary, self.settings.llm.model,
                               {"prompt_tokens": answer.prompt_tokens, "completion_tokens": answer.completion_tokens})
        return summary

    async def fresh(self, paper: Paper, seen: SourceText | None = None) -> Summary:
        return self.store(paper, await self.ask(paper, seen), seen)

    def entry(self, paper: Paper, summary: Summary, day: str | None = None, seen: SourceText | None = None,
              checks: Checks | None = None) -> Entry:
        """The digest entry, with the gate's finding against the text the model was shown (`checks`: that finding
        already made for this summary)."""
        seen = seen or SourceText()
        if checks is None:
            body = seen.text if seen.kind != "abstract" else paper.abstract
            checks = check_summary(summary, SourceIndex.of(source_text(paper.title, body)))
        return Entry(paper=paper, summary=summary, language=self.settings.llm.language, model=self.settings.llm.model,
                     day=day, source=seen.kind, checks=checks)


