"""Is an LLM answer a usable summary? Parse it, repair what is harmless, refuse the rest.

Pure functions: JSON extracted from code fences and prose, LaTeX backslashes that break JSON
repaired rather than rejected, the five fields required as non-empty strings, the target language
checked the way a reader would, and copies of the abstract refused. A refusal is an
`AnswerInvalid` whose message is written for the model, since it is sent back in the re-ask.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError

from summarizer.core.models import SUMMARY_FIELDS, Summary


class AnswerInvalid(ValueError):
    """The answer cannot be used; the message says why, for the re-ask."""


_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
# LaTeX commands whose first letter makes a *valid* JSON escape (\b \f \n \r \t \u): "\frac" parses
# as a form feed followed by "rac", so these are doubled before parsing rather than trusted.
_AMBIGUOUS_LATEX = (
    "beta bar bf boldsymbol big bigl bigr binom bmod bot bullet frac forall nabla neq ne nu not nolimits "
    "rho right rightarrow rangle rceil rfloor theta tau times text textbf textit texttt top tilde to triangle "
    "tfrac underline uparrow upsilon"
).split()
_AMBIGUOUS_RE = re.compile(r"(?:" + "|".join(sorted(_AMBIGUOUS_LATEX, key=len, reverse=True)) + r")(?![A-Za-z])")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:['’\-_.][A-Za-z0-9]+)*")
_CJK_LANGUAGES = {"chinese", "zh", "zh-cn", "zh-tw", "simplified chinese", "traditional chinese", "中文",
                  "japanese", "ja", "korean", "ko"}
_LATIN_LANGUAGES = {"english", "en"}


def repair_json_escapes(text: str) -> str:
    """Double the backslashes of LaTeX inside JSON strings; leave real JSON escapes alone."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1 : i + 2]
        if nxt == "\\":
            out.append("\\\\")
            i += 2
        elif nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2 : i + 6]):
            out.append(text[i : i + 6])
            i += 6
        elif nxt and nxt in '"/bfnrt' and not _AMBIGUOUS_RE.match(text, i + 1):
            out.append(text[i : i + 2])
            i += 2
        else:
            out.append("\\\\")
            i += 1
    return "".join(out)


def extract_json_object(text: str | None) -> Any:
    """The JSON object in an answer that may wrap it in code fences or prose."""
    if text is None or not text.strip():
        raise AnswerInvalid("the answer was empty; reply with the JSON object")
    fenced = _FENCE.search(text)
    body = fenced.group(1) if fenced else text
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end <= start:
        raise AnswerInvalid("the answer contains no JSON object; reply with only the JSON object")
    try:
        return json.loads(repair_json_escapes(body[start : end + 1]), strict=False)
    except json.JSONDecodeError as exc:
        raise AnswerInvalid(f"the JSON object is not valid JSON ({exc.msg} at position {exc.pos})") from None


def language_ratio(text: str, language: str) -> float | None:
    """Share of the text in the target script, words of other scripts counting one each.

    A model, dataset or acronym (`SEGVAE`, `HumanEval`) is one word however long it is, so dense
    technical Chinese passes while English fails. None when the language has no check.
    """
    lang = language.strip().lower()
    cjk = len(_CJK.findall(text))
    words = len(_WORD.findall(text))
    if lang in _CJK_LANGUAGES:
        return cjk / (cjk + words) if cjk + words else 0.0
    if lang in _LATIN_LANGUAGES:
        return words / (cjk + words) if cjk + words else 0.0
    return None


def check_language(fields: dict[str, str], language: str, threshold: float) -> None:
    whole = language_ratio("\n".join(fields.values()), language)
    if whole is None:
        return
    if whole < threshold:
        raise AnswerInvalid(f"the answer is not written in {language}; write every field in {language}")
    for name, value in fields.items():
        ratio = language_ratio(value, language)
        if ratio is not None and ratio < threshold / 2:
            raise AnswerInvalid(f"the field '{name}' is not written in {language}; write it in {language}")


def _shingles(text: str, size: int = 6) -> set[tuple[str, ...]]:
    words = [w.lower() for w in _WORD.findall(text)]
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def check_not_copied(fields: dict[str, str], abstract: str) -> None:
    source = _shingles(abstract)
    if not source:
        return
    for name, value in fields.items():
        mine = _shingles(value)
        if len(mine) >= 3 and len(mine & source) / len(mine) > 0.5:
            raise AnswerInvalid(f"the field '{name}' copies the abstract; summarize it in your own words")


def validate_fields(data: Any) -> dict[str, str]:
    """The five fields as stripped non-empty strings, or why not (the schema, strictly)."""
    if not isinstance(data, dict):
        raise AnswerInvalid("the answer must be one JSON object with the keys " + ", ".join(SUMMARY_FIELDS))
    missing = [f for f in SUMMARY_FIELDS if f not in data]
    if missing:
        raise AnswerInvalid("the JSON object lacks the keys: " + ", ".join(missing))
    extra = [k for k in data if k not in SUMMARY_FIELDS]
    if extra:
        raise AnswerInvalid("the JSON object has unexpected keys: " + ", ".join(map(str, extra)))
    fields: dict[str, str] = {}
    for name in SUMMARY_FIELDS:
        value = data[name]
        if not isinstance(value, str):
            raise AnswerInvalid(f"the field '{name}' must be a string")
        if not value.strip():
            raise AnswerInvalid(f"the field '{name}' is empty")
        fields[name] = value.strip()
    return fields


def validate_answer(text: str | None, abstract: str, language: str, threshold: float) -> Summary:
    """A checked `Summary` from the raw answer text, or `AnswerInvalid`."""
    fields = validate_fields(extract_json_object(text))
    check_language(fields, language, threshold)
    check_not_copied(fields, abstract)
    try:
        return Summary(**fields)
    except ValidationError as exc:  # pragma: no cover - validate_fields already enforces the schema
        raise AnswerInvalid(str(exc)) from None


# What a translation must carry over unchanged: math, URLs, code spans and numbers.
PRESERVED = re.compile(
    r"\$\$.+?\$\$|\$[^$\n]+?\$|\\\(.+?\\\)|\\\[.+?\\\]"  # LaTeX math
    r"|https?://[^\s)\]}>\"'，。）]+"  # URLs
    r"|`[^`\n]+`"  # code spans
    r"|(?<![\w.])[+\-−]?\d+(?:[.,]\d+)*(?:%|x|×)?(?![\w])",  # numbers: 65.25, +12.94, 1.8x, 15%
    re.DOTALL,
)


def preserved_spans(text: str) -> list[str]:
    """The spans of `text` that a translation must reproduce exactly, outermost first."""
    return list(dict.fromkeys(m.group(0).rstrip(".,;:") for m in PRESERVED.finditer(text)))


def check_preserved(source: str, translation: str) -> None:
    missing = [span for span in preserved_spans(source) if span not in translation]
    if missing:
        shown = ", ".join(repr(s) for s in missing[:5])
        raise AnswerInvalid(f"the translation changed or dropped {shown}; copy these exactly as in the source")


def check_glossary(source: str, translation: str, glossary: dict[str, str]) -> None:
    for term, fixed in glossary.items():
        if re.search(rf"(?<![\w]){re.escape(term)}(?![\w])", source):
            wanted = term if fixed.lower() == "keep" else fixed
            if wanted not in translation:
                raise AnswerInvalid(f"the glossary requires {term!r} to appear as {wanted!r}")


def validate_translation(text: str | None, source: str, language: str, threshold: float,
                         glossary: dict[str, str]) -> str:
    """The translated text from a `{"translation": ...}` answer, checked, or `AnswerInvalid`."""
    data = extract_json_object(text)
    if not isinstance(data, dict) or set(data) != {"translation"}:
        raise AnswerInvalid('the answer must be a JSON object with exactly one key, "translation"')
    value = data["translation"]
    if not isinstance(value, str) or not value.strip():
        raise AnswerInvalid('"translation" must be a non-empty string')
    value = value.strip()
    ratio = language_ratio(value, language)
    # A short name ("HiGeMine", "BitRL-Light") stays as it is in any language: too little text to judge.
    judged = len(_CJK.findall(value)) + len(_WORD.findall(value)) >= 4
    if judged and ratio is not None and ratio < threshold:
        raise AnswerInvalid(f"the translation is not written in {language}; write it in {language}")
    check_preserved(source, value)
    check_glossary(source, value, glossary)
    return value
