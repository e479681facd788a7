"""What must survive between runs, on disk under `cache_dir`: summaries and digest history.

Backed by `diskcache` (SQLite transactions), so a write either happens whole or not at all and a
process killed at any moment leaves no half entry. Only validated summaries are ever stored, and
nothing secret: the key is a hash of what determines the answer, the value the answer itself.
Nothing is ever evicted: diskcache's default policy drops entries past 1 GiB, which would throw
away paid summaries and the history that decides which papers are new. A summary takes about
2-4 KB, so 100,000 papers take some 300 MB under `cache_dir`.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import date
from pathlib import Path
from typing import Any

from summarizer.core.models import Paper, Summary

# diskcache's SQLite defaults map up to 64 MiB of each database into memory and keep a 32 MiB page
# cache; over a 100,000-paper job that is resident memory for nothing (every key is read once).
# Mapped and cached pages are capped here: memory stays flat however large the cache grows.
SQLITE_LIMITS = {"sqlite_mmap_size": 0, "sqlite_cache_size": 1024}


def summary_key(paper: Paper, prompt_version: str, model: str, language: str, body: str | None = None) -> str:
    """Hash of everything that determines the answer: the paper's text (title and abstract, whitespace
    runs as one space), prompt version, model, language.

    Not the id's version: a v2 with the same title and abstract, or an imported record that has no
    version, finds the summary already paid for. A summary written from the full text keys on that text's
    hash too (`body`): another extraction or budget is another request.
    """
    text = [" ".join(paper.title.split()), " ".join(paper.abstract.split())]
    if body:
        text.append("body:" + hashlib.sha256(body.encode("utf-8")).hexdigest())
    blob = json.dumps(["content", *text, prompt_version, model, language], ensure_ascii=False)
    return "summary:" + hashlib.sha256(blob.encode("utf-8")).hexdigest()


def legacy_summary_key(paper: Paper, prompt_version: str, model: str, language: str) -> str:
    """The key caches written before content keys used (it held the id and its version): read once and moved."""
    blob = json.dumps([paper.id, paper.version, paper.title, paper.abstract, prompt_version, model, language],
                      ensure_ascii=False)
    return "summary:" + hashlib.sha256(blob.encode("utf-8")).hexdigest()


class SummaryCache:
    """Validated answers by key (summaries and, for translation, any JSON-able value)."""

    def __init__(self, directory: Path) -> None:
        import diskcache

        self._cache = diskcache.Cache(str(directory / "answers"), eviction_policy="none", **SQLITE_LIMITS)

    def get(self, key: str) -> dict[str, Any] | None:
        value = self._cache.get(key)
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        self._cache.set(key, value)

    def get_summary(self, key: str) -> Summary | None:
        """The cached summary, or None; an entry that is not one (written by another version) is a miss."""
        value = self.get(key)
        try:
            return Summary(**value["summary"]) if value and isinstance(value.get("summary"), dict) else None
        except (TypeError, ValueError):
            return None

    def moved_summary(self, key: str, legacy: str) -> Summary | None:
        """The summary under `legacy` (an older key), copied to `key` so the next look-up is direct."""
        value = self.get(legacy)
        summary = self.get_summary(legacy)
        if summary is not None and value is not None:
            self.put(key, value)
        return summary

    def put_summary(self, key: str, summary: Summary, model: str, usage: dict[str, int]) -> None:
        self.put(key, {"summary": summary.model_dump(), "model": model, "usage": usage, "time": time.time()})

    def close(self) -> None:
        self._cache.close()


class History:
    """Which paper ids each digest held, so a later listing does not show them again."""

    def __init__(self, directory: Path) -> None:
        import diskcache

        self._cache = diskcache.Cache(str(directory / "history"), eviction_policy="none", **SQLITE_LIMITS)

    def record(self, day: date, ids: list[str], pending: list[str] | None = None) -> None:
        """The ids digest `day` holds, and those its run could not finish (failed, not started)."""
        with self._cache.transact():
            self._cache.set(f"digest:{day.isoformat()}", sorted(ids))
            self._cache.set(f"pending:{day.isoformat()}", sorted(set(pending or []) - set(ids)))

    def add_pending(self, day: date, ids: list[str]) -> None:
        """Ids of listing `day` a stopped run fetched but wrote no digest for."""
        with self._cache.transact():
            key = f"pending:{day.isoformat()}"
            self._cache.set(key, sorted(set(self._cache.get(key) or []) | set(ids)))

    def pending(self) -> set[str]:
        """Ids some run could not finish that no digest holds yet: the next run completes them."""
        waiting: set[str] = set()
        digested: set[str] = set()
        for key in self._cache.iterkeys():
            if isinstance(key, str) and key.startswith("pending:"):
                waiting.update(self._cache.get(key) or [])
            elif isinstance(key, str) and key.startswith("digest:"):
                digested.update(self._cache.get(key) or [])
        return waiting - digested

    def earlier(self, day: date) -> set[str] | None:
        """Ids of every other digest, or None when no digest before `day` exists (a first run)."""
        ids: set[str] = set()
        has_earlier = False
        for key in self._cache.iterkeys():
            if not isinstance(key, str) or not key.startswith("digest:") or key == f"digest:{day.isoformat()}":
                continue
            has_earlier = has_earlier or key[len("digest:") :] < day.isoformat()
            ids.update(self._cache.get(key) or [])
        return ids if has_earlier else None

    def close(self) -> None:
        self._cache.close()


class PaperStore:
    """The papers of one long job (a backfill), on disk: memory holds ids, not abstracts.

    Each listing day's ids are stored once that day is fetched whole, so a resumed job fetches
    only the days it had not finished.
    """

    def __init__(self, directory: Path) -> None:
        import diskcache

        self._cache = diskcache.Cache(str(directory), eviction_policy="none", **SQLITE_LIMITS)

    def put(self, paper: Paper) -> None:
        self._cache.set("paper:" + paper.id, paper.model_dump_json())

    def get(self, paper_id: str) -> Paper:
        return Paper.model_validate_json(self._cache["paper:" + paper_id])

    def set_day(self, day: date, ids: list[str]) -> None:
        self._cache.set("day:" + day.isoformat(), ids)

    def day(self, day: date) -> list[str] | None:
        value = self._cache.get("day:" + day.isoformat())
        return list(value) if isinstance(value, list) else None

    def close(self) -> None:
        self._cache.close()
