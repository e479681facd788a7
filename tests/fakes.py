"""Loopback fakes of arXiv's API (and RSS feed) and an OpenAI-compatible chat endpoint.

They speak the real protocols over real HTTP on 127.0.0.1, answer from `fixtures/` through the
same `replay` functions the demo uses, and inject faults on demand. Every request is logged.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from summarizer.replay import (
    ATOM_CONTENT_TYPE,
    ArxivArchive,
    RecordedAnswers,
    atom_feed,
    chat_completion,
    error_feed,
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
class FakeState:
    archive: ArxivArchive
    answers: RecordedAnswers
    arxiv_faults: list[str] = field(default_factory=list)  # consumed one per API request
    llm_faults: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # by title
    always_fail: set[str] = field(default_factory=set)  # titles answered with HTTP 500 forever
    reject_modes: set[str] = field(default_factory=set)  # "json_schema"/"tools" refused with 400
    llm_latency: float = 0.0
    api_key: str | None = None
    rss: bytes | None = None
    log: list[Logged] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def requests(self, path_part: str) -> list[Logged]:
        return [r for r in self.log if path_part in r.path]


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
            if entry.path.endswith("/api/query"):
                self._arxiv(entry)
            elif entry.path.startswith("/rss"):
                if self.state.rss is None:
                    self._send(404, b"not found", "text/plain")
                else:
                    self._send(200, self.state.rss, "application/rss+xml")
            else:
                self._send(404, b"not found", "text/plain")
        finally:
            self._leave()

    def _arxiv(self, entry: Logged) -> None:
        with self.state.lock:
            fault = self.state.arxiv_faults.pop(0) if self.state.arxiv_faults else None
        if fault == "429":
            self._send(429, b"slow down", "text/plain", {"Retry-After": "7"})
        elif fault == "503":
            self._send(503, b"busy", "text/plain", {"Retry-After": "2"})
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
        body = json.loads(self.rfile.read(length) or b"{}")
        entry = self._enter(body)
        try:
            if entry.path.endswith("/chat/completions"):
                self._chat(body)
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
        fmt = (body.get("response_format") or {}).get("type")
        mode = "tools" if body.get("tools") else fmt or "text"
        if mode in state.reject_modes:
            self._json(400, {"error": {"message": f"This response_format type is unavailable now: {mode}",
                                       "type": "invalid_request_error", "param": "response_format"}})
            return
        answer = state.answers.answer_for(body)
        title = title_of(body) or ""
        if answer is None:
            self._json(404, {"error": {"message": "no recording"}})
            return
        if title in state.always_fail:
            self._json(500, {"error": {"message": "internal error"}})
            return
        with state.lock:
            queue = state.llm_faults.get(title) or []
            fault = queue.pop(0) if queue else None
        good = json.dumps(answer, ensure_ascii=False)
        abstract = body["messages"][-1]["content"]
        if fault == "429":
            self._json(429, {"error": {"message": "Rate limit reached"}}, {"retry-after": "3"})
        elif fault == "500":
            self._json(500, {"error": {"message": "server error"}})
        elif fault == "timeout":
            time.sleep(1.6)
            self._json(200, chat_completion(body, good))
        elif fault == "half_json":
            self._json(200, chat_completion(body, good[: len(good) // 2]))
        elif fault == "english":
            self._json(200, chat_completion(body, english_answer(abstract)))
        elif fault == "length":
            self._json(200, chat_completion(body, good[: len(good) // 3], finish_reason="length"))
        elif fault == "empty":
            self._json(200, chat_completion(body, ""))
        elif fault == "fenced":
            self._json(200, chat_completion(body, f"Here is the summary:\n```json\n{good}\n```\nHope it helps."))
        elif fault == "no_usage":
            data = chat_completion(body, good)
            del data["usage"]
            self._json(200, data)
        else:
            self._json(200, chat_completion(body, good))


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
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
