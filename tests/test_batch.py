"""The Batch API edge against the loopback fake: cancel, the job list, and a corrupt job file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from summarizer.core.errors import OutputError
from summarizer.core.settings import LLMSettings
from summarizer.edges.batch.api import BatchAPI, JobState, Part, Round, cancel_job, list_states, load_state, save_state
from summarizer.edges.llm.client import ChatClient
from tests.fakes import FakeServer


def test_cancel_stops_the_running_batches_and_saves_the_job(tmp_path: Path) -> None:
    with FakeServer() as server:
        server.state.batch_hold = 100  # stays in progress

        async def go() -> tuple[list[str], JobState]:
            client = ChatClient(LLMSettings(base_url=f"{server.url}/v1", api_key="k", model="m"))
            api = BatchAPI(client.sdk)
            try:
                file_id = await api.upload("j.jsonl", b'{"custom_id": "a", "method": "POST", "url": "/v1/chat/'
                                                      b'completions", "body": {}}\n')
                batch = await api.create(file_id, "job1", 0)
                await api.retrieve(batch.id)  # validating -> in_progress
                state = JobState(job_id="job1", args={"kind": "test"}, model="m", language="Chinese",
                                 rounds=[Round(number=0, parts=[Part(number=0, custom_ids=["a"], batch_id=batch.id,
                                                                     status="in_progress"),
                                                                Part(number=1, custom_ids=["b"])])])
                save_state(tmp_path, state)
                return await cancel_job(api, tmp_path, state), state
            finally:
                await client.close()

        cancelled, state = asyncio.run(go())
        assert cancelled == ["batch_1"] and server.state.batches["batch_1"]["status"] == "cancelled"
        saved = load_state(tmp_path, "job1")
        assert saved is not None and saved.status == "cancelled" and saved.rounds[0].parts[0].status == "cancelled"
        assert [s.job_id for s in list_states(tmp_path)] == ["job1"]


def test_a_corrupt_job_file_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "batch-jobs").mkdir()
    (tmp_path / "batch-jobs" / "bad.json").write_text('{"job_id": "bad", "rounds": "oops"')
    with pytest.raises(OutputError, match="bad.json is not a valid job state"):
        load_state(tmp_path, "bad")
