"""Stage "write": the day's digest (.md, .html, .jsonl), its history and its report.

The digest shows every paper of the run whose summary is cached, plus the day's earlier papers
this run did not touch (a day loses none of its papers: those with a summary stay in the digest,
those without stay in the records for a later run). A failed paper is left out, never given a
placeholder. The report is written whatever happened, an empty listing included.
"""

from __future__ import annotations

from dataclasses import replace

from summarizer.core.models import Checks, Entry
from summarizer.core.ranking import Ranked
from summarizer.jobs.digest_files import write_day_digest
from summarizer.jobs.nightly.day_run import DayState, Run


def _rank_extra(found: Ranked | None, summarized: bool) -> dict[str, object]:
    """The paper's score and reason, kept in the records (the site's "for you" order and reasons)."""
    if found is None:
        return {}
    return {"rank": {"score": found.score, "why": found.why, "summarized": summarized}}


def listed_papers(run: Run, state: DayState) -> list[Entry]:
    """The papers the ranking left unsummarized, best first: listed at the end of the digest."""
    if state.selected is None or state.ranking is None:
        return []
    by_id = {p.id: p for p in state.papers}
    return [Entry(paper=by_id[r.id], summary=None, day=run.day.isoformat(), extra=_rank_extra(r, False))
            for r in state.ranking.ranked if r.id not in state.selected and r.id in by_id]


async def write_day(run: Run, state: DayState) -> DayState:
    report = run.report
    rank_of = {r.id: r for r in state.ranking.ranked} if state.ranking else {}
    listed = listed_papers(run, state)
    listed_ids = {e.paper.id for e in listed}
    summarized = {p.id: p for p in state.papers if p.id not in state.unfinished and p.id not in listed_ids}
    carried = {e.paper.id: e for e in state.existing if e.paper.id not in summarized and e.paper.id not in listed_ids}
    shown = {pid: e for pid, e in carried.items() if e.summary is not None}
    waiting = [e for e in carried.values() if e.summary is None]
    items = [(pid, p.primary_category) for pid, p in summarized.items()] + \
            [(pid, e.paper.primary_category) for pid, e in shown.items()]

    # entry_of runs once a file (Markdown, HTML, records): each paper's gate runs once, its finding kept here
    found: dict[str, Checks] = {}

    def entry_of(paper_id: str) -> Entry:
        paper = summarized.get(paper_id)
        if paper is None:
            return shown[paper_id]
        seen = state.seen.get(paper_id)
        summary = run.summarizer.cached(paper, seen)
        if summary is None:  # the cache lost it between the two stages: never a placeholder
            raise RuntimeError(f"the summary of {paper_id} is no longer in the cache")
        entry = run.summarizer.entry(paper, summary, run.day.isoformat(), seen, found.get(paper_id))
        if entry.checks is not None:
            found[paper_id] = entry.checks
        extra = _rank_extra(rank_of.get(paper_id), True)
        return entry.model_copy(update={"extra": extra}) if extra else entry

    ids: list[str] = []
    if items or report.failed or waiting or listed:
        ids = write_day_digest(run.paths, items, entry_of, run.categories, title=f"arXiv digest {run.day.isoformat()}",
                               waiting=waiting, listed=listed)
    report.unsupported_numbers = sum(1 for checks in found.values() if checks.unsupported)
    if ids or state.unfinished or listed:  # listed papers are the day's too: no later listing shows them again
        run.history.record(run.day, ids + sorted(listed_ids), sorted(state.unfinished))
    if report.fetched == 0 and not report.note:
        cats = ", ".join(run.categories)
        report.note = (f"arXiv listed no new papers in {cats} for {run.day.isoformat()} (every paper was already "
                       "digested, or the categories had none)")
    run.write_report()
    return replace(state, digest_ids=tuple(ids))
