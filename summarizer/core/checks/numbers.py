"""Numbers in text as values: "1.2万", "12K" and "12,000" are one number; "95.3%" is 0.953 too.

The faithfulness gate compares the numbers a summary states with those of the text the model saw.
Both sides go through `numbers_in`, so a number inside a name ("GPT-4", "Qwen2.5-7B") is read the
same way on both and needs no special case. A written number keeps its shown precision: "95.3%"
stands for anything the source states that rounds to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from text_to_num import text2num

_SCALES = {
    "万亿": 1e12, "千万": 1e7, "百万": 1e6, "万": 1e4, "亿": 1e8, "千": 1e3,
    "k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12,
    "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
    "Thousand": 1e3, "Million": 1e6, "Billion": 1e9, "Trillion": 1e12,
    # "10 millions of trips", "five hundreds of operations": a plural scale is still the scale
    "thousands": 1e3, "millions": 1e6, "billions": 1e9, "trillions": 1e12,
}
_PERCENT = ("%", "％", "percent", "per cent", "个百分点", "百分点", "percentage points", "percentage point", "pp",
            "p.p.")
_TIMES = ("倍", "×", "x", "X", "-fold", " fold", "fold")

_DIGITS = r"(?<!\d,)\d{1,3}(?:(?:,|\{,\}|\\,)\d{3})+(?![\d])(?:\.\d+)?|\d+(?:\.\d+)?|(?<![A-Za-z])\.\d+"
_CJK_SCALE = "|".join(re.escape(s) for s in sorted(_SCALES, key=len, reverse=True) if not s.isascii())
_LATIN_SCALE = "|".join(re.escape(s) for s in sorted(_SCALES, key=len, reverse=True) if s.isascii())
_UNIT = "|".join(re.escape(s) for s in sorted(_PERCENT + _TIMES, key=len, reverse=True))
# a Latin scale only counts alone ("7B", "12K tokens"), never as the start of a word ("3Mb", "8Bit");
# "900多万" (over nine million) is read as 900万
_NUMBER = re.compile(
    rf"(?P<times>[×xX](?=\s?\d))?(?P<num>{_DIGITS})"
    rf"(?:\s?(?P<more>[多余])?(?P<scale>{_CJK_SCALE})|(?:\s|-(?!k))?(?P<latin>{_LATIN_SCALE})(?![A-Za-zÀ-ɏ]))?"
    rf"(?:\s?(?P<unit>{_UNIT})(?![A-Za-z]))?"
)
# "1. ", "2、", "3)" opening an item of a list number the item, they state nothing
# "3/7B" (3B and 7B) shares its scale as a range does
_RANGE_TAIL = re.compile(rf"-?\s?(?:--|-|–|—|~|～|/|到|至|或|和|to|or|and)\s?(?={_DIGITS})")
_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "million": 1e6, "billion": 1e9, "dozen": 12, "twice": 2, "double": 2, "doubles": 2, "doubled": 2,
    "triple": 3, "tripled": 3, "triples": 3, "quadruple": 4, "quadrupled": 4, "quadruples": 4, "half": 0.5,
    "quarter": 0.25, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    "single": 1, "pair": 2, "dual": 2, "both": 2,
    # a summary writes "2024年7月" for "July 2024"
    "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
}
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_WORD = re.compile(r"\b(?:(" + "|".join(_TENS) + r")[- ]?(" + "|".join(_UNITS) + r")|(" + "|".join(_WORDS) + r"))"
                   r"(?:[- ](hundreds?|thousands?|millions?|billions?|trillions?|decades?))?(?:-?fold)?\b")
# "May" is a month only beside a year or a day ("May 2026", "May 19, 2025"), never the verb
_MAY = re.compile(r"\bMay(?=\s+(?:\d{1,2},?\s+)?(?:19|20)\d\d\b)")
_ORDINALS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fifth": 5, "fifths": 5,
             "sixth": 6, "sixths": 6, "seventh": 7, "sevenths": 7, "eighth": 8, "eighths": 8, "ninth": 9,
             "ninths": 9, "tenth": 10, "tenths": 10, "hundredth": 100, "hundredths": 100, "thousandth": 1000}
# "one-ninth", "two thirds", "one and a half": a source's fractions in words, a summary's "1/9", "67%", "1.5倍"
_WORD_FRACTION = re.compile(r"\b(one|a|two|three|four|five|six|seven|eight|nine)(?:[- ]and[- ]a[- ](half)|[- ]("
                       + "|".join(_ORDINALS) + r"))\b")
# the word patterns run on an ASCII-lowered copy (same length, same offsets): case-blind matching of a long
# alternation is several times slower, and this runs on every sentence of every source
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_WHOLE = {"a": 1, **{w: _WORDS[w] for w in _UNITS}}
_SCALE_WORDS = {**{k: v for k, v in _SCALES.items() if k.islower() and k.isascii()}, "hundred": 100.0,
                "hundreds": 100.0, "decade": 10.0, "decades": 10.0}
# the words of a cardinal number of several words; such a run is read whole by text2num, a maintained parser
_CARDINALS = frozenset(w for w, v in _WORDS.items() if isinstance(v, int) and (v < 20 or w in _TENS)) | frozenset(
    ("hundred", "hundreds", "thousand", "thousands", "million", "millions", "billion", "billions", "trillion",
     "trillions"))
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
# "10^4", "10^{165}", "10**4" and "10⁶⁸": a power of ten is one number ("10^ 10 cm" is TeX's "10^\\circ" and 10 cm)
_POWER_TAIL = re.compile(rf"(?:(?:\^|\*\*)\{{?(\d{{1,3}})\}}?|([⁰¹²³⁴⁵⁶⁷⁸⁹]{{1,3}}))"
                         rf"(?:\s?(?P<unit>{_UNIT})(?![A-Za-z]))?")
_OPEN_PAREN = re.compile(r"[(（][^()（）]*$")
# "\\frac12" is TeX's one half: its digits are two arguments, not the number twelve
_TEX_FRACTION = re.compile(r"\\[dt]?frac\s*$")
_RUN_GAP = re.compile(r"[- ]|\s+and\s+")
_DIGIT_WORD = "|".join(("zero", *_UNITS))
# "three point two", "seventy three point eight": the whole part is read by text2num
_WORD_POINT = re.compile(rf"\b((?:[a-z]+[- ])?[a-z]+) point ((?:{_DIGIT_WORD})(?: (?:{_DIGIT_WORD}))*)\b")
# "an order of magnitude" is 10x, "4 orders of magnitude" 10^4
_MAGNITUDE = re.compile(r"\b(?:(an|one|two|three|four|five|six|[1-9]) )?orders? of magnitude")
_OUT_OF = re.compile(r"\b([a-z]+|\d+) out of (?:the )?([a-z]+|\d+)\b")  # "nine out of ten" is 90%
_A_UNIT = re.compile(r"\ban? (?:second|minute|hour|day|week|month|year)\b")  # "in under a second": "1秒内"
_HALF_A = re.compile(r"\bhalf an? (hundred|thousand|million|billion|trillion)\b")  # "half a billion" is 5亿


@dataclass(frozen=True)
class Number:
    """One number as written: where it stands, its value in plain units, the step its last digit shows."""

    text: str
    start: int
    value: float
    step: float  # 0.1 for "95.3%", 1000 for "1.2万"
    raw: float = 0.0  # the digits alone, without the scale word ("12" of "12K")
    percent: bool = False
    times: bool = False
    at_least: bool = False  # "168万多", "超过1.6万", "10+": the digits are cut, not rounded
    named: bool = False  # part of a name ("GPT-4", "R@5", "Qwen2.5"), not a measure


_MORE_BEFORE = re.compile(r"(?:超过|超|逾|多于|大于|over|more than|above|exceeding)\s*$", re.IGNORECASE)
_MORE_AFTER = re.compile(r"\s*(?:[多余+]|以上)")


_CHAIN = re.compile(r"[A-Za-z][\w.]*[-_](?:\d+[-_])*$")  # "kl3m-003-" of "kl3m-003-64k": one identifier


def _named(text: str, match: re.Match[str]) -> bool:
    before = text[max(0, match.start() - 2): match.start()]
    after = text[match.end(): match.end() + 1]
    return bool(re.search(r"[A-Za-z@]$|[A-Za-z]-$", before) or re.match(r"[A-Za-z]", after)
                or before[-1:] in ("-", "_") and _CHAIN.search(text, max(0, match.start() - 40), match.start()))


def _at_least(text: str, match: re.Match[str]) -> bool:
    return bool(match.group("more") or _MORE_AFTER.match(text, match.end())
                or _MORE_BEFORE.search(text, max(0, match.start() - 12), match.start()))


def _parse(match: re.Match[str], scale_after: str | None = None, unit_after: str | None = None,
           text: str = "") -> Number:
    raw = re.sub(r"[^\d.]", "", match.group("num"))
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    if not decimals:  # "1410万" is 1.41e7 rounded: trailing zeros show no digit, down to two significant ones
        digits = raw.lstrip("0")
        decimals = -min(len(digits) - len(digits.rstrip("0")), max(len(digits) - 2, 0))
    scale_word = match.group("scale") or match.group("latin") or scale_after
    unit = match.group("unit") or unit_after
    scale = _SCALES.get(scale_word, 1.0) if scale_word else 1.0
    value = float(raw) * scale
    return Number(text=match.group(0).strip(), start=match.start(), value=value, step=scale * 10.0 ** -decimals,
                  raw=float(raw), at_least=_at_least(text, match) if text else False,
                  named=_named(text, match) if text else False,
                  percent=unit in _PERCENT if unit else False,
                  times=bool(match.group("times")) or (unit in _TIMES if unit else False))


def _list_mark(text: str, match: re.Match[str]) -> bool:
    """ "(2)", "2)", "2." or "2、" opening an item of a list: it numbers the item, it states nothing."""
    start, end = match.start(), match.end()
    if match.group("times") or match.group("unit") or end - start > 2 or not match.group(0).isdigit():
        return False
    before, after = text[start - 1: start], text[end: end + 1]
    if before in ("(", "（") and after in (")", "）"):
        return True
    if _OPEN_PAREN.search(text, max(0, start - 24), start):  # "(i.e., 90)", "(Task 1) … (Task 2)": no list
        return False
    if after not in (".", "、", ")", "）") or (after in ".、" and text[end + 1: end + 2].isdigit()):
        return False
    opens = text[:start].rstrip(" ")
    if not opens or opens[-1] in "\n;；。:：" or (opens[-1] in ",，" and after != "."):  # "1, 2, 4, 8." ends a list
        return True
    # "… 2.参数共享 …" and "（…9.1个）2) …" in running text: a list only when its neighbour item is marked the same way
    return (before.isspace() or before in ")）") and _sibling_mark(text, int(match.group(0)), after, start, end)


def _sibling_mark(text: str, n: int, mark: str, start: int, end: int) -> bool:
    earlier = re.search(rf"(?:^|[\s)）]){n - 1}{re.escape(mark)}(?!\d)", text[:start]) if n > 1 else None
    later = re.search(rf"\s{n + 1}{re.escape(mark)}(?!\d)", text[end:])
    return bool(earlier or later)


def numbers_in(text: str, source: bool = False) -> list[Number]:
    """Every number of `text`, in order; a range's unit and scale ("10-20%", "3~5万") belong to both ends.

    LaTeX's digit grouping ("15{,}000", "15\\,000") reads as the plain number: abstracts are written in TeX.
    Read as a `source`, the text is generous where a summary's is strict: a list's item marks ("(2)"), left
    out of a summary, are kept as names (a source's "(2) LoRA" states the "阶段2" of a summary, and is never a
    quantity to pair), and "3/7B" shares its scale (3B), where a summary's "455/806K" stays 455.
    """
    found: list[Number] = []
    pending: list[re.Match[str]] = []  # the first ends of a range, waiting for the unit its last end carries
    position = 0
    while (match := _NUMBER.search(text, position)) is not None:
        position = match.end()
        if _TEX_FRACTION.search(text, max(0, match.start() - 7), match.start()):
            continue
        if _list_mark(text, match):
            if source:
                found.append(replace(_parse(match), named=True))
            continue
        if match.group(0) == "10" and (power := _POWER_TAIL.match(text, position)):  # "快10^4倍"
            found.append(_power(match, power))
            position = power.end()
            continue
        tail = _RANGE_TAIL.match(text, position)
        if tail and "/" in tail.group(0) and not source:
            tail = None
        if (tail and not match.group("unit") and not (match.group("scale") or match.group("latin"))
                and not _named(text, match)):  # "LTX-2.3和2B": a name's number takes no scale from the next
            pending.append(match)
            position = tail.end()
            continue
        last = _parse(match, text=text)
        for first in pending:
            found.append(_parse(first, match.group("scale") or match.group("latin"), match.group("unit"), text))
        pending = []
        found.append(last)
    found.extend(_parse(first, text=text) for first in pending)
    return found


def _power(ten: re.Match[str], power: re.Match[str]) -> Number:
    value = 10.0 ** int(power.group(1) or power.group(2).translate(_SUPERSCRIPT))
    unit = power.group("unit")
    return Number(text=ten.group(0) + power.group(0).rstrip(), start=ten.start(), value=value, step=1.0, raw=value,
                  percent=unit in _PERCENT if unit else False, times=unit in _TIMES if unit else False)


def number_words_in(text: str) -> list[Number]:
    """English number words ("three", "twice", "a dozen"): a source may spell out what a summary writes in digits."""
    found = []
    lowered = text.translate(_ASCII_LOWER)
    for m in _WORD.finditer(lowered):
        tens, units, word, scale = m.groups()
        value = float(_WORDS[tens] + _WORDS[units]) if tens else float(_WORDS[word])
        value *= _SCALE_WORDS[scale] if scale else 1.0
        found.append(Number(text=text[m.start():m.end()], start=m.start(), value=value, step=1.0, raw=value))
    found.extend(_runs(text, lowered, found))
    if "half a" in lowered:
        found.extend(Number(text=text[m.start():m.end()], start=m.start(), value=0.5 * _SCALES[m.group(1)],
                            step=1.0, raw=0.5 * _SCALES[m.group(1)]) for m in _HALF_A.finditer(lowered))
    found.extend(_spoken(text, lowered))
    if "May" in text:  # the month's own test, skipped on the many texts without the word
        found.extend(Number(text=m.group(0), start=m.start(), value=5.0, step=1.0, raw=5.0)
                     for m in _MAY.finditer(text))
    for m in _WORD_FRACTION.finditer(lowered):
        whole, and_half, part = m.groups()
        if and_half:  # "one and a half times"
            value = denominator = _WHOLE[whole] + 0.5
        else:
            denominator = float(_ORDINALS[part])
            value = _WHOLE[whole] / denominator
        # the value is what "11%" or "1.5倍" states; the denominator is the "9" of "1/9" or "降低9倍"
        found.append(Number(text=text[m.start():m.end()], start=m.start(), value=value, step=1e-9,
                            raw=denominator))
    return found


def _runs(text: str, lowered: str, words: list[Number]) -> Iterable[Number]:
    """Numbers of several words read whole: "one hundred seventy seven" is 177, not 100 and 77."""
    run: list[Number] = []
    for word in [*words, None]:
        if word is not None and _cardinal(word) and (
                not run or _RUN_GAP.fullmatch(lowered, run[-1].start + len(run[-1].text), word.start)):
            run.append(word)
            continue
        if len(run) > 1:
            start, end = run[0].start, run[-1].start + len(run[-1].text)
            try:
                value = float(text2num(lowered[start:end], "en"))
            except ValueError:  # "one two three" is a list, not a number
                value = 0.0
            if value:
                yield Number(text=text[start:end], start=start, value=value, step=1.0, raw=value)
        run = [word] if word is not None and _cardinal(word) else []


def _cardinal(word: Number) -> bool:
    return all(part in _CARDINALS for part in re.split(r"[- ]+", word.text.translate(_ASCII_LOWER)))


def _spoken(text: str, lowered: str) -> Iterable[Number]:
    """Numbers said the way one reads them aloud: "three point two", "an order of magnitude", "nine out of ten"."""
    if " point " in lowered:
        for m in _WORD_POINT.finditer(lowered):
            whole = _whole_number(m.group(1))
            if whole is None:
                continue
            value = float(f"{whole}." + "".join(str(_WORDS[w]) for w in m.group(2).split()))
            yield Number(text=text[m.start():m.end()], start=m.start(), value=value, step=1.0, raw=value)
    if "magnitude" in lowered:
        for m in _MAGNITUDE.finditer(lowered):
            count = m.group(1) or "an"
            value = 10.0 ** (int(count) if count.isdigit() else 1 if count == "an" else _WORDS[count])
            yield Number(text=text[m.start():m.end()], start=m.start(), value=value, step=1.0, raw=value, times=True)
    for m in _A_UNIT.finditer(lowered):
        yield Number(text=text[m.start():m.end()], start=m.start(), value=1.0, step=1.0, raw=1.0)
    if " out of " in lowered:
        for m in _OUT_OF.finditer(lowered):
            part, total = (float(g) if g.isdigit() else float(_WORDS.get(g, 0)) for g in m.groups())
            if 0 < part <= total:  # a share, as "90%" or "9/10" state it
                yield Number(text=text[m.start():m.end()], start=m.start(), value=part / total, step=1e-9, raw=total)


def _whole_number(words: str) -> int | None:
    """ "seventy three" or "zero" as a number; "at seventy three" is read from its last word that counts."""
    for candidate in (words, words.split()[-1]):
        if candidate == "zero":
            return 0
        try:
            return int(text2num(candidate, "en"))
        except ValueError:
            continue
    return None
