"""What an OpenAI-compatible provider sent back, read whatever its shape.

Pure functions over decoded JSON (or text): the answer of a chat completion (content or tool
call, refusal, finish reason, usage with cached tokens), with reasoning blocks removed; the
provider's own message from an error body, which may be an object, a list (Gemini's OpenAI
endpoint), a string or an HTML page; and what an error means for the run. The sync client and
the Batch API's output files both read answers through here.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Literal

# Reasoning models (DeepSeek-R1 distills, Qwen3, MiniMax) think aloud before answering; their
# thoughts contain braces that would break JSON extraction.
_THINK_BLOCK = re.compile(r"<(think|thinking|reasoning)>.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_THINK_OPEN = re.compile(r"<(think|thinking|reasoning)>", re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</(think|thinking|reasoning)\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,200}>")


@dataclass
class Completion:
    text: str | None
    finish_reason: str | None
    prompt_tokens: int | None = None  # None: the provider sent no usage
    completion_tokens: int | None = None
    cached_tokens: int = 0
    refusal: str | None = None


class NotACompletion(ValueError):
    """A 200 answer that is not a chat completion (an HTML page, another API's JSON)."""


def strip_reasoning(text: str | None) -> str | None:
    """The answer without `<think>...</think>` blocks (closed, never closed, or opened by the template)."""
    if text is None:
        return None
    text = _THINK_BLOCK.sub("", text)
    opened = _THINK_OPEN.search(text)
    if opened:  # cut off while thinking: nothing after the tag is an answer
        text = text[: opened.start()]
    closes = list(_THINK_CLOSE.finditer(text))
    if closes:  # the chat template opened the block, the model only closed it
        text = text[closes[-1].end() :]
    return text


def _content_text(content: Any) -> str | None:
    if isinstance(content, str) or content is None:
        return content
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}]
        texts = [str(p["text"]) for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)]
        return "".join(texts) if texts else None
    return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_completion(body: Any) -> Completion:
    """The answer of a chat completion body; `NotACompletion` when it is something else."""
    if not isinstance(body, dict) or not isinstance(body.get("choices"), list):
        raise NotACompletion(describe_body(body))
    choices = body["choices"]
    choice: dict[str, Any] = choices[0] if choices and isinstance(choices[0], dict) else {}
    message: dict[str, Any] = choice["message"] if isinstance(choice.get("message"), dict) else {}
    text: str | None = None
    calls = message.get("tool_calls") or []
    if calls and isinstance(calls[0], dict) and isinstance(calls[0].get("function"), dict):
        arguments = calls[0]["function"].get("arguments")
        text = arguments if isinstance(arguments, str) else None
    if text is None:
        text = _content_text(message.get("content"))
    refusal = message.get("refusal")
    usage: dict[str, Any] = body["usage"] if isinstance(body.get("usage"), dict) else {}
    details: dict[str, Any] = (usage["prompt_tokens_details"] if isinstance(usage.get("prompt_tokens_details"), dict)
                               else {})
    cached = _int(details.get("cached_tokens")) or _int(usage.get("prompt_cache_hit_tokens")) or 0
    return Completion(
        text=strip_reasoning(text),
        finish_reason=choice.get("finish_reason") if isinstance(choice.get("finish_reason"), str) else None,
        prompt_tokens=_int(usage.get("prompt_tokens")),
        completion_tokens=_int(usage.get("completion_tokens")),
        cached_tokens=cached,
        refusal=refusal if isinstance(refusal, str) and refusal.strip() else None,
    )


def describe_body(body: Any) -> str:
    """A few words on what came back instead of a chat completion."""
    if isinstance(body, str):
        kind = "an HTML page" if "<html" in body[:500].lower() or "<!doctype" in body[:500].lower() else "text"
        title = re.search(r"<title[^>]*>(.*?)</title>", body, re.IGNORECASE | re.DOTALL)
        return kind + (f" titled {html.unescape(title.group(1)).strip()[:80]!r}" if title else "")
    if isinstance(body, dict):
        return "JSON with the keys " + ", ".join(sorted(map(str, body))[:8])
    return f"JSON of type {type(body).__name__}"


def provider_message(body: Any) -> str | None:
    """The provider's own error message from a body of any shape: object, list, string or HTML."""
    if isinstance(body, list):
        for item in body:
            if found := provider_message(item):
                return found
        return None
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, str) and inner.strip():
            return inner.strip()
        if isinstance(inner, dict):
            for key in ("message", "msg", "detail", "error_msg"):
                value = inner.get(key)
                if isinstance(value, str) and value.strip():
                    return value.strip()
                if isinstance(value, (dict, list)) and (nested := provider_message(value)):
                    return nested
        for key in ("message", "detail", "msg"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return None
    if isinstance(body, str) and body.strip():
        text = html.unescape(_TAG.sub(" ", body))
        return re.sub(r"\s+", " ", text).strip()[:300] or None
    return None


def provider_code(body: Any) -> str:
    """The error's `code` and `type` (e.g. "insufficient_quota", "model_not_found"), lower-cased."""
    if isinstance(body, list):
        return " ".join(provider_code(item) for item in body).strip()
    if not isinstance(body, dict):
        return ""
    inner = body.get("error", body)
    if not isinstance(inner, dict):
        return ""
    return " ".join(str(inner.get(k) or "") for k in ("code", "type", "status")).strip().lower()


ErrorKind = Literal["auth", "quota", "model", "endpoint", "retry", "token_param", "mode", "paper"]

_MODE_WORDS = re.compile(r"schema|response_format|json_object|tool|function", re.IGNORECASE)
# Not "You exceeded your current quota": Gemini says that of its per-minute limits too (a 429 to wait out).
_QUOTA = re.compile(r"insufficient_quota|insufficient[ _]balance|arrearage|account is in good standing|"
                    r"credit balance is too low", re.IGNORECASE)
_NO_MODEL = re.compile(r"model_not_found|model.{0,80}(does not exist|not exist|not found|not supported|unknown)|"
                       r"(unknown|invalid|unsupported) model|no such model", re.IGNORECASE)


def classify_error(status: int, message: str, code: str = "") -> ErrorKind:
    """What an HTTP error from a chat completion means for the run.

    auth, quota, model and endpoint stop the run (retrying cannot help, and every other paper
    would fail the same way); retry is for the transport layer; mode means the provider refused
    the structured-output mode (a 400 or 422 naming the schema, response_format, tools or
    functions); token_param that it wants `max_completion_tokens`; paper that this one request
    failed.
    """
    both = f"{code} {message}"
    if status in (401, 403) and not _QUOTA.search(both):
        return "auth"
    if status == 402 or _QUOTA.search(both):
        return "quota"
    if _NO_MODEL.search(both) and status in (400, 404):
        return "model"
    if status in (404, 405):
        return "endpoint"
    if status in (408, 409, 429) or status >= 500:
        return "retry"
    if status == 400 and "max_completion_tokens" in message:
        return "token_param"
    if status in (400, 422) and _MODE_WORDS.search(message):
        return "mode"
    return "paper"
