"""The translation job: titles, abstracts and summary fields of a records file, sync or through the Batch API.

Work is planned as unique text segments (a field, or a piece of one when it exceeds the context
budget), each cached by (text, language, prompt version, model), so the same abstract is paid for
once across jobs and modes. Both modes validate every answer the same way (target language,
math/URLs/numbers/code kept, glossary honoured) and fill the same cache; the output file is then
assembled from the cache, so sync and batch runs give identical files for identical answers.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

from summarizer.core.errors import ConfigError, LLMError, RecordsError
from summarizer.core.languages import resolve_language
from summarizer.core.prompts import PromptSet
from summarizer.core.settings import Settings
from summarizer.core.translation_checks import validate_translation
from summarizer.edges.llm.engine import SummaryEngine
from summarizer.edges.llm.pacing import count_tokens
from summarizer.edges.resources import load_prompts
from summarizer.edges.storage.cache import SummaryCache

FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title",), "abstract": ("summary",), "tldr": ("AI", "tldr"), "motivation": ("AI", "motivation"),
    "method": ("AI", "method"), "result": ("AI", "result"), "conclusion": ("AI", "conclusion"),
}
TRANSLATION_SCHEMA: dict[str, Any] = {
    "type": "object", "properties": {"translation": {"type": "string"}}, "required": ["translation"],
    "additionalProperties": False,
}


def language_code(language: str) -> str:
    """The short code of a language in file names (D.en.md)."""
    return resolve_language(language).file_tag


def parse_fields(text: str) -> list[str]:
    fields = [f.strip() for f in text.split(",") if f.strip()]
    unknown = [f for f in fields if f not in FIELDS]
    if unknown or not fields:
        raise ConfigError(f"unknown field(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(FIELDS)}",
                          key="--fields")
    return list(dict.fromkeys(fields))


def load_glossary(path: Path | None) -> dict[str, str]:
    """A TOML table term -> fixed translation, or "keep" to leave the term as it is."""
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"glossary {path}: {exc}") from None
    table = data.get("terms", data)
    bad = [k for k, v in table.items() if not isinstance(v, str) or not v.strip()]
    if bad:
        raise ConfigError(f"glossary {path}: {bad[0]!r} must map to a translation or \"keep\"")
    return {k: v.strip() for k, v in table.items()}


def field_text(record: dict[str, Any], name: str, line: int) -> str:
    value: Any = record
    for step in FIELDS[name]:
        value = value.get(step) if isinstance(value, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise RecordsError(f"record {record.get('id', '?')} has no {name} to translate", line=line)
    return value


_PARAGRAPHS = re.compile(r"\n\s*\n|\n  ")
_SENTENCES = re.compile(r"(?<=[.!?。！？])\s+")


def split_text(text: str, budget: int, count: Callable[[str], int]) -> list[tuple[str, str]]:
    """Pieces of at most `budget` tokens, cut at paragraph then sentence boundaries: (piece, separator after).

    Joining `piece + separator` over the list gives `text` back exactly. A piece with no boundary to
    cut at stays whole.
    """
    if count(text) <= budget:
        return [(text, "")]
    units: list[tuple[str, str]] = []
    for pattern in (_PARAGRAPHS, _SENTENCES):
        units, pos = [], 0
        for m in pattern.finditer(text):
            units.append((text[pos : m.start()], m.group(0)))
            pos = m.end()
        units.append((text[pos:], ""))
        if len(units) > 1:
            break
    else:
        return [(text, "")]
    flat: list[tuple[str, str]] = []
    for unit, sep in units:
        if not unit and flat:  # two separators in a row: keep the bytes, send no empty piece
            flat[-1] = (flat[-1][0], flat[-1][1] + sep)
            continue
        sub = split_text(unit, budget, count) if count(unit) > budget else [(unit, "")]
        flat.extend(sub[:-1])
        flat.append((sub[-1][0], sub[-1][1] + sep))
    pieces: list[tuple[str, str]] = []
    for unit, sep in flat:
        if pieces and count(pieces[-1][0] + pieces[-1][1] + unit) <= budget:
            pieces[-1] = (pieces[-1][0] + pieces[-1][1] + unit, sep)
        else:
            pieces.append((unit, sep))
    return pieces


class Translator:
    """Prompts, cache keys and checks for one target language and glossary."""

    def __init__(self, settings: Settings, language: str, glossary: dict[str, str]) -> None:
        self.settings = settings
        self.target = resolve_language(language)
        self.language = self.target.name
        self.glossary = glossary
        base = load_prompts("translate", schema=TRANSLATION_SCHEMA)
        lines = [f"- {term} => {term if fixed.lower() == 'keep' else fixed}" for term, fixed in glossary.items()]
        block = ("Use these fixed translations (keep the right-hand side exactly):\n" + "\n".join(lines)
                 if lines else "")
        # The glossary goes into the system text, so it is part of the prompt version and of every key.
        self.prompts = PromptSet(name="translate", system=Template(base.system).safe_substitute(glossary=block),
                                 user=base.user, schema=TRANSLATION_SCHEMA)

    def key(self, text: str) -> str:
        blob = json.dumps([text, self.language, self.prompts.version, self.settings.llm.model], ensure_ascii=False)
        return "translation:" + hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def messages(self, text: str) -> list[dict[str, str]]:
        return self.prompts.messages(language=self.language, text=text, instruction=self.target.translate)

    def check(self, source: str) -> Callable[[str | None], str]:
        threshold, target, glossary = self.settings.llm.min_target_ratio, self.target, self.glossary
        template = self.prompts.system + "\n" + self.prompts.user
        return lambda answer: validate_translation(answer, source, target, threshold, glossary, template)


@dataclass
class Plan:
    """Which pieces make up each requested field of each record, and the unique pieces to translate."""

    layout: list[dict[str, list[tuple[str, str]]]]
    pieces: dict[str, str] = field(default_factory=dict)  # cache key -> text


def make_plan(records: list[dict[str, Any]], fields: list[str], translator: Translator, budget: int) -> Plan:
    model = translator.settings.llm.model
    plan = Plan(layout=[])
    for line, record in enumerate(records, start=1):
        row = {}
        for name in fields:
            pieces = split_text(field_text(record, name, line).strip(), budget, lambda t: count_tokens(t, model))
            row[name] = pieces
            for piece, _ in pieces:
                plan.pieces[translator.key(piece)] = piece
        plan.layout.append(row)
    return plan


def assemble(records: list[dict[str, Any]], plan: Plan, translator: Translator, cache: SummaryCache
             ) -> list[dict[str, Any]]:
    out = []
    for record, row in zip(records, plan.layout, strict=True):
        translation: dict[str, Any] = {"language": translator.language, "model": translator.settings.llm.model}
        for name, pieces in row.items():
            parts = []
            for piece, sep in pieces:
                cached = cache.get(translator.key(piece))
                assert cached is not None, "assemble() runs only once every piece is cached"
                parts.append(cached["translation"] + sep)
            translation[name] = "".join(parts)
        out.append({**record, "translation": translation})
    return out


def pending(plan: Plan, cache: SummaryCache) -> dict[str, str]:
    return {key: text for key, text in plan.pieces.items() if cache.get(key) is None}


async def run_sync(translator: Translator, engine: SummaryEngine, todo: dict[str, str], cache: SummaryCache,
                   stop: asyncio.Event | None = None) -> dict[str, str]:
    """Translate `todo` with the summary engine's client, retries, pacing and validation; returns failures."""
    gate = asyncio.Semaphore(translator.settings.llm.max_concurrency)
    failures: dict[str, str] = {}

    async def one(key: str, text: str) -> None:
        async with gate:
            if stop is not None and stop.is_set():
                failures[key] = "interrupted"
                return
            try:
                answer = await engine.ask(translator.messages(text), translator.check(text))
            except LLMError as exc:
                failures[key] = str(exc)
                return
            cache.put(key, {"translation": answer.value, "model": translator.settings.llm.model,
                            "usage": {"prompt_tokens": answer.prompt_tokens,
                                      "completion_tokens": answer.completion_tokens}})

    await asyncio.gather(*(one(k, t) for k, t in todo.items()))
    return failures
