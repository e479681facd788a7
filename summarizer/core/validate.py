"""Is an LLM answer a usable summary? Parse it, repair what is harmless, refuse the rest.

Pure functions: JSON extracted from code fences and prose, LaTeX backslashes that break JSON repaired
rather than rejected, the five fields required as non-empty strings with no control characters, the target
language checked the way a reader would (an English sentence copied whole into a Chinese field included),
copies of the abstract, a sentence said twice, fields that repeat each other and echoes of the prompt
refused. A refusal is an `AnswerInvalid` whose message is written for the model, since it is sent back in
the re-ask, and whose `kind` names the reason for the run report.
"""

from __future__ import annotations

import difflib
import functools
import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from summarizer.core.languages import Language, target_ratio
from summarizer.core.latex_names import AMBIGUOUS_COMMANDS
from summarizer.core.models import SUMMARY_FIELDS, Summary


class AnswerInvalid(ValueError):
    """The answer cannot be used; the message says why, for the re-ask, and `kind` names the reason.

    `fresh` is set when showing the model its own answer would anchor it to the fault (two fields
    that repeat each other, a copied abstract): the request is then asked again as new, with
    `fresh` added as a note, instead of as a correction of the refused answer.
    """

    def __init__(self, message: str, kind: str = "invalid", fresh: str | None = None,
                 rewrite: Rewrite | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.fresh = fresh
        self.rewrite = rewrite


@dataclass(frozen=True)
class Rewrite:
    """Fields to ask for again on their own and put back, instead of asking for all five again.

    `others` maps each field to write again to the earlier field it repeated ("" when `reason` is
    "language": the field was written in another language); `fields` is every field as parsed, in the
    model's order.
    """

    others: dict[str, str]
    fields: dict[str, str]
    reason: Literal["repeats", "language"] = "repeats"

    @property
    def names(self) -> tuple[str, ...]:
        """The fields to write again, in the model's order."""
        return tuple(self.others)


_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # half an emoji escape ("\ud83d"): not text, and unwritable as UTF-8
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:['’\-_.][A-Za-z0-9]+)*")
_LETTERS = re.compile(r"[A-Za-z]+")
# Text a model copies from a prompt instead of answering: `<the translated text>`, `{{summary}}`.
_PLACEHOLDER = re.compile(r"<(?:the|your|a|an)\s[^<>\n]{1,60}>|\{\{[^{}]*\}\}|\[(?:the|your)\s[^\[\]\n]{1,60}\]",
                          re.IGNORECASE)
_VARIABLE = re.compile(r"\$\{?([a-z_]{3,})\}?")
DUPLICATE_RATIO = 0.9  # real summaries stay below 0.89 between any two fields (daily-arXiv-ai-enhanced's 337 papers)
# What each field is for, in the words of the prompt: a re-ask names what the repeated field should say.
FIELD_PURPOSE = {"tldr": "the paper's contribution, in one sentence", "motivation": "the problem and why it matters",
                 "method": "what the paper proposes and how it works",
                 "result": "the main findings, with the key numbers", "conclusion": "what the results mean"}


def repair_json_escapes(text: str) -> str:
    """Double the backslashes of LaTeX inside JSON strings; leave real JSON escapes alone.

    "\\frac" in a model's JSON is a form feed and "rac" to a JSON parser. A backslash is LaTeX when
    the letters after it name a LaTeX command that starts with a JSON escape letter, or when it
    stands inside `$...$` in the current string; otherwise a valid escape is kept.
    """
    out: list[str] = []
    in_string = False
    dollars = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            in_string = not in_string
            dollars = 0
            out.append(ch)
            i += 1
            continue
        if ch != "\\":
            dollars += ch == "$" and in_string
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1 : i + 2]
        word = _LETTERS.match(text, i + 1)
        name = word.group(0) if word else ""
        if nxt == "\\":
            out.append("\\\\")
            i += 2
        elif nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2 : i + 6]):
            out.append(text[i : i + 6])
            i += 6
        elif nxt and nxt in '"/bfnrt' and name not in AMBIGUOUS_COMMANDS and not (dollars % 2 and len(name) > 1):
            out.append(text[i : i + 2])
            i += 2
        else:
            out.append("\\\\")
            i += 1
    return "".join(out)


def extract_json_object(text: str | None) -> Any:
    """The JSON object in an answer that may wrap it in code fences or prose."""
    if text is None or not text.strip():
        raise AnswerInvalid("the answer was empty; reply with the JSON object", "empty")
    fenced = _FENCE.search(text)
    body = fenced.group(1) if fenced else text
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end <= start:
        raise AnswerInvalid("the answer contains no JSON object; reply with only the JSON object", "not_json")
    # A tab the model typed (a raw U+0009, not a "\\t" escape) is only whitespace: Qwen2.5-Coder-1.5B
    # typed one between two words ("富\tsemantic"). Escaped ones stay, for check_no_control.
    raw = body[start : end + 1].replace("\t", " ")
    try:
        return json.loads(repair_json_escapes(raw), strict=False)
    except json.JSONDecodeError as exc:
        raise AnswerInvalid(f"the JSON object is not valid JSON ({exc.msg} at position {exc.pos})",
                            "not_json") from None
    except RecursionError:
        raise AnswerInvalid("the JSON object is nested too deeply; reply with the flat JSON object",
                            "not_json") from None


def check_language(fields: dict[str, str], language: Language, threshold: float) -> None:
    if target_ratio("\n".join(fields.values()), language) < threshold:
        raise AnswerInvalid(f"the answer is not written in {language.name}; write every field in {language.name}",
                            "language")
    others = [name for name, value in fields.items() if target_ratio(value, language) < threshold / 2]
    if others:
        # the rest is in the language: that field alone is asked for again (Qwen2.5-Coder-1.5B, asked for all
        # five again, wrote the same field in English again)
        named = " and ".join(f"'{name}'" for name in others)
        which = f"the field {named} is" if len(others) == 1 else f"the fields {named} are"
        raise AnswerInvalid(f"{which} not written in {language.name}; write {'it' if len(others) == 1 else 'them'} "
                            f"in {language.name}", "language", rewrite=_in_language(others, fields))


def _in_language(names: Sequence[str], fields: dict[str, str]) -> Rewrite:
    return Rewrite({name: "" for name in names}, dict(fields), "language")


# An English run this long in a field of another script is a copied sentence, not a name: of the 76,509 summaries
# in DAE's whole history that pass the language check, one has such a run (13 words, a copied clause), and in
# every other the longest is 11 words, a list of names
ENGLISH_PASSAGE = 12
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z0-9'’\-]*(?:[ ,;:()\"“”/]+[A-Za-z][A-Za-z0-9'’\-]*)*")


def check_no_english_passage(fields: dict[str, str], language: Language) -> None:
    """A Chinese (Japanese, Korean, Russian) field may name things in English, never say them: a small model
    copies a sentence of the paper's English whole and the rest of the field carries the language check."""
    if language.script == "latin":
        return
    for name, value in fields.items():
        for run in _LATIN_RUN.finditer(value):
            words = _WORD.findall(run.group(0))
            if len(words) >= ENGLISH_PASSAGE:
                raise AnswerInvalid(f"the field '{name}' has an English passage of {len(words)} words "
                                    f"(\"{' '.join(words[:6])} …\"); write it in {language.name}, keeping only "
                                    "names in English", "language", rewrite=_in_language([name], fields))


# A sentence ends at Chinese or Japanese end punctuation, or at ". " and its kin; a decimal ("3.5") does not end one
_SENTENCE_END = re.compile(r"[。！？；!?;]|[.](?=\s|$)")
REPEATED_SENTENCE = 15  # characters: a shorter repeat is a phrase ("效果显著") a field may well say twice


def check_no_repeated_sentence(fields: dict[str, str]) -> None:
    """A field that says one sentence twice has run into repetition (the 1.5B model wrote a Result's sentence
    three times over); in DAE's whole history no field does."""
    for name, value in fields.items():
        seen: set[str] = set()
        for sentence in _SENTENCE_END.split(value):
            sentence = " ".join(sentence.split())
            if len(sentence) < REPEATED_SENTENCE:
                continue
            if sentence in seen:
                raise AnswerInvalid(f"the field '{name}' says «{sentence[:40]}…» more than once; write each point "
                                    "once", "repeated_sentence")
            seen.add(sentence)


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
            raise AnswerInvalid(f"the field '{name}' copies the abstract; summarize it in your own words", "copied",
                                fresh=f"Do not copy sentences of the abstract into '{name}': use your own words.")


def check_distinct(fields: dict[str, str], threshold: float = DUPLICATE_RATIO) -> None:
    """Two fields that say the same thing (TL;DR = Method, Result = Conclusion) are refused.

    `fields` are in the order the model wrote them: the later of the two is the copy, and the one
    the re-ask asks to rewrite. Every copy is named at once (a small model that wrote the whole
    abstract into 'motivation' repeats it in 'method' and 'tldr' alike), so one request mends them.
    """
    others: dict[str, str] = {}
    for (a, text_a), (b, text_b) in itertools.combinations(fields.items(), 2):
        if b not in others and difflib.SequenceMatcher(None, text_a, text_b).ratio() >= threshold:
            others[b] = a
    if not others:
        return
    b, a = next(iter(others.items()))
    purpose = FIELD_PURPOSE.get(b, b)
    raise AnswerInvalid(f"the fields '{a}' and '{b}' say the same thing; rewrite '{b}' so that it says only "
                        f"{purpose}, in words that do not repeat '{a}'", "duplicate_fields",
                        fresh=f"Note: '{b}' must say only {purpose}; it must not repeat '{a}'.",
                        rewrite=Rewrite(others, dict(fields)))


def check_not_template(fields: dict[str, str], template: str) -> None:
    """A field that is a placeholder, or a piece of the prompt's own instructions, is not an answer."""
    prompt = " ".join(template.split()).lower()
    variables = set(_VARIABLE.findall(template))
    for name, value in fields.items():
        found = _PLACEHOLDER.search(value) or next(
            (m for m in _VARIABLE.finditer(value) if m.group(1) in variables), None)  # an unfilled `$text`
        if found:
            raise AnswerInvalid(f"the field '{name}' contains placeholder text ({found.group(0)!r}); "
                                "write the real content", "template")
        flat = " ".join(value.split()).lower().strip(" .;:。；：")
        if len(flat) >= 20 and flat in prompt or _echoes_a_line(flat, template):
            raise AnswerInvalid(f"the field '{name}' repeats the instructions instead of answering them", "template")


def _echoes_a_line(flat: str, template: str) -> bool:
    """A short field that is one of the prompt's own descriptions, reworded a little: "主要结果和关键数字" for the
    system prompt's "主要发现和关键数字" (Qwen2.5-Coder-1.5B wrote it as a whole Result)."""
    if len(flat) > 30 or flat.isascii():
        return False
    return any(difflib.SequenceMatcher(None, flat, p).ratio() >= 0.75 for p in _descriptions(template))


@functools.lru_cache(maxsize=8)
def _descriptions(template: str) -> tuple[str, ...]:
    """The prompt's clauses (split at line ends and punctuation), read once per prompt, not once per field."""
    pieces = (p.strip().lower() for p in re.split(r"[\n：:；;。，,\"“”]", template))
    return tuple(p for p in pieces if len(p) >= 4)


def validate_fields(data: Any) -> dict[str, str]:
    """The five fields as stripped non-empty strings without control characters, or why not (the schema, strictly)."""
    if not isinstance(data, dict):
        raise AnswerInvalid("the answer must be one JSON object with the keys " + ", ".join(SUMMARY_FIELDS), "schema")
    missing = [f for f in SUMMARY_FIELDS if f not in data]
    if missing:
        raise AnswerInvalid("the JSON object lacks the keys: " + ", ".join(missing), "schema")
    extra = [k for k in data if k not in SUMMARY_FIELDS]
    if extra:
        raise AnswerInvalid("the JSON object has unexpected keys: " + ", ".join(map(str, extra)), "schema")
    fields: dict[str, str] = {}
    for name in (key for key in data if key in SUMMARY_FIELDS):  # the model's own order, for check_distinct
        value = data[name]
        if not isinstance(value, str):
            raise AnswerInvalid(f"the field '{name}' must be a string", "schema")
        if not value.strip():
            raise AnswerInvalid(f"the field '{name}' is empty", "schema")
        check_no_control(name, value)
        fields[name] = value.strip()
    return fields


def check_no_control(name: str, value: str) -> None:
    """Tabs, form feeds and backspaces in a field are LaTeX read as JSON escapes: ask again, never print them."""
    found = _CONTROL.search(value)
    if found:
        raise AnswerInvalid(f"the field '{name}' contains the control character U+{ord(found.group(0)):04X}; "
                            "write LaTeX commands with a double backslash (\\\\frac)", "control_chars")
    if _SURROGATE.search(value):
        raise AnswerInvalid(f"the field '{name}' contains half of a UTF-16 surrogate pair; write plain text",
                            "control_chars")


def validate_answer(text: str | None, abstract: str, language: Language, threshold: float,
                    template: str = "") -> Summary:
    """A checked `Summary` from the raw answer text, or `AnswerInvalid`."""
    fields = validate_fields(extract_json_object(text))
    check_not_template(fields, template)  # before the language: a placeholder is the more useful reason
    check_language(fields, language, threshold)
    check_not_copied(fields, abstract)  # before the passage check: a copy of the abstract is asked anew
    check_no_english_passage(fields, language)
    check_no_repeated_sentence(fields)
    check_distinct(fields)
    try:
        return Summary(**{name: fields[name] for name in SUMMARY_FIELDS})
    except ValidationError as exc:  # pragma: no cover - validate_fields already enforces the schema
        raise AnswerInvalid(str(exc), "schema") from None
