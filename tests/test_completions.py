"""Reading provider answers and errors whatever their shape (pure functions, real bodies)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from summarizer.core.completions import (
    NotACompletion,
    classify_error,
    provider_code,
    provider_message,
    read_completion,
    strip_reasoning,
)


def test_tool_call_content_parts_refusal_and_cached_tokens() -> None:
    # OpenAI API reference: tool_calls[].function.arguments; usage.prompt_tokens_details.cached_tokens.
    tool = read_completion({"choices": [{"message": {"content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "submit_summary", "arguments": "{\"a\": 1}"}}]},
        "finish_reason": "stop"}], "usage": {"prompt_tokens": 900, "completion_tokens": 80,
                                             "prompt_tokens_details": {"cached_tokens": 768}}})
    assert tool.text == '{"a": 1}' and tool.cached_tokens == 768 and tool.prompt_tokens == 900
    # DeepSeek reports cache hits as prompt_cache_hit_tokens (api-docs.deepseek.com, "Context Caching").
    deepseek = read_completion({"choices": [{"message": {"content": "x"}, "finish_reason": "stop"}],
                                "usage": {"prompt_tokens": 100, "completion_tokens": 5, "prompt_cache_hit_tokens": 64,
                                          "prompt_cache_miss_tokens": 36}})
    assert deepseek.cached_tokens == 64
    parts = read_completion({"choices": [{"message": {"content": [{"type": "text", "text": "{\"a\""},
                                                                   {"type": "text", "text": ": 1}"}]}}]})
    assert parts.text == '{"a": 1}' and parts.prompt_tokens is None  # no usage: counted locally later
    refused = read_completion({"choices": [{"message": {"content": None, "refusal": "I can't help with that."},
                                            "finish_reason": "stop"}]})
    assert refused.refusal == "I can't help with that." and refused.text is None


@pytest.mark.parametrize("body", ["<html><head><title>Login</title></head></html>", {"detail": "Not Found"},
                                  [1, 2], None, {"choices": "nope"}])
def test_anything_else_is_not_a_completion(body: object) -> None:
    with pytest.raises(NotACompletion):
        read_completion(body)


def test_provider_message_from_every_shape() -> None:
    # OpenAI object, Gemini list (SuzumiyaAkizuki/ComfyUI-NewBie-LLM-Formatter#3), a bare string, an nginx page
    # (tsundereraws/aisub-translator#2), FastAPI's {"detail": ...} as vLLM sends it, Ollama's {"error": "..."}.
    assert provider_message({"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}) == \
        "Incorrect API key provided"
    assert provider_message([{"error": {"code": 400, "message": "Invalid JSON payload received. Unknown name "
                                        "\"reasoning\": Cannot find field.", "status": "INVALID_ARGUMENT"}}]) == \
        "Invalid JSON payload received. Unknown name \"reasoning\": Cannot find field."
    assert provider_message("upstream connect error") == "upstream connect error"
    assert provider_message("<html>\n<head><title>404 Not Found</title></head>\n<body>\n<center><h1>404 Not Found"
                            "</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>") == \
        "404 Not Found 404 Not Found nginx"
    assert provider_message({"detail": "Not Found"}) == "Not Found"
    assert provider_message({"error": "model \"llama3\" not found, try pulling it first"}) == \
        "model \"llama3\" not found, try pulling it first"
    assert provider_message(None) is None
    assert provider_code({"error": {"type": "insufficient_quota", "code": None}}) == "insufficient_quota"


@pytest.mark.parametrize(("status", "message", "code", "kind"), [
    (401, "Incorrect API key provided", "invalid_api_key", "auth"),
    (429, "You exceeded your current quota, please check your plan and billing details.", "insufficient_quota",
     "quota"),
    (429, "You exceeded your current quota, please check your plan and billing details. For more information on "
          "this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.", "429 resource_exhausted", "retry"),
    (402, "Insufficient Balance", "invalid_request_error unknown_error", "quota"),
    (400, "Access denied, please make sure your account is in good standing.", "arrearage arrearage", "quota"),
    (404, "The model `gpt-5-turbo` does not exist or you do not have access to it.", "model_not_found", "model"),
    (400, "Model Not Exist", "invalid_request_error", "model"),  # DeepSeek (api-docs.deepseek.com, Error Codes)
    (404, "model \"llama3\" not found, try pulling it first", "", "model"),  # Ollama
    (404, "404 Not Found nginx", "", "endpoint"),
    (503, "The server is overloaded", "", "retry"),
    (400, "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' "
          "instead.", "unsupported_parameter", "token_param"),
    (400, "Invalid JSON payload received. Unknown name \"additionalProperties\" at "
          "'generation_config.response_schema': Cannot find field.", "400 invalid_argument", "mode"),
    (422, "tool_choice is not supported", "", "mode"),
    (400, "This model's maximum context length is 8192 tokens.", "context_length_exceeded", "paper"),
])
def test_what_an_error_means_for_the_run(status: int, message: str, code: str, kind: str) -> None:
    assert classify_error(status, message, code) == kind


@given(st.text(alphabet=st.characters(blacklist_characters="<>"), max_size=40),
       st.text(alphabet=st.characters(blacklist_characters="<>"), max_size=40))
def test_think_blocks_never_reach_the_answer(thought: str, answer: str) -> None:
    for wrapped in (f"<think>{thought}</think>{answer}", f"{thought}</think>{answer}",
                    f"<think>{thought}</think><think>{thought}</think>{answer}"):
        assert strip_reasoning(wrapped) == answer
    assert strip_reasoning(f"{answer}<think>{thought}") == answer  # cut off while thinking
