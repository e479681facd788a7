"""The gate end to end: answers with an invented number are asked again naming it, and a number still invented
is marked in the record, the Markdown and HTML digests, the site's data and the email; 50 injected cases."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from summarizer.core.checks.marks import NOT_FOUND
from summarizer.core.digest.message import digest_message
from summarizer.core.digest.parser import parse_digest
from summarizer.core.digest.render import render_digest
from summarizer.core.site.pages import paper_row
from summarizer.demo.replay import chat_completion
from summarizer.edges.storage.store import read_records
from tests.conftest import ROOT
from tests.fakes import AZURE_PROMPT_FILTER, Canned, FakeServer
from tests.test_nightly import make_settings, nightly

SAMPLE = parse_digest((ROOT / "fixtures" / "sample-digest.md").read_text(encoding="utf-8"))
SPAN = f'<span class="unsupported" title="{NOT_FOUND}">'


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        yield srv


def _answer_with(field: str, invented: str) -> Callable[[dict[str, Any], str], dict[str, Any]]:
    def make(body: dict[str, Any], recorded: str) -> dict[str, Any]:
        answer = json.loads(recorded)
        answer[field] += f"，提升{invented}。"
        return chat_completion(body, json.dumps(answer, ensure_ascii=False))
    return make


def test_a_reask_the_provider_refuses_keeps_the_first_answer_marked(tmp_path: Path, server: FakeServer) -> None:
    entry = SAMPLE[3]
    server.state.llm_canned[entry.paper.title] = [Canned(200, _answer_with("result", "73.19%")),
                                                  Canned(400, AZURE_PROMPT_FILTER)]
    report, _ = nightly(make_settings(server, tmp_path))
    assert report.failed == [] and report.reasks == {"unsupported_number": 1} and report.unsupported_numbers == 1
    record = {e.paper.id: e for e in read_records(tmp_path / "out" / "2025-12-24.jsonl")}[entry.paper.id]
    assert record.summary is not None and "73.19%" in record.summary.result
    assert [m.number for m in record.checks.unsupported] == ["73.19%"]


def test_fifty_invented_numbers_are_reasked_then_marked_everywhere(tmp_path: Path, server: FakeServer) -> None:
    cases: dict[str, tuple[str, str]] = {}  # invented number -> (paper id, field)
    for n, entry in enumerate(SAMPLE[:25]):
        for k, field in enumerate((("tldr", "result"), ("method", "result"), ("tldr", "method"))[n % 3]):
            invented = f"{41 + n}.{17 + 31 * k + n:02d}%"
            cases[invented] = (entry.paper.id, field)
        first, second = [f for i, f in cases.values() if i == entry.paper.id]
        numbers = [num for num, (i, _) in cases.items() if i == entry.paper.id]

        def both(body: dict[str, Any], recorded: str, a: str = first, b: str = second,
                 x: str = numbers[0], y: str = numbers[1]) -> dict[str, Any]:
            answer = json.loads(recorded)
            answer[a] += f"，提升{x}。"
            answer[b] += f"，另有{y}的提升。"
            return chat_completion(body, json.dumps(answer, ensure_ascii=False))

        # the model repeats its invention when asked again (a small model often does)
        server.state.llm_canned[entry.paper.title] = [Canned(200, both), Canned(200, both)]
    # one more paper corrects itself when the number is named
    fixed = SAMPLE[25]
    server.state.llm_canned[fixed.paper.title] = [Canned(200, _answer_with("result", "73.19%"))]
    report, _ = nightly(make_settings(server, tmp_path))
    assert report.failed == [] and report.reasks == {"unsupported_number": 26}
    assert report.unsupported_numbers == 25
    reasks = [r.body for r in server.state.requests("/chat/completions")
              if r.body and "not in the paper's text" in r.body["messages"][-1]["content"]]
    assert len(reasks) == 26 and any("73.19% (result)" in b["messages"][-1]["content"] for b in reasks)

    out = tmp_path / "out"
    entries = {e.paper.id: e for e in read_records(out / "2025-12-24.jsonl")}
    markdown = (out / "2025-12-24.md").read_text()
    html = (out / "2025-12-24.html").read_text()
    mail = digest_message("2025-12-24", list(entries.values()), ["cs.IR", "cs.AI"], None)
    marked = {"record": 0, "markdown": 0, "html": 0, "site": 0, "email": 0}
    for invented, (paper_id, field) in cases.items():
        entry = entries[paper_id]
        assert entry.checks is not None
        marked["record"] += any(m.number == invented and m.field == field for m in entry.checks.unsupported)
        marked["markdown"] += f"{SPAN}{invented}</span>" in markdown
        marked["html"] += f"{SPAN}{invented}</span>" in html
        row = paper_row(1, entry)
        marked["site"] += [field, next(m.at for m in entry.checks.unsupported if m.number == invented),
                           invented] in row["ck"]["u"]
        if field == "tldr":  # the email shows each paper's TL;DR
            marked["email"] += (invented + "</span>" in mail.html and f"{invented} [{NOT_FOUND}]" in mail.text)
    tldr_cases = sum(1 for _, f in cases.values() if f == "tldr")
    assert marked == {"record": 50, "markdown": 50, "html": 50, "site": 50, "email": tldr_cases}
    assert entries[fixed.paper.id].checks is not None and entries[fixed.paper.id].checks.unsupported == []
    assert "73.19%" not in markdown
    # the marks read back from the Markdown digest, so rewriting it (`paper ID`) keeps them
    assert render_digest(parse_digest(markdown)) == markdown
