"""The faithfulness gate: each number of TL;DR, Method and Result found in the text the model saw, or marked.

A number is found when the source states a value that rounds to it at the precision it is written
with (in any of the source's scales: "12K" for "1.2万", "0.953" for "95.3%"), or when two numbers
of one passage of the source make it: their difference (percentage points, too), their ratio, or
the relative change from one to the other. Each found number keeps the sentence it came from, so a
reader can check it; a number not found is marked, never published as if it were checked.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from summarizer.core.checks.numbers import Number, number_words_in, numbers_in
from summarizer.core.models import Checks, Evidence, NumberMark, Summary

CHECKED_FIELDS = ("tldr", "method", "result")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？;；])\s+(?!\d)")
# "86. 27%" (a decimal an abstract's wrapping split) and "72,64%" or "4,6k" (a decimal comma) also stand for
# 86.27, 72.64 and 4600; "13 977" and "5 227.2" (thousands grouped by spaces) and "3'123'253" (Swiss) for the
# plain number
_ODD_DECIMAL = re.compile(r"\d{1,3}(?:'\d{3})+(?!\d)|\d+\.\s+\d+%?|\d+,\d{1,2}(?!\d)(?:%|\s?[kKMB](?![A-Za-z]))?"
                          r"|(?<![\d.,])\d{1,3}(?:\s\d{3})+(?:\.\d+)?(?![\d.,]?\d)")
# "1/15" and "\frac{1}{250}": a fraction is a value too, as "6.7%" or "1/250" may state it
_DIGIT = re.compile(r"\d")
_SLASHED = re.compile(r"(?<![\d.])(\d+)\s?/\s?(\d+)(?![\d.])")
_PASSAGE = re.compile(r"\n\s*\n")
_SMALL_M = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s?m\b")
_POINT = re.compile(r"(?<![\d.])(\d+) point (\d+)\b")
_SCIENTIFIC = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s?(?:x|×|\\times|\*)\s?10\s?\^\s?\{?(\d{1,2})\}?(?!\d)")
_SUPERSCRIPT_TEX = re.compile(r"\\textsuperscript\s?\{(\d{1,3})\}")
_SPELLED_DIGITS = re.compile(r"(?<![\d-])\d(?:-\d){2,3}(?![\d-])")
_DECADE = re.compile(r"\b(?:1[89]|20)(\d)0s\b")  # "the 1990s" is "90年代"
_POWER = re.compile(r"(?<![\d.])10\s?(?:\^|\*\*)\s?\{?(\d{1,2})\}?(?!\d)")
_E_NOTATION = re.compile(r"(?<![\w.])\d(?:\.\d+)?[eE][+]?\d{1,2}(?![\w.])")
_LOST_SPACE = re.compile(r"(?<=\d),(?=[A-Za-z])")
_MAX_PAIRED = 24  # numbers of one sentence paired with each other (a table row of hundreds is not)
_SHORT = 4000  # a source this short (an abstract) is one passage


def sentences_of(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


@dataclass
class _Sorted:
    values: list[float] = field(default_factory=list)
    sentence: list[int] = field(default_factory=list)

    def fill(self, pairs: list[tuple[float, int]]) -> None:
        pairs.sort(key=lambda p: p[0])
        self.values = [v for v, _ in pairs]
        self.sentence = [i for _, i in pairs]

    def near(self, target: float, tolerance: float) -> int | None:
        lo = bisect.bisect_left(self.values, target - tolerance)
        if lo < len(self.values) and self.values[lo] <= target + tolerance:
            return self.sentence[lo]
        return None


@dataclass
class SourceIndex:
    """The numbers of a source text, each with its sentence, and what two numbers of one sentence make.

    What two numbers make counts for a number of its kind only (a difference for any, a ratio for
    "3.6倍", a relative change for "52%") and within one sentence: across a whole text some pair lands
    near almost any number, and an invented one would pass as made. A name's number ("GPT-4",
    "R@5") is matched as stated, never paired.
    """

    sentences: list[str] = field(default_factory=list)
    stated: _Sorted = field(default_factory=_Sorted)
    percents: _Sorted = field(default_factory=_Sorted)  # "2.8%" as 2.8: never the "2.8倍" of a summary
    differences: _Sorted = field(default_factory=_Sorted)
    points: _Sorted = field(default_factory=_Sorted)  # differences of two percents: never a summary's multiple
    ratios: _Sorted = field(default_factory=_Sorted)
    changes: _Sorted = field(default_factory=_Sorted)
    sums: _Sorted = field(default_factory=_Sorted)

    @classmethod
    def of(cls, text: str) -> SourceIndex:
        index = cls()
        passages = [text] if len(text) <= _SHORT else [p for p in _PASSAGE.split(text) if p.strip()]
        made: dict[str, list[tuple[float, int]]] = {"stated": [], "percents": [], "differences": [], "points": [],
                                                     "ratios": [], "changes": [], "sums": []}
        for passage in passages:
            passage = " ".join(plain_numbers(passage).split())
            for sentence in sentences_of(passage):
                index.sentences.append(sentence)
                at = len(index.sentences) - 1
                found = numbers_in(sentence, source=True) + number_words_in(sentence)
                for n in found:
                    forms = list(_forms(n))
                    if n.percent:  # _forms yields the value first
                        made["percents"].append((forms.pop(0), at))
                    made["stated"].extend((v, at) for v in forms)
                made["stated"].extend((v, at) for v in _other_forms(sentence))
                _pair([n for n in found if n.value and not n.named][:_MAX_PAIRED], at, made)
        for kind, pairs in made.items():
            getattr(index, kind).fill(pairs)
        return index

    def find(self, number: Number) -> str | None:
        """The sentence that states `number`, or two numbers of which make it; None when the source does not."""
        stated = [self.stated] if number.times else [self.stated, self.percents]
        kinds = [*stated, self.differences] + ([] if number.times else [self.points])
        kinds += [self.ratios] if number.times else [self.changes] if number.percent else []
        kinds += [self.sums] if _count(number) else []
        for target, tolerance, stated_only in _targets(number):
            for kind in stated if stated_only else kinds:
                at = kind.near(target, tolerance)
                if at is not None:
                    return self.sentences[at]
        return None


def _other_forms(sentence: str) -> Iterable[float]:
    """Values a sentence states that its numbers one by one do not: a split or comma decimal, space-grouped
    thousands, a fraction's value, "110m" as millions, "88 point 7"."""
    if not _DIGIT.search(sentence):  # each form has digits; most sentences have none, and this runs on every one
        return
    for m in _ODD_DECIMAL.finditer(sentence):
        written = m.group(0).replace(" ", "").replace(",", ".").replace("'", "")  # "3'123'253" is Swiss
        yield from (v for n in numbers_in(written) for v in _forms(n))
    for m in _SLASHED.finditer(sentence):
        if int(m.group(2)):
            yield int(m.group(1)) / int(m.group(2))
    for m in _SMALL_M.finditer(sentence):  # "110m parameters", "5m datapoints": millions, or metres
        yield float(m.group(1)) * 1e6
    for m in _POINT.finditer(sentence):  # "88 point 7": a decimal read aloud
        yield float(f"{m.group(1)}.{m.group(2)}")
    for m in _SPELLED_DIGITS.finditer(sentence):  # "9-1-1" is 911
        yield float(m.group(0).replace("-", ""))
    for m in _DECADE.finditer(sentence):
        yield float(m.group(1)) * 10


def _pair(numbers: list[Number], at: int, made: dict[str, list[tuple[float, int]]]) -> None:
    """Differences (percentage points too), ratios and relative changes of the numbers of one sentence, and
    sums of two counts ("9 open-source and 4 closed-source" models are 13)."""
    for i, first in enumerate(numbers):
        for second in numbers[i + 1:]:
            if first.percent != second.percent:
                continue
            a, b = first.value, second.value
            if _count(first) and _count(second):
                made["sums"].append((a + b, at))
            made["points" if first.percent else "differences"].append((abs(a - b), at))
            made["ratios"].extend(((a / b, at), (b / a, at)))
            made["changes"].extend(((abs(a - b) / abs(b) * 100, at), (abs(a - b) / abs(a) * 100, at)))


def _count(n: Number) -> bool:
    """A whole number of things, small enough to be counted ("13 models"), not a measure."""
    return not (n.percent or n.times or n.named) and 1 <= n.value < 1000 and n.step >= 1  # step 1+: whole


def plain_numbers(text: str) -> str:
    """Source text with TeX's markup taken out around numbers ("$\\bf{3 \\space billion}$" is 3 billion)."""
    # "$10^3\\times$" is also 1000x and "1.5e8 passes" 150000000: the value joins what is written
    if "textsuperscript" in text:
        text = _SUPERSCRIPT_TEX.sub(r"^{\1}", text)  # "10\\textsuperscript{92}"
    if "^" in text or "**" in text:  # the powers' own tests, skipped on the many texts without one
        text = _SCIENTIFIC.sub(lambda m: f"{m.group(0)} ({float(m.group(1)) * 10 ** int(m.group(2)):.0f})", text)
        text = _POWER.sub(lambda m: f"{m.group(0)} ({10 ** int(m.group(1)):d})", text)
    text = _E_NOTATION.sub(lambda m: f"{m.group(0)} ({float(m.group(0)):.0f})", text)
    text = text.replace("~", " ")  # TeX's unbreakable space ("14~M tokens"); "~140K" is 140K all the same
    text = _LOST_SPACE.sub(" ", text)  # "2.0,M-parameter", "23,ms": TeX's thin space, its backslash lost
    if "\\" not in text and "$" not in text:
        return text
    text = re.sub(r"\\[dt]?frac\s*(?:\{([^{}]*)\}|(\d))\s*(?:\{([^{}]*)\}|(\d))",
                  lambda m: f"{m.group(1) or m.group(2)}/{m.group(3) or m.group(4)}", text)
    text = re.sub(r"\\[,;!:]", "", text.replace("{,}", ",").replace("\\%", "%"))
    text = text.replace("}{", "} {")  # "\\frac{2}{1-k}" keeps its 2 and 1 apart when the braces go
    return re.sub(r"[{}]", "", re.sub(r"\\[A-Za-z]+\*?|\\ |\$", " ", text))


def _forms(n: Number) -> Iterable[float]:
    """What one source number may be written as in a summary: its value, its digits alone, as a percent."""
    yield n.value
    if n.raw != n.value:
        yield n.raw
    if n.percent:
        yield n.value / 100
        yield 100 - n.value  # "99.4% less data" is 0.6% of it
    if n.step == 0.001 and n.raw >= 1:  # "100.000" may be a hundred thousand, written the European way
        yield n.raw * 1000


def _targets(n: Number) -> Iterable[tuple[float, float, bool]]:
    """The ranges the source's value may lie in for `n`, as (centre, half width, stated only): rounded to its
    last digit, or cut there ("153万" for 1,535,010). A cut is matched against what the source states, never
    what two numbers make (it doubles the window, and invented ratios would slip in), unless the summary says
    it cut ("14倍以上", "168万多")."""
    forms = [(abs(n.value), n.step)]
    if n.named and n.raw != n.value:  # "GPT-OSS-20B" for the source's "gpt-oss-20b": a name, as written
        forms.append((abs(n.raw), n.step * abs(n.raw / n.value)))
    if n.percent:
        forms.append((abs(n.value) / 100, n.step / 100))
    elif abs(n.value) <= 1:
        forms.append((abs(n.value) * 100, n.step * 100))
    for value, step in forms:
        half = step / 2 * (1 + 1e-9) + 1e-12
        yield value, half, False
        # [value, value + step): 10 is no cut 9.9, unless "9.9倍以上" says at least
        yield value + step / 2, half if n.at_least else step / 2 * (1 - 1e-9), not n.at_least


def check_fields(fields: dict[str, str], source: SourceIndex) -> Checks:
    """The gate over named field texts: each number found (with its sentence) or unsupported."""
    unsupported: list[NumberMark] = []
    evidence: list[Evidence] = []
    for name, text in fields.items():
        for n in numbers_in(text):
            sentence = source.find(n) or _list_found(n, source)
            if sentence is None:
                unsupported.append(NumberMark(field=name, number=n.text, at=n.start))
            else:
                evidence.append(Evidence(field=name, number=n.text, at=n.start, sentence=sentence))
    return Checks(unsupported=unsupported, evidence=evidence)


def _list_found(n: Number, source: SourceIndex) -> str | None:
    """ "(256,239)", "σ=75,100": a summary's list with its spaces dropped reads as one grouped number; it is
    found when each item is."""
    if "," not in n.text or n.percent or n.times:
        return None
    items = [numbers_in(part) for part in n.text.split(",")]
    if not all(len(found) == 1 for found in items):
        return None
    sentences = [source.find(found[0]) for found in items]
    return sentences[0] if all(sentences) else None


def check_summary(summary: Summary, source: SourceIndex) -> Checks:
    return check_fields({name: getattr(summary, name) for name in CHECKED_FIELDS}, source)


def source_text(title: str, body: str) -> str:
    """The text a summary is checked against: what the model was shown, title first."""
    return f"{title}\n\n{body}"
