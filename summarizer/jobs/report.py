"""What a summary run reports: the run report written beside each digest, and the live progress state.

Plain data: the stages fill them, the face shows them, `D.report.json` keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from summarizer.edges.llm.client import RunUsage


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


class CollectedJob(BaseModel):
    """A batch job of earlier days that this run found finished, collected, and wrote the days of."""

    job_id: str
    status: str  # done, incomplete, waiting (still running at the provider)
    days: list[str] = Field(default_factory=list)
    papers: int = 0
    batch: BatchReport | None = None


class RankReport(BaseModel):
    """The reader's side of a run: how many papers were ranked, summarized, listed only, or excluded."""

    ranked: int = 0
    summarized: int = 0  # the top K and the keyword or author matches (cap applied)
    skipped: int = 0  # listed at the end of the digest, not summarized
    excluded: list[str] = Field(default_factory=list)  # "ID (keyword)": neither summarized nor listed
    saved_usd: float | None = None  # the skipped papers' estimated cost at this run's price


class FullTextUse(BaseModel):
    """What one paper was summarized from, how big the request's input was, and why not from more."""

    id: str
    source: str  # abstract, html or tex
    input_tokens: int  # the text shown plus the prompt, counted with tiktoken for the configured model
    note: str | None = None  # why the HTML or the e-print could not be used


class DeliveryReport(BaseModel):
    """One channel's delivery of one day."""

    channel: str
    day: str
    status: str  # sent, already sent, failed, stopped, nothing to send
    attempts: int = 0
    error: str | None = None
    owed: int = 0  # recipients or URLs that have not had it yet: the next run sends to them


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
    listing_notes: list[str] = Field(default_factory=list)  # how the listing was read when not as asked
    in_other_batches: int = 0  # papers left to an unfinished batch job of an earlier run
    collected: list[CollectedJob] = Field(default_factory=list)  # earlier days' batch jobs this run finished
    arxiv_requests: int = 0
    arxiv_retries: int = 0
    durations_s: dict[str, float] = Field(default_factory=dict)
    interrupted: bool = False
    batch: BatchReport | None = None
    rank: RankReport | None = None  # with a profile: ranked, summarized, skipped, excluded, saved
    fulltext: list[FullTextUse] = Field(default_factory=list)  # [fulltext]: each chosen paper's source and size
    unsupported_numbers: int = 0  # summaries whose numbers the source does not state (marked where published)
    delivery: list[DeliveryReport] = Field(default_factory=list)  # [[deliver]] channels, this day and owed ones
    warnings: list[str] = Field(default_factory=list)  # e.g. the site past 80% of what GitHub Pages allows


@dataclass
class Progress:
    fetched: int = 0
    done: int = 0
    cached: int = 0
    failed: int = 0
    fetching: bool = True
    usage: RunUsage = field(default_factory=RunUsage)


def left_out(report: Report) -> int:
    """The papers the night set out to summarize and did not: failed, or not started."""
    return len(report.failed) + report.not_started


def failed_share(report: Report) -> float:
    """The share of the papers the night set out to summarize that it left out."""
    left = left_out(report)
    meant = report.summarized + report.from_cache + left
    return left / meant if meant else 0.0


def night_markdown(report: Report, limit: float) -> str:
    """The night in a few Markdown lines (a CI run's summary page)."""
    lines = [f"### arXiv digest {report.date}", "",
             f"- papers: {report.fetched} fetched, {report.summarized} summarized, {report.from_cache} from cache, "
             f"{len(report.failed)} failed, {report.not_started} not started "
             f"({failed_share(report):.0%} left out; the run fails above {limit:.0%})",
             f"- LLM: {report.llm_requests} requests, {report.prompt_tokens + report.completion_tokens} tokens, "
             + ("cost unknown" if report.cost_usd is None else f"${report.cost_usd:.4f}")]
    if report.note:
        lines.append(f"- note: {report.note}")
    lines += [f"- failed: `{f.id}` {f.reason}" for f in report.failed[:20]]
    lines += [f"- warning: {w}" for w in report.warnings]
    return "\n".join(lines) + "\n"
