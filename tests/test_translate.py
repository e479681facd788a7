"""Translation jobs in sync and batch mode against the loopback fake chat and Batch APIs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.core.errors import ConfigError, Interrupted, RecordsError
from summarizer.core.languages import resolve_language
from summarizer.core.models import Entry, entry_to_record
from summarizer.core.settings import LLMSettings, PathSettings, Settings, TranslateSettings
from summarizer.core.translation_checks import validate_translation
from summarizer.core.validate import AnswerInvalid
from summarizer.edges.batch.api import JobState, Part, Round, save_state
from summarizer.jobs.translate.fields import parse_fields, split_text
from summarizer.jobs.translate.job import TranslateJob, TranslateResult, run_translate
from tests.fakes import FakeServer, Sleeps, fake_translate

KEY = "sk-translate-SECRET-77"


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        srv.state.api_key = KEY
        yield srv


def make_settings(server: FakeServer, tmp: Path, name: str = "cache", **translate: Any) -> Settings:
    return Settings(
        llm=LLMSettings(base_url=f"{server.url}/v1", api_key=KEY, model="fake-model", timeout_seconds=2,
                        max_concurrency=8),
        paths=PathSettings(cache_dir=str(tmp / name), output_dir=str(tmp / "out")),
        translate=TranslateSettings(batch_poll_seconds=0.01, **translate),
    )


def records_file(tmp: Path, entries: list[Entry], copies: int = 1) -> Path:
    path = tmp / "in.jsonl"
    rows = []
    for c in range(copies):
        for e in entries:
            record = entry_to_record(e)
            if c:
                record["id"] = f"{record['id']}-{c}"
                record["title"] = f"{record['title']} (part {c})"
            rows.append(json.dumps(record, ensure_ascii=False))
    path.write_text("\n".join(rows) + "\n")
    return path


def translate(settings: Settings, records: Path, out: Path, mode: str = "sync", fields: str = "title,abstract",
              wait: bool = True, **job: Any) -> TranslateResult:
    spec = TranslateJob(records_path=str(records), out=str(out), language="Chinese", fields=parse_fields(fields),
                        mode=mode, **job)
    return asyncio.run(run_translate(settings, spec, sleep=Sleeps(), wait_for_results=wait))


def outputs(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_sync_and_batch_give_identical_complete_files(tmp_path: Path, server: FakeServer,
                                                      sample_entries: list[Entry]) -> None:
    records = records_file(tmp_path, sample_entries, copies=3)
    sync = translate(make_settings(server, tmp_path, "c1"), records, tmp_path / "sync.jsonl")
    batch = translate(make_settings(server, tmp_path, "c2"), records, tmp_path / "batch.jsonl", mode="batch")
    assert sync.status == batch.status == "done"
    assert (tmp_path / "sync.jsonl").read_bytes() == (tmp_path / "batch.jsonl").read_bytes()
    rows = outputs(tmp_path / "sync.jsonl")
    inputs = outputs(records)
    assert len(rows) == len(inputs) == 114
    for row, source in zip(rows, inputs, strict=True):
        assert {k: v for k, v in row.items() if k != "translation"} == source  # input kept, order kept
        t = row["translation"]
        assert t["language"] == "Chinese" and t["model"] == "fake-model"
        assert t["title"] == fake_translate(source["title"], "Chinese", {})
        assert t["abstract"] == fake_translate(source["summary"], "Chinese", {})
    # a title is translated once per record, an abstract once however many records share it
    assert sync.requests == sync.pieces == 114 + 38 and batch.requests == 0
    assert len(server.state.requests("/v1/batches")) >= 1
    assert not any(KEY.encode() in p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())


def test_cache_is_shared_by_both_modes(tmp_path: Path, server: FakeServer, sample_entries: list[Entry]) -> None:
    records = records_file(tmp_path, sample_entries[:5])
    settings = make_settings(server, tmp_path)
    translate(settings, records, tmp_path / "a.jsonl")
    chats = len(server.state.requests("/chat/completions"))
    again = translate(settings, records, tmp_path / "b.jsonl", mode="batch")
    assert again.status == "done" and again.todo == 0
    assert len(server.state.requests("/chat/completions")) == chats
    assert not [r for r in server.state.log if r.path.startswith("/v1/batches") and r.body]  # no batch created


def test_invalid_answers_inside_a_batch_are_retried_in_a_follow_up_batch(
        tmp_path: Path, server: FakeServer, sample_entries: list[Entry]) -> None:
    records = records_file(tmp_path, sample_entries[:9])
    faults = ["drop_number", "english", "half_json", "length", "500", "fenced"]
    for entry, fault in zip(sample_entries, faults, strict=False):
        server.state.llm_faults[entry.paper.abstract] = [fault]
    result = translate(make_settings(server, tmp_path), records, tmp_path / "out.jsonl", mode="batch")
    assert result.status == "done"
    created = [r for r in server.state.log if r.path == "/v1/batches" and r.body]
    assert len(created) == 2  # the first batch, then one follow-up for the five refused answers
    follow_up = server.state.files[created[1].body["input_file_id"]].decode().splitlines()  # type: ignore[index]
    assert len(follow_up) == 5
    reasked = [json.loads(x)["body"]["messages"] for x in follow_up]
    # A dropped number is asked for anew, with the source clause that holds it.
    assert any(m[-1]["content"].startswith("Translate every part of the text") and len(m) == 3 for m in reasked)
    rows = outputs(tmp_path / "out.jsonl")
    assert [r["translation"]["abstract"] for r in rows] == [fake_translate(e.paper.abstract, "Chinese", {})
                                                            for e in sample_entries[:9]]


@pytest.mark.parametrize("end", ["expired", "failed"])
def test_expired_and_failed_batches_are_completed_by_a_follow_up(tmp_path: Path, server: FakeServer,
                                                                 sample_entries: list[Entry], end: str) -> None:
    server.state.batch_end = [end]
    records = records_file(tmp_path, sample_entries[:6])
    result = translate(make_settings(server, tmp_path), records, tmp_path / "out.jsonl", mode="batch")
    assert result.status == "done"
    assert len(outputs(tmp_path / "out.jsonl")) == 6
    assert len([r for r in server.state.log if r.path == "/v1/batches" and r.body]) == 2


def test_retry_mode_sync_finishes_failures_without_another_batch(tmp_path: Path, server: FakeServer,
                                                                 sample_entries: list[Entry]) -> None:
    server.state.llm_faults[sample_entries[0].paper.title] = ["english"]
    records = records_file(tmp_path, sample_entries[:4])
    result = translate(make_settings(server, tmp_path), records, tmp_path / "out.jsonl", mode="batch",
                       retry_mode="sync")
    assert result.status == "done" and result.requests == 1
    assert len([r for r in server.state.log if r.path == "/v1/batches" and r.body]) == 1


def test_retry_limit_reached_writes_nothing(tmp_path: Path, server: FakeServer, sample_entries: list[Entry]) -> None:
    server.state.always_fail = {sample_entries[1].paper.title}
    records = records_file(tmp_path, sample_entries[:3])
    result = translate(make_settings(server, tmp_path, batch_max_retries=1), records, tmp_path / "out.jsonl",
                       mode="batch")
    assert result.status == "incomplete" and len(result.failures) == 1
    assert "HTTP 500" in next(iter(result.failures.values()))
    assert not (tmp_path / "out.jsonl").exists()


def test_resume_after_the_waiter_stops_submits_nothing_twice(tmp_path: Path, server: FakeServer,
                                                              sample_entries: list[Entry]) -> None:
    records = records_file(tmp_path, sample_entries[:5])
    settings = make_settings(server, tmp_path)
    first = translate(settings, records, tmp_path / "out.jsonl", mode="batch", wait=False)
    assert first.status == "submitted"
    done = translate(settings, records, tmp_path / "out.jsonl", mode="batch")
    assert done.status == "done" and done.job_id == first.job_id
    assert len([r for r in server.state.log if r.path == "/v1/batches" and r.body]) == 1
    assert len([r for r in server.state.log if r.path == "/v1/files" and r.body is None]) == 1


def test_batch_created_but_id_not_saved_is_found_by_its_metadata(tmp_path: Path, server: FakeServer,
                                                                  sample_entries: list[Entry]) -> None:
    records = records_file(tmp_path, sample_entries[:5])
    settings = make_settings(server, tmp_path)
    first = translate(settings, records, tmp_path / "out.jsonl", mode="batch", wait=False)
    state_path = tmp_path / "cache" / "batch-jobs" / f"{first.job_id}.json"
    state = JobState.model_validate_json(state_path.read_text())
    lost = Round(number=0, mode=state.rounds[0].mode,
                 parts=[Part(number=0, custom_ids=state.rounds[0].parts[0].custom_ids,
                             file_id=state.rounds[0].parts[0].file_id)])  # as if killed before saving the id
    save_state(tmp_path / "cache", state.model_copy(update={"rounds": [lost]}))
    done = translate(settings, records, tmp_path / "out.jsonl", mode="batch")
    assert done.status == "done"
    assert len([r for r in server.state.log if r.path == "/v1/batches" and r.body]) == 1


def test_glossary_is_honoured_and_part_of_the_prompt_version(tmp_path: Path, server: FakeServer,
                                                              sample_entries: list[Entry]) -> None:
    entry = sample_entries[0]  # "Composed Image Retrieval (CIR) ..."
    records = records_file(tmp_path, [entry])
    glossary = tmp_path / "glossary.toml"
    glossary.write_text('"Composed Image Retrieval" = "组合图像检索"\nCIR = "keep"\n')
    settings = make_settings(server, tmp_path)
    translate(settings, records, tmp_path / "plain.jsonl")
    translate(settings, records, tmp_path / "g.jsonl", glossary=str(glossary))
    abstract = outputs(tmp_path / "g.jsonl")[0]["translation"]["abstract"]
    assert "组合图像检索" in abstract and "CIR" in abstract
    assert len(server.state.requests("/chat/completions")) == 4  # the glossary changed every key
    system = server.state.requests("/chat/completions")[-1].body["messages"][0]["content"]  # type: ignore[index]
    assert "- Composed Image Retrieval => 组合图像检索" in system


def test_long_text_is_split_and_rejoined(tmp_path: Path, server: FakeServer, sample_entries: list[Entry]) -> None:
    entry = sample_entries[6]  # ReaSeq: two paragraphs
    records = records_file(tmp_path, [entry])
    result = translate(make_settings(server, tmp_path, context_tokens=60), records, tmp_path / "out.jsonl",
                       fields="abstract")
    assert result.pieces > 3
    abstract = outputs(tmp_path / "out.jsonl")[0]["translation"]["abstract"]
    assert abstract == fake_translate(entry.paper.abstract, "Chinese", {})
    assert "\n  " in abstract


def test_summary_fields_and_digest_outputs(tmp_path: Path, server: FakeServer, sample_entries: list[Entry]) -> None:
    records = records_file(tmp_path, sample_entries[:3])
    out = tmp_path / "out" / "2025-12-24.en.jsonl"
    spec = TranslateJob(records_path=str(records), out=str(out), language="English",
                        fields=parse_fields("title,tldr,method"), digest_day="2025-12-24")
    result = asyncio.run(run_translate(make_settings(server, tmp_path), spec, sleep=Sleeps()))
    assert result.status == "done"
    md = (tmp_path / "out" / "2025-12-24.en.md").read_text()
    assert md.count("### [") == 3 and "TL;DR: " in md
    row = outputs(out)[0]
    assert row["translation"]["tldr"] == fake_translate(sample_entries[0].summary.tldr, "English", {})
    assert f"TL;DR: {row['translation']['tldr']}\n" in md
    assert (tmp_path / "out" / "2025-12-24.en.html").exists()


def test_bad_input_fails_before_any_request(tmp_path: Path, server: FakeServer) -> None:
    with pytest.raises(ConfigError, match="unknown field"):
        parse_fields("title,summary")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "title": "T"}\n')
    with pytest.raises(RecordsError, match="has no abstract"):
        translate(make_settings(server, tmp_path), bad, tmp_path / "o.jsonl")
    assert server.state.log == [] and not (tmp_path / "o.jsonl").exists()


def test_preservation_checks() -> None:
    zh = resolve_language("Chinese")

    def check(text: str, glossary: dict[str, str] | None = None) -> str:
        return validate_translation(json.dumps({"translation": text}, ensure_ascii=False), source, zh, 0.5,
                                    glossary or {})

    source = "R@5 rises to 65.25 (+12.94), 1.8x faster, $\\ell_2$ loss, see https://github.com/x/y and `make`."
    good = "R@5 提升至 65.25（+12.94），快 1.8x，$\\ell_2$ 损失，见 https://github.com/x/y 与 `make`。"
    assert check(good) and check(good.replace("1.8x", "1.8倍"))  # the unit in words is the same number
    for broken in (good.replace("65.25", "65.3"), good.replace("（+12.94）", ""), good.replace("1.8x", "1.8"),
                   good.replace("$\\ell_2$", "ℓ2"), good.replace("x/y", "x"), good.replace("`make`", "make")):
        with pytest.raises(AnswerInvalid, match="changed or dropped"):
            check(broken)
    with pytest.raises(AnswerInvalid, match="glossary"):
        check(good, {"faster": "更快"})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["word", "two words", "A sentence.", "Q?", "\n  ", "\n\n", " ", "x" * 30]),
                min_size=1, max_size=30).map("".join).map(str.strip).filter(bool),
       st.integers(min_value=1, max_value=12))
def test_split_text_rejoins_exactly(text: str, budget: int) -> None:
    count = lambda t: len(t.split())  # noqa: E731
    pieces = split_text(text, budget, count)
    assert "".join(p + s for p, s in pieces) == text
    assert all(p for p, _ in pieces)


def test_a_signal_while_waiting_keeps_the_job_for_a_re_run(tmp_path: Path, server: FakeServer,
                                                          sample_entries: list[Entry]) -> None:
    records = records_file(tmp_path, sample_entries[:4])
    settings = make_settings(server, tmp_path)
    spec = TranslateJob(records_path=str(records), out=str(tmp_path / "out.jsonl"), language="Chinese",
                        fields=["title"], mode="batch")

    async def interrupted() -> None:
        stop = asyncio.Event()
        stop.set()
        await run_translate(settings, spec, sleep=Sleeps(), stop=stop)

    with pytest.raises(Interrupted, match="re-run the same command"):
        asyncio.run(interrupted())
    assert translate(settings, records, tmp_path / "out.jsonl", mode="batch", fields="title").status == "done"
    assert len([r for r in server.state.log if r.path == "/v1/batches" and r.body]) == 1
