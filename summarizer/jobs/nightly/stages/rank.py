"""Stage "rank": the day's papers in the reader's order, the excluded ones dropped, the K to summarize chosen.

With no profile and no `--top`, nothing changes: every paper is summarized and the digest is the
one users always had. Otherwise papers matching `exclude_keywords` are dropped before anything is
paid for them (and counted), and with a K only the K best and the keyword or author matches
(up to `summarize_cap`) go on to the summarize stage, with every paper already summarized (in
the day's records or the cache: a summary paid for is never thrown out of its day by a new K or
a new profile); the others are listed at the end of the digest. The report estimates what the
skipped papers would have cost.
"""

from __future__ import annotations

from dataclasses import replace

from summarizer.core.models import Paper
from summarizer.core.pricing import cost_usd
from summarizer.edges.llm.pacing import estimate_tokens
from summarizer.jobs.nightly.day_run import DayState, Run
from summarizer.jobs.rank.day import rank_day
from summarizer.jobs.report import RankReport

TYPICAL_ANSWER_TOKENS = 450  # a summary's five fields in Chinese, as the sample digest's answers run


def estimated_cost(run: Run, papers: list[Paper]) -> float | None:
    """What summarizing `papers` would have cost: their prompts counted, answers at a typical length."""
    price = run.summarizer.client.price
    if price is None:
        return None
    model = run.settings.llm.model
    prompt = sum(estimate_tokens(list(run.summarizer.engine.messages(p)), model) for p in papers)
    return round(cost_usd(price, prompt, TYPICAL_ANSWER_TOKENS * len(papers)), 6)


def already_summarized(run: Run, state: DayState, papers: tuple[Paper, ...]) -> set[str]:
    """The papers of the day with a summary already: in the day's records, or in the cache."""
    written = {e.paper.id for e in state.existing if e.summary is not None}
    return written | {p.id for p in papers if p.id not in written and run.summarizer.cached(p) is not None}


async def rank_papers(run: Run, state: DayState) -> DayState:
    profile, top = run.profile, run.top
    if profile.is_empty() and top is None:
        return state
    ranking = await rank_day(run.settings, profile, state.papers, cache_dir=run.cache_dir, fetcher=run.fetcher,
                             today=run.day, top=top)
    by_id = {p.id: p for p in state.papers}
    kept = tuple(p for p in state.papers if p.id not in ranking.excluded)
    chosen = ranking.selected
    if chosen is not None:  # a summary paid for stays in its day, whatever K or the profile say now
        chosen = chosen | already_summarized(run, state, kept)
    skipped = [by_id[r.id] for r in ranking.ranked if chosen is not None and r.id not in chosen]
    run.report.rank = RankReport(
        ranked=len(ranking.ranked), summarized=len(kept) - len(skipped), skipped=len(skipped),
        excluded=[f"{pid} ({kw})" for pid, kw in ranking.excluded.items()],
        saved_usd=estimated_cost(run, skipped) if skipped else 0.0)
    return replace(state, papers=kept, ranking=ranking, selected=frozenset(chosen) if chosen is not None else None)
