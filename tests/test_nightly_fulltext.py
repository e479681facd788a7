"""A nightly with `[fulltext] for = "top"` and `--top 5` against the fake arXiv serving real full texts (and hostile
ones): each record says what it was written from, the report says why not more, abstract-only papers render
exactly as before, and no paper's full text stops the run."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from summarizer.core.digest.parser import parse_digest
from summarizer.core.settings import EmbeddingSettings, FulltextSettings, ProfileSettings, Settings
from tests.conftest import ROOT
from tests.fakes import FakeServer
from tests.test_fulltext import tar_gz
from tests.test_nightly import make_settings, nightly

FULLTEXT = ROOT / "fixtures" / "fulltext"
FIXTURE_IDS = sorted(p.name for p in FULLTEXT.iterdir() if p.is_dir())
SAMPLE = parse_digest((ROOT / "fixtures" / "sample-digest.md").read_text(encoding="utf-8"))


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        yield srv


def _settings(server: FakeServer, tmp: Path, **fulltext: object) -> Settings:
    base = make_settings(server, tmp)
    arxiv = base.arxiv.model_copy(update={"html_url": f"{server.url}/html/{{id}}v{{version}}",
                                          "eprint_url": f"{server.url}/e-print/{{id}}v{{version}}",
                                          "retry_backoff_seconds": 0.01})
    tmp.mkdir(parents=True, exist_ok=True)
    liked = tmp / "liked.jsonl"  # a reader of recommender systems: three liked papers of another day
    records = (ROOT / "fixtures" / "dae" / "2025-12-25_AI_enhanced_Chinese.jsonl").read_text().splitlines()
    liked.write_text("".join(line + "\n" for line in [r for r in records if "recommend" in r.lower()][:3]))
    profile = ProfileSettings(papers_files=[str(liked)], summarize_top=5)
    return base.model_copy(update={"arxiv": arxiv, "profile": profile, "embedding": EmbeddingSettings(backend="bm25"),
                                   "fulltext": FulltextSettings(**{"for": "top", **fulltext})})


def _blocks(digest: str) -> dict[str, str]:
    """Each summarized paper's block of a digest, without its number (numbers follow the digest's order)."""
    found = {}
    for block in re.split(r"(?m)^(?=### \[\d+\] )", digest):
        url = re.search(r"\]\((https://arxiv\.org/abs/([0-9.]+))", block)
        if block.startswith("### [") and url:
            found[url.group(2)] = re.sub(r"^### \[\d+\] ", "", block.split("\n\n</details>")[0])
    return found


def test_top_five_get_their_full_text_and_the_rest_render_as_before(tmp_path: Path, server: FakeServer) -> None:
    # every paper of the day is offered a source (which five the ranking picks is the ranking's business):
    # papers in turn get arXiv's HTML, only an e-print (TeX), or nothing (404, as arXiv answers)
    expected = {}
    for n, entry in enumerate(SAMPLE):
        real = FIXTURE_IDS[n % len(FIXTURE_IDS)]
        has_html = (FULLTEXT / real / "paper.html.gz").exists()
        if n % 3 == 0 and has_html:
            server.state.fulltext[f"html/{entry.paper.id}"] = gzip.decompress((FULLTEXT / real / "paper.html.gz")
                                                                             .read_bytes())
            expected[entry.paper.id] = "html"
        elif n % 3 != 2:
            server.state.fulltext[f"e-print/{entry.paper.id}"] = (FULLTEXT / real / "e-print").read_bytes()
            expected[entry.paper.id] = "tex"
        else:
            expected[entry.paper.id] = "abstract"
    # arXiv's throttle answers each page's first request, then the page comes
    server.state.fulltext_faults = {key: ["429"] for key in server.state.fulltext if key.startswith("html/")}
    settings = _settings(server, tmp_path)
    report, ids = nightly(settings, top=5)
    records = [json.loads(line) for line in (tmp_path / "out" / "2025-12-24.jsonl").read_text().splitlines()]
    summarized = [r for r in records if r.get("AI")]
    assert len(summarized) == 5 and len(report.fulltext) == 5
    for record in summarized:
        assert record["source"] == expected[record["id"]], record["id"]
        assert record["checks"]["unsupported"] == []  # the recorded answers' numbers are all in the text shown
    used = {u.id: u for u in report.fulltext}
    assert {u.source for u in used.values()} >= {"html", "tex"}
    for use in used.values():
        assert use.input_tokens <= settings.llm.max_input_tokens
        if use.source == "tex":
            assert use.note == "html: not on arXiv (404)"
    # the requests carried the body: a paper from its HTML was shown its sections
    bodies = [r.body["messages"][-1]["content"] for r in server.state.requests("/chat/completions") if r.body]
    assert sum("\n## " in b for b in bodies) == sum(u.source != "abstract" for u in used.values())
    assert any("## Introduction" in b for b in bodies)
    # the abstract-only papers render byte for byte as the seed digest has them; all carry their summaries
    digest = (tmp_path / "out" / "2025-12-24.md").read_text()
    ours, seed = _blocks(digest), _blocks((ROOT / "fixtures" / "sample-digest.md").read_text())
    assert set(ours) == {r["id"] for r in summarized}
    for paper_id, block in ours.items():
        assert block == seed[paper_id]
    # a re-run downloads nothing and asks nothing
    before = (len(server.state.requests("/html/")), len(server.state.requests("/e-print/")),
              len(server.state.requests("/chat/completions")))
    nightly(settings, top=5)
    after = (len(server.state.requests("/html/")), len(server.state.requests("/e-print/")),
             len(server.state.requests("/chat/completions")))
    assert after == before


def test_hostile_sources_end_in_one_line_each_and_the_run_goes_on(tmp_path: Path, server: FakeServer) -> None:
    page = gzip.decompress((FULLTEXT / "2405.16513" / "paper.html.gz").read_bytes())
    hostile = {
        "tar": ("e-print", tar_gz({"../../x.tex": b"\\documentclass{article}"}), "points outside its folder"),
        "bomb": ("e-print", gzip.compress(b"\0" * 3_000_000), "unpacks to more than 1 MB"),
        "loop": ("e-print", tar_gz({"main.tex": b"\\documentclass{article}\\begin{document}\\input{b}\\end{document}",
                                  "b.tex": b"\\include{main}"}), "\\input loop: main.tex -> b.tex -> main.tex"),
        "huge": ("e-print", None, "larger than 1 MB"),
        "script": ("html", page.replace(b"</head>", b"<script>alert(document.cookie)</script></head>", 1),
                   "dropped 1 <script> element(s) of the page, never run"),
    }
    # the reader's five (a first run from abstracts says which), one hostile source each
    _, picked = nightly(_settings(server, tmp_path / "first", **{"for": "off"}), top=5)
    picked = [i for i in picked if i in {e.paper.id for e in SAMPLE}][:5]
    assert len(picked) == 5
    reasons = {}
    for paper_id, kind in zip(picked, sorted(hostile), strict=True):
        where, data, reason = hostile[kind]
        key = f"{where}/{paper_id}"
        if data is None:
            server.state.fulltext_faults[key] = ["huge"]
        else:
            server.state.fulltext[key] = data
        reasons[paper_id] = (kind, reason)
    report, _ = nightly(_settings(server, tmp_path, max_unpacked_mb=1, max_download_mb=1), top=5)
    assert report.failed == [] and len(report.fulltext) == 5
    for use in report.fulltext:
        kind, reason = reasons[use.id]
        assert use.note is not None and reason in use.note and "\n" not in use.note, (kind, use.note)
        assert use.source == ("html" if kind == "script" else "abstract")
    digest = (tmp_path / "out" / "2025-12-24.md").read_text()
    assert "alert(" not in digest and "document.cookie" not in digest
