"""End to end through the CLI: import-digest and render, and bad input leaving no output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import SAMPLE, process_env


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "summarizer", *args], capture_output=True, text=True,
                          env=process_env())


def test_import_then_render_reproduces_the_sample(tmp_path: Path) -> None:
    records = tmp_path / "r.jsonl"
    out = tmp_path / "d.md"
    assert run("import-digest", str(SAMPLE), "--out", str(records)).returncode == 0
    assert len(records.read_text().splitlines()) == 38
    done = run("render", "--records", str(records), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == SAMPLE.read_bytes()
    assert (tmp_path / "d.html").read_text().count("<details>") == 38


def test_render_with_categories_reorders_sections(tmp_path: Path) -> None:
    records = tmp_path / "r.jsonl"
    run("import-digest", str(SAMPLE), "--out", str(records))
    out = tmp_path / "d.md"
    assert run("render", "--records", str(records), "--out", str(out), "--categories", "cs.AI,cs.IR").returncode == 0
    assert out.read_text().splitlines()[4] == "- [cs.AI](#cs.AI) [Total: 31]"


def test_bad_digest_is_one_line_error_and_no_output(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_bytes(SAMPLE.read_bytes()[:5000])
    out = tmp_path / "r.jsonl"
    done = run("import-digest", str(bad), "--out", str(out))
    assert done.returncode == 1
    assert not out.exists()
    assert done.stderr.count("\n") == 1 and "bad.md:" in done.stderr and "Traceback" not in done.stderr


def test_bad_records_name_the_line(tmp_path: Path) -> None:
    records = tmp_path / "r.jsonl"
    # a record without "AI" is a paper still waiting for its summary; one with a broken "AI" is an error
    records.write_text('{"id": "2512.1", "title": "t", "categories": ["cs.AI"], "summary": "a"}\n'
                       '{"id": "2512.2", "title": "t", "categories": ["cs.AI"], "summary": "a", "AI": "oops"}\n')
    done = run("render", "--records", str(records), "--out", str(tmp_path / "d.md"))
    assert done.returncode == 1
    assert "r.jsonl:2: paper 2512.2: 'AI' must be an object" in done.stderr
    assert not (tmp_path / "d.md").exists()


def test_the_outputs_suffix_picks_the_format(tmp_path: Path) -> None:
    # `render --out x.html` wrote Markdown into x.html (issue 16, item 12).
    records = tmp_path / "r.jsonl"
    run("import-digest", str(SAMPLE), "--out", str(records))
    page = tmp_path / "page.html"
    done = run("render", "--records", str(records), "--out", str(page))
    assert done.returncode == 0, done.stderr
    assert page.read_text().startswith("<!DOCTYPE html>") and page.read_text().count("<details>") == 38
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html", "r.jsonl"]
    odd = run("render", "--records", str(records), "--out", str(tmp_path / "d.txt"))
    assert odd.returncode == 1 and odd.stderr.count("\n") == 1 and "suffix picks the format" in odd.stderr
    assert not (tmp_path / "d.txt").exists()
