"""The OpenAI Batch API as an edge: upload, create, poll, download, cancel, and the job state file.

A job's state (which request went into which batch) is written under `cache_dir/batch-jobs/`
*before* anything is submitted, and every batch carries the job id and part number in its
metadata, so a job whose waiter was killed at any moment is found again and resumed instead of
being submitted, and paid for, twice.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from summarizer.core.errors import Interrupted, LLMError, OutputError
from summarizer.edges.storage.store import atomic_write_text

log = logging.getLogger(__name__)

TERMINAL = {"completed", "failed", "expired", "cancelled"}
Sleep = Callable[[float], Awaitable[None]]


class Part(BaseModel):
    """One batch of a round: the requests it holds and where it stands."""

    number: int
    custom_ids: list[str]
    file_id: str | None = None
    batch_id: str | None = None
    status: str = "planned"
    output_file_id: str | None = None
    error_file_id: str | None = None
    collected: bool = False


class Round(BaseModel):
    number: int
    parts: list[Part] = Field(default_factory=list)
    # custom_id -> [previous answer, why it was refused] for the re-ask of a follow-up round
    reask: dict[str, list[str]] = Field(default_factory=dict)
    max_tokens: dict[str, int] = Field(default_factory=dict)
    mode: str = "json_schema"
    # after collection: custom_id -> [answer, why it was refused] (answer may be empty)
    failures: dict[str, list[str]] = Field(default_factory=dict)


class JobState(BaseModel):
    job_id: str
    created: float = Field(default_factory=time.time)
    args: dict[str, Any]
    model: str
    language: str
    rounds: list[Round] = Field(default_factory=list)
    status: str = "running"
    # The first round of the current run of the job: a job that ended (done, or incomplete after
    # its follow-up rounds) and is run again later gets its follow-up rounds afresh.
    first_round: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


def jobs_dir(cache_dir: Path) -> Path:
    return cache_dir / "batch-jobs"


def save_state(cache_dir: Path, state: JobState) -> None:
    atomic_write_text(jobs_dir(cache_dir) / f"{state.job_id}.json", state.model_dump_json(indent=1))


def read_state(path: Path) -> JobState:
    """A job's state file; a corrupt one is a one-line error naming it, not a traceback."""
    try:
        return JobState.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        first = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        raise OutputError(f"batch job file {path} is not a valid job state ({first}); move it away to start "
                          "the job afresh (its batches stay at the provider)", path=str(path)) from None


def load_state(cache_dir: Path, job_id: str) -> JobState | None:
    path = jobs_dir(cache_dir) / f"{job_id}.json"
    return read_state(path) if path.exists() else None


def list_states(cache_dir: Path) -> list[JobState]:
    """Every job saved under `cache_dir`, newest first."""
    found = [read_state(p) for p in jobs_dir(cache_dir).glob("*.json")] if jobs_dir(cache_dir).is_dir() else []
    return sorted(found, key=lambda s: s.created, reverse=True)


@contextlib.contextmanager
def _provider_errors(what: str) -> Iterator[None]:
    """SDK exceptions as one-line `LLMError`s naming the Batch API call."""
    import openai

    try:
        yield
    except openai.APIStatusError as exc:
        message = f"Batch API {what}: HTTP {exc.status_code}: {exc.message}"[:300]
        raise LLMError(message, status=exc.status_code) from None
    except (openai.APITimeoutError, openai.APIConnectionError) as exc:
        raise LLMError(f"Batch API {what}: cannot reach the provider ({type(exc).__name__})") from None


class BatchAPI:
    """The few Batch API calls a job needs, over the `openai` SDK (its retries off, as elsewhere)."""

    def __init__(self, sdk: Any) -> None:
        self._sdk = sdk

    async def _call(self, what: str, coro: Awaitable[Any]) -> Any:
        with _provider_errors(what):
            return await coro

    async def upload(self, name: str, data: bytes) -> str:
        file = await self._call("file upload", self._sdk.files.create(file=(name, data), purpose="batch"))
        return str(file.id)

    async def find(self, job_id: str, part: int, since: float) -> Any | None:
        """A batch this job already created for this part (its id may not have been saved).

        Batches are listed newest first; the walk stops at those older than the job itself.
        """
        with _provider_errors("list"):
            async for batch in self._sdk.batches.list(limit=100):
                if batch.created_at < since - 60:
                    return None
                meta = batch.metadata or {}
                if meta.get("summarizer_job") == job_id and meta.get("part") == str(part):
                    return batch
        return None

    async def create(self, file_id: str, job_id: str, part: int) -> Any:
        return await self._call("create", self._sdk.batches.create(
            input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h",
            metadata={"summarizer_job": job_id, "part": str(part)}))

    async def retrieve(self, batch_id: str) -> Any:
        return await self._call("status", self._sdk.batches.retrieve(batch_id))

    async def cancel(self, batch_id: str) -> Any:
        return await self._call("cancel", self._sdk.batches.cancel(batch_id))

    async def content(self, file_id: str) -> bytes:
        resp = await self._call("download", self._sdk.files.content(file_id))
        return bytes(resp.content)


async def submit(api: BatchAPI, cache_dir: Path, state: JobState, part: Part, lines: Iterable[bytes]) -> None:
    """Upload and create one part, saving the state after each step; resumes a half-done submit.

    `lines` are spooled to a temporary file and read back once for the upload, so a 50 MB part
    costs one copy in memory, not a list of lines and their join besides.
    """
    if part.batch_id:
        return
    existing = await api.find(state.job_id, part.number, state.created)
    if existing is None:
        if part.file_id is None:
            with tempfile.TemporaryFile(dir=jobs_dir(cache_dir)) as spool:
                for line in lines:
                    spool.write(line)
                spool.seek(0)
                data = spool.read()
            part.file_id = await api.upload(f"{state.job_id}-{part.number}.jsonl", data)
            del data
            save_state(cache_dir, state)
        existing = await api.create(part.file_id, state.job_id, part.number)
    part.batch_id, part.status = existing.id, existing.status
    save_state(cache_dir, state)


async def poll(api: BatchAPI, cache_dir: Path, state: JobState, parts: list[Part],
               on_status: Callable[[list[Any]], None] = lambda batches: None) -> bool:
    """One look at every unfinished part, saving what changed; True when all of them are terminal."""
    batches = []
    for part in parts:
        if part.batch_id is None or part.status in TERMINAL:
            continue
        batch = await api.retrieve(part.batch_id)
        batches.append(batch)
        if batch.status != part.status or batch.output_file_id != part.output_file_id:
            part.status = batch.status
            part.output_file_id, part.error_file_id = batch.output_file_id, batch.error_file_id
            save_state(cache_dir, state)
    on_status(batches)
    return all(p.status in TERMINAL for p in parts)


async def wait(api: BatchAPI, cache_dir: Path, state: JobState, parts: list[Part], sleep: Sleep,
               poll_seconds: float, on_status: Callable[[list[Any]], None] = lambda batches: None,
               stop: Any = None) -> None:
    """Poll until every part is terminal; a set `stop` event ends the wait early."""
    while True:
        if stop is not None and stop.is_set():
            raise Interrupted(f"stopped waiting for batch job {state.job_id}; it keeps running at the provider: "
                              "re-run the same command (or `summarizer batch collect`) to collect it")
        if await poll(api, cache_dir, state, parts, on_status):
            return
        await sleep(poll_seconds)


def _lines(data: bytes) -> Iterator[dict[str, Any]]:
    for line in io.BytesIO(data):
        if line.strip():
            yield json.loads(line)


async def results(api: BatchAPI, part: Part) -> AsyncIterator[tuple[str, int, dict[str, Any]]]:
    """(custom_id, HTTP status, body) of every request the batch answered (output and error files),
    one line at a time: a part's answers are never all parsed at once."""
    for file_id in (part.output_file_id, part.error_file_id):
        if not file_id:
            continue
        for item in _lines(await api.content(file_id)):
            yield answer_of(item)


def answer_of(item: dict[str, Any]) -> tuple[str, int, dict[str, Any]]:
    """(custom_id, HTTP status, body) of one line of a batch output or error file; status 0 when the
    request never got an HTTP answer (the line carries only `error`)."""
    response = item.get("response") or {}
    if item.get("error") and not response:
        return item["custom_id"], 0, {"error": item["error"]}
    return item["custom_id"], int(response.get("status_code") or 0), response.get("body") or {}


async def cancel_job(api: BatchAPI, cache_dir: Path, state: JobState) -> list[str]:
    cancelled = []
    for rnd in state.rounds:
        for part in rnd.parts:
            if part.batch_id and part.status not in TERMINAL:
                batch = await api.cancel(part.batch_id)
                part.status = batch.status
                cancelled.append(part.batch_id)
    state.status = "cancelled"
    save_state(cache_dir, state)
    return cancelled
