"""The part of a paper that fits the model's input budget, chosen by what a summary needs most.

First the abstract and the introduction (its first paragraph always, the rest within a share of
the budget); then the method, the experiments and results, and every table; then the conclusion;
the rest only while room is left. Paragraphs are taken whole, in that
order of need, and shown in the paper's own order, each under its section's heading. Among the method,
experiments and results, the experiments and results come first with the tables, then each method
section's first paragraph (what each part is), then the rest of the method: a paper's method sections,
most often before its results, no longer fill the budget while the results, where a Result's numbers
stand, get nothing (the introduction has said what the method is). Tokens are
counted by the caller's counter (tiktoken's, for the configured model), so the budget holds as the
provider counts it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from summarizer.core.fulltext.document import Document

_INTRO = re.compile(r"intro|background|overview|motivation|preliminar", re.I)
_CORE = re.compile(r"method|approach|model|framework|algorithm|architect|design|propos|techni|system|theor|"
                   r"main result|experiment|evaluat|result|benchmark|empiric|simulat|analys|ablation|"
                   r"performance|stud|dataset|setup|implement|example|application", re.I)
_FINDINGS = re.compile(r"experiment|evaluat|result|benchmark|empiric|simulat|ablation|performance|example|"
                       r"application|case stud|comparison", re.I)
_END = re.compile(r"conclu|discussion|summary|future|limitation|outlook", re.I)
_TAIL = re.compile(r"appendix|acknowledg|supplement|proof of|funding|author contribution", re.I)


INTRO_SHARE = 0.35  # of the budget, at most, for the introduction beyond its first paragraph


class Selection(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    tokens: int
    sections: list[str]  # the headings shown, in order


def _need(heading: str, paragraph: str, index: int, p_index: int) -> tuple[int, int]:
    """(0 most needed .. 4 only if room is left, and within the method and results: 0 the findings and tables,
    1 a method section's first paragraph, 2 the rest of the method)."""
    if paragraph.startswith("Table:"):
        return 2, 0
    if _TAIL.search(heading):
        return 4, 0
    if index == 0 and not heading or _INTRO.search(heading):
        return 1, 0
    if _END.search(heading):
        return 3, 0
    if _CORE.search(heading):
        return 2, 0 if _FINDINGS.search(heading) else 1 if p_index == 0 else 2
    return 4, 0


def select_text(document: Document, abstract: str, budget: int, count: Callable[[str], int]) -> Selection:
    """The abstract (the paper's, or the document's own) and as much of the body as `budget` tokens hold."""
    head = f"Abstract\n{abstract or document.abstract}"
    used = count(head)
    candidates = []  # ((need, within), position, paragraph)
    for s_index, section in enumerate(document.sections):
        for p_index, paragraph in enumerate(section.paragraphs):
            candidates.append((_need(section.heading, paragraph, s_index, p_index), (s_index, p_index), paragraph))
    chosen: list[tuple[int, int]] = []  # in order of need
    intro = 0
    for (need, _), position, paragraph in sorted(candidates):
        cost = count(paragraph) + 2
        if need == 1 and intro and intro + cost > budget * INTRO_SHARE:
            continue  # a long introduction leaves room for the method, the results and the tables
        if used + cost <= budget:
            chosen.append(position)
            used += cost
            intro += cost if need == 1 else 0
    while True:  # headings and joins cost a few tokens more than the paragraphs alone: drop the least needed
        text, shown = _assemble(document, head, set(chosen))
        tokens = count(text)
        if tokens <= budget or not chosen:
            return Selection(text=text, tokens=tokens, sections=shown)
        chosen.pop()


def _assemble(document: Document, head: str, chosen: set[tuple[int, int]]) -> tuple[str, list[str]]:
    parts, shown = [head], []
    for s_index, section in enumerate(document.sections):
        kept = [p for p_index, p in enumerate(section.paragraphs) if (s_index, p_index) in chosen]
        if kept:
            title = section.heading or "(untitled)"
            shown.append(title)
            parts.append(f"## {title}\n" + "\n\n".join(kept))
    return "\n\n".join(parts), shown
