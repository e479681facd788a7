"""What real providers send, replayed over loopback HTTP: refusals, filters, error bodies of every shape.

Every body below is copied from a provider's documentation or a public bug report, named beside
it. The client and the engine are the production ones; only the answers are canned.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from summarizer.core.errors import AnswerRejected, EndpointError, ModelNotFound, QuotaExhausted
from summarizer.core.models import Entry
from summarizer.core.settings import LLMSettings
from summarizer.edges.llm.client import ChatClient
from summarizer.edges.llm.engine import SummaryEngine
from summarizer.edges.resources import load_prompts
from tests.fakes import Canned, FakeServer, Sleeps
from tests.test_llm import summarize_all

KEY = "sk-providers-test-SECRET"


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        srv.state.api_key = KEY
        yield srv


def engine(server: FakeServer, sleeps: Sleeps | None = None, **overrides: Any) -> SummaryEngine:
    settings = LLMSettings(**{"base_url": f"{server.url}/v1", "api_key": KEY, "model": "fake-model",
                              "timeout_seconds": 2.0, **overrides})
    return SummaryEngine(ChatClient(settings, sleep=sleeps or Sleeps()), load_prompts())


def run_all(eng: SummaryEngine, entries: list[Entry], concurrency: int = 4) -> list[Any]:
    return summarize_all(eng, entries, concurrency)


def completion(message: dict[str, Any], finish_reason: str = "stop") -> dict[str, Any]:
    """A chat completion object as OpenAI's API reference shows it (choices[].message, usage)."""
    return {"id": "chatcmpl-canned", "object": "chat.completion", "created": 1766534400, "model": "fake-model",
            "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish_reason,
                         "logprobs": None}],
            "usage": {"prompt_tokens": 500, "completion_tokens": 200, "total_tokens": 700}}


def chat_requests(server: FakeServer) -> list[dict[str, Any]]:
    return [r.body for r in server.state.requests("/chat/completions") if r.body]


# OpenAI Structured Outputs, "Refusals": the message carries `refusal` and `content: null`
# (API reference, chat completion object: choices[].message.refusal; see MacPaw/OpenAI#249).
REFUSAL = Canned(200, completion({"content": None, "refusal": "I'm sorry, I cannot assist with that request."}))
# Azure OpenAI content filtering: a 200 with finish_reason "content_filter" and no content (learn.microsoft.com,
# Azure OpenAI "Content filtering"; developersdigest.tech/errors/api/azure-openai/200-finish-reason-content-filter).
FILTERED = Canned(200, completion({"content": None}, "content_filter"))
EMPTY = Canned(200, completion({"content": ""}))


def test_a_refusal_is_re_asked_for_that_paper_and_the_mode_stays(server: FakeServer,
                                                                   sample_entries: list[Entry]) -> None:
    first, always = sample_entries[0], sample_entries[1]
    server.state.llm_canned[first.paper.title] = [REFUSAL]
    server.state.llm_canned[always.paper.title] = [REFUSAL] * 3
    eng = engine(server)
    results = run_all(eng, sample_entries[:4], concurrency=1)
    assert results[0] == first.summary and results[2:] == [e.summary for e in sample_entries[2:4]]
    assert isinstance(results[1], AnswerRejected)
    assert "I'm sorry, I cannot assist with that request." in str(results[1])
    assert eng.ladder.mode == "json_schema"
    assert all("response_format" in b for b in chat_requests(server))  # schema enforcement never dropped
    assert eng.client.usage.reasks["refusal"] == 3  # one for the first paper, two for the one that always refuses


def test_a_content_filter_and_an_empty_answer_are_the_papers_not_the_providers(
        server: FakeServer, sample_entries: list[Entry]) -> None:
    a, b, c = sample_entries[:3]
    server.state.llm_canned[a.paper.title] = [FILTERED]
    server.state.llm_canned[b.paper.title] = [EMPTY, EMPTY]
    server.state.llm_canned[c.paper.title] = [FILTERED] * 3
    eng = engine(server)
    results = run_all(eng, sample_entries[:5], concurrency=2)
    assert results[0] == a.summary and results[1] == b.summary and results[3:] == [e.summary for e in
                                                                                     sample_entries[3:5]]
    assert isinstance(results[2], AnswerRejected) and "content filter" in str(results[2])
    assert eng.ladder.mode == "json_schema"
    assert eng.client.usage.reasks == {"content_filter": 3, "empty": 2}


# Gemini's OpenAI-compatible endpoint sends errors as a JSON *list*; the SDK then says only "Error code: 400"
# (shape: SuzumiyaAkizuki/ComfyUI-NewBie-LLM-Formatter#3; message for a response_schema: simonw/llm-gemini#49).
GEMINI_SCHEMA_400 = Canned(400, [{"error": {
    "code": 400,
    "message": "Invalid JSON payload received. Unknown name \"additionalProperties\" at "
               "'generation_config.response_schema': Cannot find field.",
    "status": "INVALID_ARGUMENT",
    "details": [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [{
        "field": "generation_config.response_schema",
        "description": "Invalid JSON payload received. Unknown name \"additionalProperties\" at "
                       "'generation_config.response_schema': Cannot find field."}]}]}}])


def test_gemini_list_error_is_read_and_steps_the_mode_down(server: FakeServer, sample_entries: list[Entry]) -> None:
    server.state.llm_canned_any = [GEMINI_SCHEMA_400, GEMINI_SCHEMA_400]  # with the script pattern, then without
    eng = engine(server)
    assert run_all(eng, sample_entries[:3], concurrency=1) == [e.summary for e in sample_entries[:3]]
    assert eng.ladder.mode == "tools"
    # With the mode fixed, the paper fails with Gemini's own words, not "Error code: 400".
    server.state.llm_canned_any = [GEMINI_SCHEMA_400, GEMINI_SCHEMA_400]
    [failed] = run_all(engine(server, structured_output="json_schema"), sample_entries[3:4])
    assert "Unknown name \"additionalProperties\"" in str(failed) and "generation_config.response_schema" in str(failed)


# OpenAI's 429 for an account out of credit (chatanywhere/GPT_API_free#229, OpenHands/OpenHands#998).
OPENAI_QUOTA = Canned(429, {"error": {
    "message": "You exceeded your current quota, please check your plan and billing details. For more information "
               "on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
    "type": "insufficient_quota", "param": None, "code": "insufficient_quota"}})
# DeepSeek's 402 (continuedev/continue#9942) and DashScope's 400 "Arrearage" (hsliuping/TradingAgents-CN#170).
DEEPSEEK_BALANCE = Canned(402, {"error": {"message": "Insufficient Balance", "type": "unknown_error", "param": None,
                                          "code": "invalid_request_error"}})
DASHSCOPE_ARREARAGE = Canned(400, {"error": {"code": "Arrearage", "param": None, "type": "Arrearage",
                                             "message": "Access denied, please make sure your account is in good "
                                                        "standing."},
                                   "id": "chatcmpl-f9fdb027", "request_id": "f9fdb027"})


@pytest.mark.parametrize("canned", [OPENAI_QUOTA, DEEPSEEK_BALANCE, DASHSCOPE_ARREARAGE],
                         ids=["openai-insufficient_quota", "deepseek-402", "dashscope-arrearage"])
def test_exhausted_quota_stops_the_run_at_once(server: FakeServer, sample_entries: list[Entry],
                                               canned: Canned) -> None:
    server.state.llm_canned_any = [canned] * 50
    sleeps = Sleeps()
    results = run_all(engine(server, sleeps), sample_entries, concurrency=4)
    assert all(isinstance(r, QuotaExhausted) for r in results)
    assert "quota or balance is exhausted" in str(results[0])
    assert len(chat_requests(server)) <= 4 and sleeps.calls == []  # no retries, no backoff


# Gemini says "You exceeded your current quota" of its per-minute limits too, with RESOURCE_EXHAUSTED:
# that one is waited out (googleapis/python-genai#1446).
GEMINI_PER_MINUTE = Canned(429, [{"error": {
    "code": 429, "status": "RESOURCE_EXHAUSTED",
    "message": "You exceeded your current quota, please check your plan and billing details. For more information on "
               "this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits."}}])


def test_gemini_per_minute_limit_is_waited_out(server: FakeServer, sample_entries: list[Entry]) -> None:
    server.state.llm_canned_any = [GEMINI_PER_MINUTE, GEMINI_PER_MINUTE]
    sleeps = Sleeps()
    assert run_all(engine(server, sleeps), sample_entries[:1]) == [sample_entries[0].summary]
    assert len(sleeps.calls) == 2 and sleeps.calls[0] >= 1.0


# Azure OpenAI's 429 with the reset headers at 0 and no Retry-After (openai/openai-dotnet#838).
AZURE_ZERO_RESET = Canned(429, {"error": {"code": "429", "message": "Rate limit is exceeded. Try again later."}},
                          headers={"x-ratelimit-limit-tokens": "-1", "x-ratelimit-remaining-tokens": "-1",
                                   "x-ratelimit-reset-tokens": "0"})


def test_a_zero_reset_header_keeps_the_backoff(server: FakeServer, sample_entries: list[Entry]) -> None:
    server.state.llm_canned_any = [AZURE_ZERO_RESET] * 4
    sleeps = Sleeps()
    assert run_all(engine(server, sleeps), sample_entries[:1]) == [sample_entries[0].summary]
    floors = [1.0, 2.0, 4.0, 8.0]
    assert all(f <= s <= f + 1.0 for f, s in zip(floors, sleeps.calls, strict=True))


# OpenAI's 404 for a model the key cannot use (Aider-AI/aider#2030; shobrook/wut#14).
MODEL_404 = Canned(404, {"error": {"message": "The model `gpt-5-turbo` does not exist or you do not have access to it.",
                                   "type": "invalid_request_error", "param": None, "code": "model_not_found"}})


def test_a_wrong_model_stops_the_run_naming_it(server: FakeServer, sample_entries: list[Entry]) -> None:
    server.state.llm_canned_any = [MODEL_404] * 50
    results = run_all(engine(server, model="gpt-5-turbo"), sample_entries, concurrency=4)
    assert all(isinstance(r, ModelNotFound) for r in results)
    assert "'gpt-5-turbo'" in str(results[0]) and "llm.model" in str(results[0])
    assert len(chat_requests(server)) <= 4


# A captive portal or a wrong base_url: a 200 that is an HTML page. The SDK hands back a str, and code that
# reads `.choices` dies with AttributeError (harry0703/MoneyPrinterTurbo#87).
PORTAL = Canned(200, b"<!DOCTYPE html><html><head><title>Hotel WiFi - Please log in</title></head>"
                     b"<body><form action='/login'>Room number <input name=room></form></body></html>",
                content_type="text/html; charset=utf-8")


def test_an_html_200_is_a_clear_error_naming_base_url(server: FakeServer, sample_entries: list[Entry]) -> None:
    server.state.llm_canned_any = [PORTAL] * 50
    results = run_all(engine(server), sample_entries[:6], concurrency=2)
    assert all(isinstance(r, EndpointError) for r in results)
    message = str(results[0])
    assert f"{server.url}/v1" in message and "HTML page" in message and "'Hotel WiFi - Please log in'" in message
    assert "llm.base_url" in message and len(chat_requests(server)) <= 2



# DeepSeek-R1 distills answer "<think>xxxxx</think>json{....}" (deepseek-ai/DeepSeek-R1#381); some chat templates
# open the block themselves, so only "</think>" comes back (open-webui/open-webui#9808); DeepSeek's own API puts
# the thoughts in `reasoning_content` beside `content` (api-docs.deepseek.com, "Reasoning Model").
THOUGHTS = "Okay, the user wants {\"tldr\": ...}. Let me think: {a} {b} } { and then answer.\n"


@pytest.mark.parametrize("canned", [
    Canned(200, lambda body, recorded: completion({"content": f"<think>\n{THOUGHTS}</think>\n\n{recorded}"})),
    Canned(200, lambda body, recorded: completion({"content": f"{THOUGHTS}</think>\n{recorded}"})),
    Canned(200, lambda body, recorded: completion({"content": recorded, "reasoning_content": THOUGHTS})),
], ids=["think-block", "closing-tag-only", "reasoning_content"])
def test_reasoning_output_is_dropped_before_extraction(server: FakeServer, sample_entries: list[Entry],
                                                       canned: Canned) -> None:
    entry = sample_entries[0]
    server.state.llm_canned[entry.paper.title] = [canned]
    eng = engine(server)
    assert run_all(eng, [entry]) == [entry.summary]
    assert len(chat_requests(server)) == 1 and eng.client.usage.first_accepted == 1
