"""Stand-ins that replay recordings: arXiv's Atom API and an OpenAI-compatible chat endpoint.

`summarizer demo` runs the real nightly job offline through these (plugged in as
`httpx.MockTransport`s, so the fetcher and the LLM client are the production code), and the test
suite's loopback servers wrap the same functions with fault injection. Only the demo imports this
module in the package.

The arXiv stand-in answers `search_query` (`cat:` terms and a `submittedDate` range) and
`id_list` queries from the entries of recorded Atom files, with arXiv's paging and sorting; the
LLM stand-in answers each chat completion with the recorded summary of the paper whose title the
prompt carries, in whatever structured-output mode the request asked for.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import httpx
from lxml import etree

ATOM_NS = "http://www.w3.org/2005/Atom"
ARXIV_NS = "http://arxiv.org/schemas/atom"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
_NSMAP = {None: ATOM_NS, "opensearch": OPENSEARCH_NS, "arxiv": ARXIV_NS}
ATOM_CONTENT_TYPE = "application/atom+xml; charset=UTF-8"
_TITLE_LINE = re.compile(r"^Title: (.*)$", re.MULTILINE)


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


class ArxivArchive:
    """The entries of recorded Atom files, answering API queries as arXiv does."""

    def __init__(self, entries: Iterable[Any]) -> None:
        self.entries = list(entries)

    @classmethod
    def from_files(cls, paths: Iterable[Path | Traversable]) -> ArxivArchive:
        entries = []
        for path in paths:
            root = etree.fromstring(path.read_bytes())
            entries.extend(root.iter(_q(ATOM_NS, "entry")))
        return cls(entries)

    @staticmethod
    def entry_id(entry: Any) -> str:
        raw = entry.findtext(_q(ATOM_NS, "id")).rsplit("/abs/", 1)[-1]
        return re.sub(r"v\d+$", "", raw)

    @staticmethod
    def entry_published(entry: Any) -> datetime:
        return datetime.fromisoformat(entry.findtext(_q(ATOM_NS, "published")).replace("Z", "+00:00"))

    @staticmethod
    def entry_categories(entry: Any) -> list[str]:
        return [c.get("term") for c in entry.iter(_q(ATOM_NS, "category"))]

    def select(self, params: Mapping[str, str]) -> list[Any]:
        query = params.get("search_query", "")
        ids = [i for i in params.get("id_list", "").split(",") if i]
        chosen = self.entries
        if ids:
            wanted = {re.sub(r"v\d+$", "", i) for i in ids}
            chosen = [e for e in chosen if self.entry_id(e) in wanted]
        cats = re.findall(r"cat:([\w.\-]+)", query)
        if cats:
            chosen = [e for e in chosen if set(cats) & set(self.entry_categories(e))]
        window = re.search(r"submittedDate:\[(\d{12}) TO (\d{12})\]", query)
        if window:
            low, high = (datetime.strptime(w, "%Y%m%d%H%M").replace(tzinfo=UTC) for w in window.groups())
            chosen = [e for e in chosen if low <= self.entry_published(e).replace(second=0) <= high]
        reverse = params.get("sortOrder") == "descending"
        return sorted(chosen, key=lambda e: (self.entry_published(e), self.entry_id(e)), reverse=reverse)

    def page(self, params: Mapping[str, str]) -> bytes:
        selected = self.select(params)
        start = int(params.get("start", "0"))
        size = int(params.get("max_results", "10"))
        return atom_feed(selected[start : start + size], total=len(selected), start=start, per_page=size)


def atom_feed(entries: Iterable[Any], total: int, start: int = 0, per_page: int = 10) -> bytes:
    """An API answer in arXiv's current format: namespaces on <feed>, opensearch header."""
    feed = etree.Element(_q(ATOM_NS, "feed"), nsmap=_NSMAP)
    etree.SubElement(feed, _q(ATOM_NS, "id")).text = "https://arxiv.org/api/replay"
    etree.SubElement(feed, _q(ATOM_NS, "title")).text = "arXiv Query: replay"
    etree.SubElement(feed, _q(ATOM_NS, "updated")).text = "2025-12-24T00:00:00Z"
    link = etree.SubElement(feed, _q(ATOM_NS, "link"))
    link.set("href", "https://arxiv.org/api/query")
    link.set("type", "application/atom+xml")
    etree.SubElement(feed, _q(OPENSEARCH_NS, "itemsPerPage")).text = str(per_page)
    etree.SubElement(feed, _q(OPENSEARCH_NS, "totalResults")).text = str(total)
    etree.SubElement(feed, _q(OPENSEARCH_NS, "startIndex")).text = str(start)
    for entry in entries:
        feed.append(copy.deepcopy(entry))
    etree.indent(feed, space="  ")
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8")


class RecordedAnswers:
    """Recorded summaries by paper title, served as OpenAI chat completions."""

    def __init__(self, answers: Mapping[str, Mapping[str, str]]) -> None:
        self.answers = dict(answers)

    @classmethod
    def from_file(cls, path: Path | Traversable) -> RecordedAnswers:
        answers = {}
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.strip():
                record = json.loads(line)
                answers[record["title"]] = record["answer"]
        return cls(answers)

    def answer_for(self, body: Mapping[str, Any]) -> dict[str, str] | None:
        title = title_of(body)
        return dict(self.answers[title]) if title in self.answers else None


def title_of(body: Mapping[str, Any]) -> str | None:
    """The paper title a chat request asks about (the `Title:` line of its first user message)."""
    for message in body.get("messages", []):
        content = message.get("content")
        if message.get("role") == "user" and isinstance(content, str):
            found = _TITLE_LINE.search(content)
            if found:
                return found.group(1)
    return None


def chat_completion(body: Mapping[str, Any], content: str, finish_reason: str = "stop") -> dict[str, Any]:
    """A chat completion carrying `content`, as a tool call when the request asked for tools.

    Its `usage` is a rough count (a token per 4 bytes of UTF-8), enough for cost figures to scale.
    """
    prompt_tokens = sum(len(str(m.get("content") or "").encode()) for m in body.get("messages", [])) // 4 + 8
    completion_tokens = len(content.encode()) // 4 + 1
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if body.get("tools"):
        name = body["tools"][0]["function"]["name"]
        message = {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_replay", "type": "function", "function": {"name": name, "arguments": content}}]}
    return {
        "id": "chatcmpl-replay",
        "object": "chat.completion",
        "created": 1766534400,
        "model": body.get("model", "replay"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def arxiv_transport(archive: ArxivArchive) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/api/query"):
            body = archive.page(dict(request.url.params))
            return httpx.Response(200, content=body, headers={"content-type": ATOM_CONTENT_TYPE})
        return httpx.Response(404, text="the replay serves the API only")

    return httpx.MockTransport(handle)


def llm_transport(answers: RecordedAnswers) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/chat/completions"):
            return httpx.Response(404, json={"error": {"message": "not recorded"}})
        body = json.loads(request.content)
        answer = answers.answer_for(body)
        if answer is None:
            return httpx.Response(404, json={"error": {"message": "no recording for this paper"}})
        return httpx.Response(200, json=chat_completion(body, json.dumps(answer, ensure_ascii=False)))

    return httpx.MockTransport(handle)
