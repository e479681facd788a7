"""Loopback fakes of arXiv's API (and RSS feed) and an OpenAI-compatible chat endpoint.

They speak the real protocols over real HTTP on 127.0.0.1, answer from `fixtures/` through the
same `replay` functions the demo uses, and inject faults on demand. Every request is logged.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from lxml import etree

from summarizer.core.translation_checks import PRESERVED
from summarizer.demo.replay import (
    ARXIV_NS,
    ATOM_CONTENT_TYPE,
    ATOM_NS,
    OPENSEARCH_NS,
    ArxivArchive,
    RecordedAnswers,
    atom_feed,
    chat_completion,
    title_of,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@dataclass
class Logged:
    path: str
    params: dict[str, str]
    body: dict[str, Any] | None
    headers: dict[str, str]
    at: float


@dataclass
class Canned:
    """A provider's answer copied from a real one: status, body (JSON-able, or bytes as they are), headers.

    `body` may also be a function of (request body, the recorded answer as JSON text) for answers
    that wrap the paper's own summary (a think block before it, a refusal instead of it).
    """

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass
class FakeState:
    archive: ArxivArchive
    answers: RecordedAnswers
    arxiv_faults: list[str] = field(default_factory=list)  # consumed one per API request
    llm_faults: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # by title or text
    llm_canned: dict[str, list[Canned]] = field(default_factory=lambda: defaultdict(list))  # by title or text
    llm_canned_any: list[Canned] = field(default_factory=list)  # for the next requests, whatever they ask
    always_fail: set[str] = field(default_factory=set)  # titles (or texts) answered with HTTP 500 forever
    reject_modes: set[str] = field(default_factory=set)  # "json_schema"/"tools" refused with 400
    reject_max_tokens: bool = False  # as OpenAI's reasoning models do
    llm_latency: float = 0.0
    retry_after: str = "3"  # the Retry-After of the fake's 429s (process tests set "0": no real sleep)
    arxiv_retry_after: str = "2"
    api_key: str | None = None
    rss: dict[str, bytes] = field(default_factory=dict)  # by the feed's categories ("cs.IR+cs.AI"): one feed a path
    # full texts as arxiv.org serves them, by "html/<id>" and "e-print/<id>" (any version): bytes, or a fault
    # ("429" once then the bytes, "huge": a declared 200 MB body); a missing one is a 404 as on arXiv
    fulltext: dict[str, bytes] = field(default_factory=dict)
    fulltext_faults: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    batch_polls: dict[str, int] = field(default_factory=dict)
    batch_hold: int = 1  # polls a batch stays in_progress
    batch_end: list[str] = field(default_factory=list)  # how the next batches end: completed/expired/failed
    log: list[Logged] = field(default_factory=list)
    answered: list[tuple[str, int]] = field(default_factory=list)  # (title, status) of each chat answer sent
    abstracts: dict[str, str] = field(default_factory=dict)  # by title: what each summary request must carry
    synthesize: bool = False  # papers with no recorded answer get a plain valid Chinese one (imports, backfills)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if not self.abstracts:
            self.abstracts = abstracts_by_title(self.archive)

    def requests(self, path_part: str) -> list[Logged]:
        return [r for r in self.log if path_part in r.path]


# Azure OpenAI's prompt filter: a 400 for this one request, the run goes on (as vibrantlabsai/ragas#649 shows it)
AZURE_PROMPT_FILTER = {"error": {
    "message": "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. "
               "Please modify your prompt and retry. To learn more about our content filtering policies please "
               "read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
    "type": None, "param": "prompt", "code": "content_filter", "status": 400,
    "innererror": {"code": "ResponsibleAIPolicyViolation", "content_filter_result": {
        "hate": {"filtered": False, "severity": "safe"}, "self_harm": {"filtered": False, "severity": "safe"},
        "sexual": {"filtered": False, "severity": "safe"}, "violence": {"filtered": True, "severity": "medium"}}}}}


# A valid summary for any paper: five different plain Chinese sentences with no number in them.
SYNTHETIC = {
    "tldr": "这篇论文提出一种新方法，并在公开基准上验证了它的效果。",
    "motivation": "现有系统在真实场景中表现不稳定，研究者需要更可靠的解决方案。",
    "method": "作者设计了一个分阶段的框架：先整理数据，再训练模型，最后联合优化各个部分。",
    "result": "实验表明该方法在多个数据集上优于已有基线，而且计算开销较小。",
    "conclusion": "这些结果说明这一思路具有推广价值，可以为后续研究提供参考。",
}


def english_answer(abstract: str) -> str:
    words = abstract.split()
    return json.dumps({k: " ".join(words[i * 12 : i * 12 + 12]) or "The paper" for i, k in
                       enumerate(("tldr", "motivation", "method", "result", "conclusion"))})


class _Handler(BaseHTTPRequestHandler):
    state: FakeState
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str = "application/json", headers: dict[str, str] | None = None
              ) -> None:
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up first (a timeout test)
            pass

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode(), headers=headers)

    def _enter(self, body: dict[str, Any] | None) -> Logged:
        url = urlsplit(self.path)
        entry = Logged(url.path, dict(parse_qsl(url.query, keep_blank_values=True)), body,
                       {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
        with self.state.lock:
            self.state.log.append(entry)
            self.state.in_flight += 1
            self.state.max_in_flight = max(self.state.max_in_flight, self.state.in_flight)
        return entry

    def _leave(self) -> None:
        with self.state.lock:
            self.state.in_flight -= 1

    def do_GET(self) -> None:
        entry = self._enter(None)
        try:
            if entry.path.startswith("/v1/files/"):
                self._files(entry)
            elif entry.path.startswith("/v1/batches"):
                self._batches(entry, None)
            elif entry.path.endswith("/api/query"):
                self._arxiv(entry)
            elif entry.path.startswith(("/html/", "/e-print/")):
                self._fulltext(entry)
            elif entry.path.startswith("/rss/"):
                feed = self.state.rss.get(entry.path.removeprefix("/rss/"))
                if feed is None:  # rss.arxiv.org answers an unknown category with 404 too
                    self._send(404, b"not found", "text/plain")
                else:
                    self._send(200, feed, "application/rss+xml")
            else:
                self._send(404, b"not found", "text/plain")
        finally:
            self._leave()

    def _fulltext(self, entry: Logged) -> None:
        kind, _, ident = entry.path.strip("/").partition("/")
        key = f"{kind}/{re.sub(r'v[0-9]+$', '', ident)}"
        with self.state.lock:
            faults = self.state.fulltext_faults.get(key) or []
            fault = faults.pop(0) if faults else None
        if fault == "429":  # arXiv's answer to a client going too fast
            self._send(429, b"Rate exceeded.", "text/plain", {"Retry-After": "1"})
            return
        if fault == "huge":  # a 200 MB source: announced by its length, never sent
            self.send_response(200)
            self.send_header("Content-Type", "application/x-eprint-tar")
            self.send_header("Content-Length", str(200_000_000))
            self.end_headers()
            return
        data = self.state.fulltext.get(key)
        if data is None:
            self._send(404, b"<html><body>No HTML for this paper</body></html>", "text/html")
        else:
            self._send(200, data, "text/html; charset=utf-8" if kind == "html" else "application/gzip")

    def _arxiv(self, entry: Logged) -> None:
        with self.state.lock:
            fault = self.state.arxiv_faults.pop(0) if self.state.arxiv_faults else None
        if fault == "429":
            self._send(429, b"slow down", "text/plain", {"Retry-After": "7"})
        elif fault == "503":
            self._send(503, b"busy", "text/plain", {"Retry-After": self.state.arxiv_retry_after})
        elif fault == "500":
            self._send(500, b"oops", "text/plain")
        elif fault == "timeout":  # longer than the tests' client timeout, with room for a loaded machine
            time.sleep(1.2)
            self._send(503, b"late", "text/plain")
        elif fault == "malformed":
            half = b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><entry>"
            self._send(200, half, ATOM_CONTENT_TYPE)
        elif fault == "html":
            self._send(200, b"<html><body>maintenance</body></html>", "text/html")
        elif fault == "empty":
            params = dict(entry.params)
            total = len(self.state.archive.select(params))
            self._send(200, atom_feed([], total=total, start=int(params.get("start", 0))), ATOM_CONTENT_TYPE)
        elif fault == "error400":
            self._send(400, error_feed("incorrect id format for 2512.2078x"), ATOM_CONTENT_TYPE)
        else:
            self._send(200, self.state.archive.page(entry.params), ATOM_CONTENT_TYPE)

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", 0))
        self._raw = self.rfile.read(length)
        is_json = "json" in self.headers.get("content-type", "json")
        body = json.loads(self._raw or b"{}") if is_json else None
        entry = self._enter(body)
        try:
            if entry.path.endswith("/chat/completions"):
                self._chat(body or {})
            elif entry.path == "/v1/files":
                self._files(entry)
            elif entry.path.startswith("/v1/batches"):
                self._batches(entry, body)
            else:
                self._json(404, {"error": {"message": "unknown path"}})
        finally:
            self._leave()

    def _chat(self, body: dict[str, Any]) -> None:
        state = self.state
        if state.llm_latency:
            time.sleep(state.llm_latency)
        if state.api_key is not None and self.headers.get("authorization") != f"Bearer {state.api_key}":
            self._json(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                                       "code": "invalid_api_key"}})
            return
        canned = next_canned(state, body)
        if canned is not None:
            data = canned.body
            if callable(data):
                recorded = state.answers.answer_for(body)
                data = data(body, json.dumps(recorded, ensure_ascii=False) if recorded else "")
            raw = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
            self._send(canned.status, raw, canned.content_type, canned.headers)
            return
        status, data, headers, fault = answer_chat(state, body)
        if fault == "timeout":
            time.sleep(1.6)
        with state.lock:
            state.answered.append((fault_key(body), status))
        self._json(status, data, headers)

    def _files(self, entry: Logged) -> None:
        """POST /v1/files (multipart, purpose=batch) and GET /v1/files/{id}/content."""
        state = self.state
        if self.command == "POST":
            form = _multipart(self.headers.get("content-type", ""), self._raw)
            file_id = f"file-{len(state.files) + 1}"
            state.files[file_id] = form["file"]
            self._json(200, {"id": file_id, "object": "file", "bytes": len(form["file"]), "created_at": 1766534400,
                             "filename": "batch.jsonl", "purpose": form["purpose"].decode(), "status": "processed"})
            return
        file_id = entry.path.split("/")[3]
        if file_id not in state.files:
            self._json(404, {"error": {"message": "no such file"}})
            return
        self._send(200, state.files[file_id], "application/octet-stream")

    def _batches(self, entry: Logged, body: dict[str, Any] | None) -> None:
        state = self.state
        parts = entry.path.rstrip("/").split("/")  # ['', 'v1', 'batches', id?, 'cancel'?]
        if self.command == "POST" and len(parts) == 3:
            batch_id = f"batch_{len(state.batches) + 1}"
            state.batches[batch_id] = {
                "id": batch_id, "object": "batch", "endpoint": body["endpoint"], "errors": None,  # type: ignore[index]
                "input_file_id": body["input_file_id"], "completion_window": body["completion_window"],  # type: ignore[index]
                "status": "validating", "output_file_id": None, "error_file_id": None, "created_at": int(time.time()),
                "request_counts": {"total": 0, "completed": 0, "failed": 0},
                "metadata": body.get("metadata"),  # type: ignore[union-attr]
            }
            state.batch_polls[batch_id] = 0
            self._json(200, state.batches[batch_id])
        elif self.command == "GET" and len(parts) == 3:
            self._json(200, {"object": "list", "data": list(state.batches.values())[::-1], "has_more": False,
                             "first_id": None, "last_id": None})
        elif len(parts) >= 4 and parts[3] in state.batches:
            batch = state.batches[parts[3]]
            if self.command == "POST" and parts[-1] == "cancel":
                batch["status"] = "cancelled"
            elif batch["status"] not in ("completed", "failed", "expired", "cancelled"):
                advance_batch(state, batch)
            self._json(200, batch)
        else:
            self._json(404, {"error": {"message": "no such batch"}})


def _multipart(ctype: str, raw: bytes) -> dict[str, bytes]:
    boundary = ctype.split("boundary=", 1)[1].strip('"').encode()
    fields = {}
    for chunk in raw.split(b"--" + boundary):
        if b"\r\n\r\n" not in chunk:
            continue
        head, _, value = chunk.partition(b"\r\n\r\n")
        name = head.split(b'name="', 1)[1].split(b'"', 1)[0].decode()
        fields[name] = value[:-2] if value.endswith(b"\r\n") else value
    return fields


_WORDS = re.compile(r"[A-Za-z][A-Za-z'\-]*")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


def fake_translate(text: str, language: str, glossary: dict[str, str]) -> str:
    """A deterministic 'translation' that keeps math, URLs, numbers and code, and honours the glossary.

    It is piecewise: translating two pieces and joining them equals translating the whole.
    """
    terms = sorted(glossary, key=len, reverse=True)
    protected = re.compile("|".join([re.escape(t) for t in terms] + [PRESERVED.pattern]), re.DOTALL)
    out, pos = [], 0
    for m in protected.finditer(text):
        out.append(_translate_words(text[pos : m.start()], language))
        term = m.group(0)
        out.append(glossary[term] if term in glossary and glossary[term].lower() != "keep" else term)
        pos = m.end()
    out.append(_translate_words(text[pos:], language))
    return "".join(out)


def _translate_words(text: str, language: str) -> str:
    return _WORDS.sub("译", text) if language.lower() in ("chinese", "zh") else _CJK_RUN.sub(" words ", text)


def _glossary_of(body: dict[str, Any]) -> dict[str, str]:
    system = body["messages"][0]["content"]
    return dict(re.findall(r"^- (.+?) => (.+)$", system, re.MULTILINE))


def translation_source(user: str) -> str:
    """The text of a translation request: between its first line and its closing instruction."""
    return user.split("\n\n", 1)[1].rsplit("\n\n", 1)[0]


def fault_key(body: dict[str, Any]) -> str:
    user = next((m["content"] for m in body["messages"] if m["role"] == "user"), "")
    if user.startswith("Translate into "):
        return translation_source(user)
    return title_of(body) or ""


def abstracts_by_title(archive: ArxivArchive) -> dict[str, str]:
    """What each summary request must carry: the paper's abstract, by its (collapsed) title."""
    found = {}
    for entry in archive.entries:
        title = " ".join((entry.findtext(f"{{{ATOM_NS}}}title") or "").split())
        found[title] = (entry.findtext(f"{{{ATOM_NS}}}summary") or "").strip()
    return found


def next_canned(state: FakeState, body: dict[str, Any]) -> Canned | None:
    with state.lock:
        if state.llm_canned_any:
            return state.llm_canned_any.pop(0)
        queue = state.llm_canned.get(fault_key(body))
        return queue.pop(0) if queue else None


def _a_field_rewrite(body: dict[str, Any]) -> bool:
    """Whether the request's schema asks for fewer keys than a summary has (json_schema or tools mode)."""
    schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("schema")
    for tool in body.get("tools") or []:
        schema = tool.get("function", {}).get("parameters", schema)
    keys = (schema or {}).get("properties")
    return isinstance(keys, dict) and 0 < len(keys) < len(SYNTHETIC)


def answer_chat(state: FakeState, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str], str | None]:
    """(status, body, headers, fault) of one chat completion: recorded summary, or fake translation."""
    if state.reject_max_tokens and "max_tokens" in body:
        return 400, {"error": {"message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
                               "Use 'max_completion_tokens' instead.", "type": "invalid_request_error",
                               "param": "max_tokens", "code": "unsupported_parameter"}}, {}, None
    fmt = (body.get("response_format") or {}).get("type")
    mode = "tools" if body.get("tools") else fmt or "text"
    if mode in state.reject_modes:
        return 400, {"error": {"message": f"This response_format type is unavailable now: {mode}",
                               "type": "invalid_request_error", "param": "response_format"}}, {}, None
    key = fault_key(body)
    user = next((m["content"] for m in body["messages"] if m["role"] == "user"), "")
    if user.startswith("Translate into "):
        language = user.removeprefix("Translate into ").split(":", 1)[0]
        answer: dict[str, str] | None = {"translation": fake_translate(key, language, _glossary_of(body))}
        source = key
    elif user.startswith('Reply with the JSON object {"ok": "yes"}'):
        answer, source = {"ok": "yes"}, user  # doctor's probe: any working model answers it
    else:
        answer = state.answers.answer_for(body)
        source = body["messages"][-1]["content"]
        abstract = state.abstracts.get(key)
        if answer is None and state.synthesize:
            answer = dict(SYNTHETIC)
        elif answer is not None and not _a_field_rewrite(body) and (abstract is None or abstract not in user):
            # A prompt that lost the paper's abstract (or title) must fail the golden tests. A request for some
            # fields alone (a bare Result's rewrite) carries what the product chooses to quote.
            return 422, {"error": {"message": "the request does not carry the paper's title and abstract"}}, {}, None
    if answer is None:
        return 404, {"error": {"message": "no recording"}}, {}, None
    if key in state.always_fail:
        return 500, {"error": {"message": "internal error"}}, {}, None
    with state.lock:
        queue = state.llm_faults.get(key) or []
        fault = queue.pop(0) if queue else None
    good = json.dumps(answer, ensure_ascii=False)
    if fault == "429":
        return 429, {"error": {"message": "Rate limit reached"}}, {"retry-after": state.retry_after}, fault
    if fault == "500":
        return 500, {"error": {"message": "server error"}}, {}, fault
    content, finish = good, "stop"
    if fault == "half_json":
        content = good[: len(good) // 2]
    elif fault == "english":
        content = english_answer(source)
    elif fault == "length":
        content, finish = good[: len(good) // 3], "length"
    elif fault == "empty":
        content = ""
    elif fault == "fenced":
        content = f"Here is the summary:\n```json\n{good}\n```\nHope it helps."
    elif fault == "drop_number":
        content = json.dumps({"translation": re.sub(r"\d", "", answer.get("translation", ""))}, ensure_ascii=False)
    data = chat_completion(body, content, finish_reason=finish)
    if fault == "no_usage":
        del data["usage"]
    return 200, data, {}, fault


def advance_batch(state: FakeState, batch: dict[str, Any]) -> None:
    """One poll moves a batch one step: validating -> in_progress (held `batch_hold` polls) -> its end."""
    polls = state.batch_polls[batch["id"]] = state.batch_polls[batch["id"]] + 1
    if polls == 1:
        batch["status"] = "in_progress"
        return
    if polls <= 1 + state.batch_hold:
        return
    lines = [json.loads(x) for x in state.files[batch["input_file_id"]].decode().splitlines() if x.strip()]
    end = state.batch_end.pop(0) if state.batch_end else "completed"
    batch["request_counts"]["total"] = len(lines)
    if end == "failed":
        batch["status"] = "failed"
        batch["errors"] = {"object": "list", "data": [{"code": "invalid_json_line", "message": "bad line", "line": 1}]}
        return
    if end == "expired":
        lines = lines[: len(lines) // 2]  # the rest never ran
    out: list[str] = []
    err: list[str] = []
    for n, line in enumerate(lines):
        status, data, _, _ = answer_chat(state, line["body"])
        item = {"id": f"batch_req_{n}", "custom_id": line["custom_id"],
                "response": {"status_code": status, "request_id": f"req_{n}", "body": data}, "error": None}
        (out if status == 200 else err).append(json.dumps(item, ensure_ascii=False))
    for name, rows in (("output_file_id", out), ("error_file_id", err)):
        if rows:
            file_id = f"file-{len(state.files) + 1}"
            state.files[file_id] = ("\n".join(rows) + "\n").encode()
            batch[name] = file_id
    batch["request_counts"].update(completed=len(out), failed=len(err))
    batch["status"] = end


def spread_archive(start: datetime, end: datetime, every: timedelta) -> ArxivArchive:
    """Copies of the recorded entries submitted every `every` from `start` to `end` (new ids and titles):
    papers in every listing window, holidays' included, for backfills over weeks."""
    originals = ArxivArchive.from_files([FIXTURES / "arxiv" / "listing-2025-12-24.xml"]).entries
    entries = []
    moment, n = start, 0
    while moment < end:
        entry = copy.deepcopy(originals[n % len(originals)])
        entry.find(f"{{{ATOM_NS}}}id").text = f"http://arxiv.org/abs/{moment:%y%m}.{50000 + n:05d}v1"
        title = " ".join(entry.findtext(f"{{{ATOM_NS}}}title").split())
        entry.find(f"{{{ATOM_NS}}}title").text = f"{title} (spread {n})"
        stamp = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        entry.find(f"{{{ATOM_NS}}}published").text = entry.find(f"{{{ATOM_NS}}}updated").text = stamp
        entries.append(entry)
        moment, n = moment + every, n + 1
    return ArxivArchive(entries)


def error_feed(message: str) -> bytes:
    """arXiv's answer to a bad query: HTTP 400 with one <entry> titled Error."""
    feed = etree.Element(_qn(ATOM_NS, "feed"), nsmap={None: ATOM_NS, "opensearch": OPENSEARCH_NS, "arxiv": ARXIV_NS})
    etree.SubElement(feed, _qn(ATOM_NS, "title")).text = "arXiv Query: error"
    etree.SubElement(feed, _qn(OPENSEARCH_NS, "totalResults")).text = "1"
    entry = etree.SubElement(feed, _qn(ATOM_NS, "entry"))
    etree.SubElement(entry, _qn(ATOM_NS, "id")).text = "http://arxiv.org/api/errors#incorrect_id_format"
    etree.SubElement(entry, _qn(ATOM_NS, "title")).text = "Error"
    etree.SubElement(entry, _qn(ATOM_NS, "summary")).text = message
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8")


def _qn(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


class Sleeps:
    """An injected sleep that records what it was asked to wait and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


class FakeServer:
    """Both services on one loopback port; `url` is the base (http://127.0.0.1:PORT)."""

    def __init__(self, state: FakeState | None = None) -> None:
        self.state = state or FakeState(
            archive=ArxivArchive.from_files([FIXTURES / "arxiv" / "listing-2025-12-24.xml"]),
            answers=RecordedAnswers.from_file(FIXTURES / "llm" / "answers.jsonl"),
        )
        handler = type("Handler", (_Handler,), {"state": self.state})
        # The default accept queue of 5 drops connections when 16 clients connect at once.
        server = type("Server", (ThreadingHTTPServer,), {"request_queue_size": 128})
        self.httpd = server(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def write_nightly_config(tmp: Path, server: FakeServer, api_key: str, concurrency: int = 16,
                         extra_llm: str = "") -> Path:
    """A config file with the keys the acceptance check writes, pointing both services at `server`."""
    cfg = tmp / "config.toml"
    cfg.write_text(f"""
[arxiv]
categories = ["cs.IR", "cs.AI", "cs.LG"]
api_url = "{server.url}/api/query"
use_rss = false
delay_seconds = 0
retry_backoff_seconds = 0.01
[llm]
base_url = "{server.url}/v1"
api_key = "{api_key}"
model = "some-model"
language = "Chinese"
max_concurrency = {concurrency}
retry_backoff_seconds = 0.01
{extra_llm}
[paths]
cache_dir = "{tmp / 'cache'}"
output_dir = "{tmp / 'out'}"
""")
    return cfg

