"""Stage "fulltext": what each chosen paper is summarized from: arXiv's HTML, else its TeX source, else the abstract.

`[fulltext] for = "top"` reads the papers the ranking picked, `"all"` every paper to summarize.
Each paper gets the first source that can be had and read; whatever could not (absent, over a
cap, a hostile archive, a page with no text) is that paper's one-line note, in its report entry,
and the next source is tried: nothing about one paper's full text stops the run. The text shown
is selected to fit `[llm] max_input_tokens` with the prompt, counted with tiktoken.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from summarizer.core.errors import FullTextUnusable
from summarizer.core.fulltext.archive import Limits, unpack_eprint
from summarizer.core.fulltext.document import Document
from summarizer.core.fulltext.html import document_from_html
from summarizer.core.fulltext.select import select_text
from summarizer.core.fulltext.tex import document_from_tex
from summarizer.core.models import Paper, SourceText
from summarizer.edges.arxiv.fulltext import FullTextFetcher, FullTextStore
from summarizer.edges.llm.pacing import count_tokens
from summarizer.jobs.nightly.day_run import DayState, Run
from summarizer.jobs.report import FullTextUse

log = logging.getLogger(__name__)


def limits(run: Run) -> Limits:
    ft = run.settings.fulltext
    return Limits(download_bytes=int(ft.max_download_mb * 1_000_000),
                  unpacked_bytes=int(ft.max_unpacked_mb * 1_000_000), members=ft.max_members)


def _tex(data: bytes, caps: Limits) -> Document:
    return document_from_tex(unpack_eprint(data, caps))


async def _document(fetcher: FullTextFetcher, paper: Paper, caps: Limits, notes: list[str]) -> tuple[str, Document]:
    try:
        page = await fetcher.html(paper)
        document, dropped = await asyncio.to_thread(document_from_html, page)
        notes.extend(f"html: {n}" for n in dropped)
        return "html", document
    except FullTextUnusable as exc:
        notes.append(str(exc))
    try:
        return "tex", await asyncio.to_thread(_tex, await fetcher.eprint(paper), caps)
    except FullTextUnusable as exc:
        notes.append(str(exc) if str(exc).startswith(("e-print", "tex")) else f"e-print: {exc}")
        raise


async def source_for(run: Run, fetcher: FullTextFetcher, paper: Paper) -> SourceText:
    """The paper's text to summarize from, within the budget; the abstract (with the reasons) when none can be had."""
    model = run.settings.llm.model
    prompt = sum(count_tokens(m["content"], model) for m in run.summarizer.engine.messages(paper, ""))
    notes: list[str] = []
    try:
        kind, document = await _document(fetcher, paper, limits(run), notes)
    except FullTextUnusable:
        return SourceText(kind="abstract", tokens=prompt, note="; ".join(notes))
    except Exception as exc:  # an archive or page nobody foresaw: this paper's abstract, never the run's end
        log.debug("full text of %s", paper.id, exc_info=True)
        return SourceText(kind="abstract", tokens=prompt, note=f"unexpected error: {type(exc).__name__}: {exc}")
    budget = run.settings.llm.max_input_tokens - prompt
    chosen = await asyncio.to_thread(select_text, document, paper.abstract, budget, lambda t: count_tokens(t, model))
    return SourceText(kind=kind, text=chosen.text, tokens=prompt + chosen.tokens, note="; ".join(notes) or None)


def chosen_papers(run: Run, state: DayState) -> list[Paper]:
    mode = run.settings.fulltext.for_
    if mode == "off" or run.params.batch is not None:
        return []
    if mode == "top" and state.ranking is None:
        run.report.listing_notes.append("[fulltext] for = \"top\" reads the papers the ranking picks, and this day "
                                        "was not ranked: every summary is from its abstract")
        return []
    return [p for p in state.papers if state.selected is None or p.id in state.selected]


async def fetch_fulltext(run: Run, state: DayState) -> DayState:
    papers = chosen_papers(run, state)
    if not papers:
        return state
    store = FullTextStore(run.cache_dir)
    try:
        fetcher = FullTextFetcher(run.settings.arxiv, run.services.arxiv_http, run.fetcher.pace, store,
                                  limits(run).download_bytes, run.services.sleep)
        seen: dict[str, SourceText] = {}
        for paper in papers:
            if run.halted():
                break
            seen[paper.id] = found = await source_for(run, fetcher, paper)
            run.report.fulltext.append(FullTextUse(id=paper.id, source=found.kind, input_tokens=found.tokens,
                                                   note=found.note))
    finally:
        store.close()
    return replace(state, seen=seen)
