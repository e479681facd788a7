"""A translation job as the CLI asks for it: records in, translated records (and a digest) out.

It runs the sync path (`translate.run_sync`) or the Batch API path (`translate_batch.run_batch`)
over the same plan and cache, and writes the output only once every piece is translated.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.core.digest.html import render_html
from summarizer.core.digest.render import render_digest
from summarizer.core.errors import Interrupted
from summarizer.core.models import record_to_entry
from summarizer.core.pricing import cost_usd
from summarizer.core.settings import Settings
from summarizer.edges.llm.client import ChatClient
from summarizer.edges.llm.engine import ModeLadder, SummaryEngine
from summarizer.edges.storage.cache import SummaryCache
from summarizer.edges.storage.store import atomic_write_text, read_json_lines
from summarizer.jobs.translate.batch import run_batch
from summarizer.jobs.translate.fields import (
    Translator,
    assemble,
    language_code,
    load_glossary,
    make_plan,
    pending,
    run_sync,
)


@dataclass
class TranslateJob:
    """What `summarizer translate` was asked to do (saved with a batch job, so `batch collect` can finish it)."""

    records_path: str
    out: str
    language: str
    fields: list[str]
    mode: str = "sync"
    retry_mode: str = "batch"
    glossary: str | None = None
    digest_day: str | None = None


@dataclass
class TranslateResult:
    status: str
    job_id: str
    records: int
    pieces: int
    todo: int
    requests: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    failures: dict[str, str]
    written: list[Path]


def job_id_for(job: TranslateJob, records_bytes: bytes, translator: Translator) -> str:
    blob = json.dumps([hashlib.sha256(records_bytes).hexdigest(), job.fields, job.language,
                       translator.settings.llm.model, translator.prompts.version])
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def write_outputs(job: TranslateJob, translated: list[dict[str, Any]]) -> list[Path]:
    out = Path(job.out)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in translated)
    written = [out]
    if job.digest_day:
        entries = []
        for number, record in enumerate(translated, start=1):
            t = record["translation"]
            swapped = {**record, "title": t.get("title", record["title"]),
                       "summary": t.get("abstract", record["summary"]),
                       "AI": {k: t.get(k, v) for k, v in (record.get("AI") or {}).items()}}
            entries.append(record_to_entry(swapped, line=number, path=job.records_path))
        # Not Path.with_suffix: "D.en" + ".md" must not become "D.md", the original digest.
        stem = f"{job.digest_day}.{language_code(job.language)}"
        md, page = out.parent / f"{stem}.md", out.parent / f"{stem}.html"
        atomic_write_text(md, render_digest(entries))
        atomic_write_text(page, render_html(entries, title=f"arXiv digest {job.digest_day} ({job.language})"))
        written += [md, page]
    atomic_write_text(out, lines)
    return written


async def run_translate(settings: Settings, job: TranslateJob, llm_http: Any = None, *, sleep: Any = asyncio.sleep,
                        wait_for_results: bool = True, stop: asyncio.Event | None = None,
                        on_status: Callable[[list[Any]], None] = lambda b: None) -> TranslateResult:
    """Translate the records of `job` in sync or batch mode; the output is written only when complete."""
    path = Path(job.records_path)
    records = read_json_lines(path)
    glossary = load_glossary(Path(job.glossary) if job.glossary else None)
    translator = Translator(settings, job.language, glossary)
    plan = make_plan(records, job.fields, translator, settings.translate.context_tokens)  # bad input: no request
    cache_dir = Path(settings.paths.cache_dir).expanduser()
    cache = SummaryCache(cache_dir)
    client = ChatClient(settings.llm, llm_http, sleep=sleep)
    try:
        engine = SummaryEngine(client, translator.prompts, ModeLadder(settings.llm.structured_output))
        todo = pending(plan, cache)
        job_id = job_id_for(job, path.read_bytes(), translator)
        status, failures, tokens = "done", {}, (0, 0)
        if job.mode == "batch":
            outcome = await run_batch(translator, engine, plan, cache, cache_dir, job_id, job.__dict__,
                                      wait_for_results=wait_for_results, retry_mode=job.retry_mode, sleep=sleep,
                                      on_status=on_status, stop=stop)
            status, failures = outcome.status, outcome.failures
            tokens = (outcome.prompt_tokens, outcome.completion_tokens)
        elif todo:
            failures = await run_sync(translator, engine, todo, cache, stop)
            if stop is not None and stop.is_set():
                raise Interrupted(f"stopped by a signal with {len(failures)} texts left; re-run to finish "
                                  "(translations so far are cached)")
            status = "incomplete" if failures else "done"
        written = write_outputs(job, assemble(records, plan, translator, cache)) if status == "done" else []
    finally:
        cache.close()
        await client.close()
    usage = client.usage
    prompt_tokens, completion_tokens = usage.prompt_tokens + tokens[0], usage.completion_tokens + tokens[1]
    price = client.price
    cost = None if price is None or usage.cost_usd is None else (
        usage.cost_usd + cost_usd(price, tokens[0], tokens[1], batch=True))
    return TranslateResult(status=status, job_id=job_id, records=len(records), pieces=len(plan.pieces),
                           todo=len(todo), requests=usage.requests, prompt_tokens=prompt_tokens,
                           completion_tokens=completion_tokens, cost_usd=cost, failures=failures, written=written)
