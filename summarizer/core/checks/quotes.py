"""What to show a model whose Result, written from a paper's full text, states no number while the paper has them.

The issue asks for "concrete numbers where the paper has them". A small model shown 6,000 tokens of a paper
writes its Result in words all the same; shown the few sentences that hold the paper's findings, it copies
numbers from them far more readily (`benchmarks/bench_fulltext.py`, README). So the body's sentences are
ranked: sentences that read like findings ("outperform", "accuracy", a percent) first, wherever they
stand; then those of the results and experiments sections (their tables included) before the rest, the
introduction's last; then measures (87.25%, 3.2x, 0.412) before counts. Years of citations, pointers
("Section 5", "Eq. 3"), exponents, links and sentences more formula than prose are never quoted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from summarizer.core.checks.gate import SourceIndex, plain_numbers, sentences_of
from summarizer.core.checks.numbers import Number, numbers_in
from summarizer.core.models import Checks, Summary

BODY_NUMBERS = 3  # a body stating this many numbers its abstract does not has results a Result can quote
QUOTED = 3  # sentences quoted to a model asked again for a Result with numbers
LISTED = 8  # numbers named to pick from (a table row quoted can hold forty)
_QUOTE_CHARS = 300
_RESULTS = re.compile(r"result|experiment|evaluat|performance|benchmark|ablation|empiric|comparison|accuracy|"
                      r"speed|timing|analys", re.I)
_OPENING = re.compile(r"intro|background|related|overview|motivation|preliminar|abstract", re.I)
_FINDING = re.compile(r"%|×|-fold|\btimes\b|outperform|improv|accura|error|faster|speed-?up|reduc|increas|"
                      r"achiev|gain|\bF1\b|BLEU|ROUGE|score|precision|recall|lower|higher|better|worse", re.I)
_YEAR = re.compile(r"(?:1[89]|20)\d\d")
_MATH = re.compile(r"[\\_^{}=]")  # not "|": a table row is its cells joined by it
# "Section 5", "Eq. (3)", "Proposition 1.3", "( 1 )", "P. 56": where a number points, not what it measures
_POINTER = re.compile(r"(?:Sections?|Sec\.|Eqs?\.|Equations?|Figures?|Figs?\.|Tables?|Propositions?|Theorems?|"
                      r"Lemmas?|Conjectures?|Corollary|Definition|Appendix|Chapter|Algorithm|Remark|Example|Step|"
                      r"Stage|version|\b[A-Z]\.|\()\s*\(?\s*$")
_RAISED = re.compile(r"[\^_][-{]?$")  # an exponent or index: "10^-15", "K^-1", "x_{2}"
_LINK = re.compile(r"https?://|\bdoi\b|www\.", re.I)
_HEADING = re.compile(r"(?m)^#{1,6} (.*)$")  # the selection's "## Heading" lines


class Quote(NamedTuple):
    """A sentence of the body to quote, and the numbers in it worth copying (the abstract holds none of them)."""

    text: str
    numbers: tuple[str, ...]


def _sections(body: str) -> list[tuple[str, str]]:
    """(heading, text) of each section of the selected text, as `core.fulltext.select` writes them."""
    parts = _HEADING.split(body)
    return [("", parts[0])] + list(zip(parts[1::2], parts[2::2], strict=True))


def _worth_quoting(sentence: str, beyond: list[Number]) -> tuple[int, int, list[Number]] | None:
    """How much a sentence reads like a finding the abstract does not state (lower first), from its numbers the
    abstract does not hold, and those of them worth copying; None when these are only years (citations),
    pointers ("Section 5") and exponents, or the sentence has a link, or more formula than prose."""
    if _LINK.search(sentence):
        return None
    new = [n for n in beyond if not (n.raw == n.value and _YEAR.fullmatch(n.text))
           and not _POINTER.search(sentence[:n.start]) and not _RAISED.search(sentence, 0, n.start)]
    if not new or len(_MATH.findall(sentence)) > 4:
        return None
    measured = any(n.percent or n.times or n.step < 1 for n in new)  # 87.25%, 3.2x, 0.412: measures, not counts
    return (0 if _FINDING.search(sentence) else 1, 0 if measured else 1, new)


def states_a_number(text: str) -> bool:
    """Whether `text` states a number that is not part of a name (the "3M" of "KL3M" is no finding): what asks a
    bare Result again, and what a rewrite must do to be taken."""
    return any(not n.named for n in numbers_in(text))


def result_evidence(summary: Summary, body: str, abstract: SourceIndex) -> list[Quote]:
    """The body's sentences to quote when asking again for a Result written from the full text with no number,
    while the body states numbers the abstract does not; empty when the Result has a number or the body no
    more than its abstract."""
    if states_a_number(summary.result):
        return []
    holding = []  # (finding, where, measure, order, sentence)
    beyond = order = 0
    for heading, text in _sections(body):
        where = 0 if _RESULTS.search(heading) else 2 if _OPENING.search(heading) or not heading else 1
        for sentence in sentences_of(" ".join(plain_numbers(text).split())):
            order += 1
            new = [n for n in numbers_in(sentence) if not n.named and abstract.find(n) is None]
            beyond += len(new)
            rank = _worth_quoting(sentence, new)
            if rank is not None:  # a finding anywhere (an introduction's "9-17% more efficient") comes first
                holding.append((rank[0], 0 if sentence.startswith("Table") else where, rank[1], order,
                                Quote(sentence, tuple(n.text for n in rank[2]))))
    if beyond < BODY_NUMBERS:
        return []
    return [_shortened(quote) for *_, quote in sorted(holding)[:QUOTED]]


def _shortened(quote: Quote) -> Quote:
    """The quote cut to `_QUOTE_CHARS`, keeping only the numbers still in what is shown."""
    if len(quote.text) <= _QUOTE_CHARS:
        return quote
    text = quote.text[:_QUOTE_CHARS - 1] + "…"
    return Quote(text, tuple(n for n in quote.numbers if n in text))


def reask_note(checks: Checks, evidence: Sequence[Quote] = ()) -> str:
    """The one re-ask the gate makes: the numbers by name, and what to do instead; or, for a Result without a
    number from a body that has them, sentences of the body that state them and those numbers again (a small
    model copies what it is shown, and a list it is told to pick from, far more readily than it searches a
    long text for it)."""
    notes = []
    if checks.unsupported:
        named = ", ".join(f"{m.number} ({m.field})" for m in checks.unsupported)
        notes.append(f"these numbers are not in the paper's text: {named}. Use only numbers the text states, "
                     "exactly as it states them, or say it without a number")
    if evidence:
        quoted = " ".join(f"«{quote.text}»" for quote in evidence)
        numbers = ", ".join(list(dict.fromkeys(n for quote in evidence for n in quote.numbers))[:LISTED])
        notes.append(f'"result" states no number, but the text does, for example: {quoted} Write "result" again '
                     f"with two or three of the paper's key numbers (such as {numbers}), each copied exactly as "
                     "the text writes it, with what it measures")
    return "; ".join(notes)
