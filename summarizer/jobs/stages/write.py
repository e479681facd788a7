"""Stage "write": the day's digest (.md, .html, .jsonl), its history and its report.

The digest shows every paper of the run whose summary is cached, plus the day's earlier papers
this run did not touch (a day loses none of its papers: those with a summary stay in the digest,
those without stay in the records for a later run). A failed paper is left out, never given a
placeholder. The report is written whatever happened, an empty listing included.
"""

from __future__ import annotations

from dataclasses import replace

from summarizer.core.models import Entry
from summarizer.jobs.day_run import DayState, Run
from summarizer.jobs.digest_files import write_day_digest


async def write_day(run: Run, state: DayState) -> DayState:
    report = run.report
    summarized = {p.id: p for p in state.papers if p.id not in state.unfinished and
                  (state.selected is None or p.id in state.selected)}
    carried = {e.paper.id: e for e in state.existing if e.paper.id not in summarized}
    shown = {pid: e for pid, e in carried.items() if e.summary is not None}
    waiting = [e for e in carried.values() if e.summary is None]
    items = [(pid, p.primary_category) for pid, p in summarized.items()] + \
            [(pid, e.paper.primary_category) for pid, e in shown.items()]

    def entry_of(paper_id: str) -> Entry:
        paper = summarized.get(paper_id)
        if paper is None:
            return shown[paper_id]
        summary = run.summarizer.cached(paper)
        if summary is None:  # the cache lost it between the two stages: never a placeholder
            raise RuntimeError(f"the summary of {paper_id} is no longer in the cache")
        return run.summarizer.entry(paper, summary, run.day.isoformat())

    ids: list[str] = []
    if items or report.failed or waiting:
        ids = write_day_digest(run.paths, items, entry_of, run.categories, title=f"arXiv digest {run.day.isoformat()}",
                               waiting=waiting)
    if ids or state.unfinished:
        run.history.record(run.day, ids, sorted(state.unfinished))
    if report.fetched == 0 and not report.note:
        cats = ", ".join(run.categories)
        report.note = (f"arXiv listed no new papers in {cats} for {run.day.isoformat()} (every paper was already "
                       "digested, or the categories had none)")
    run.write_report()
    return replace(state, digest_ids=tuple(ids))
