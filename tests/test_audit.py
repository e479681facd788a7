"""`summarizer audit`: the gate over histories, ours and daily-arXiv-ai-enhanced's."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from summarizer.face.cli import main
from tests.conftest import ROOT


def _dae_day(tmp_path: Path, invent: str | None = None) -> Path:
    folder = tmp_path / "history"
    folder.mkdir()
    source = ROOT / "fixtures" / "dae" / "2025-12-25_AI_enhanced_Chinese.jsonl"
    lines = source.read_text(encoding="utf-8").splitlines()
    if invent:
        record = json.loads(lines[0])
        record["AI"]["result"] += f"，提升{invent}。"
        lines[0] = json.dumps(record, ensure_ascii=False)
    (folder / source.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copy(ROOT / "fixtures" / "dae" / "2025-03-21_AI_enhanced_Chinese.jsonl", folder)
    return folder


def test_audit_prints_days_overall_and_the_worst(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(_dae_day(tmp_path, invent="87.65%"))]) == 0
    out = capsys.readouterr().out
    assert "2025-12-25: 102 summaries" in out and "2025-03-21: 45 summaries" in out
    assert "overall: 147 summaries" in out and "1 unsupported" in out
    assert "87.65% (result)" in out.split("worst 1:")[1]


def test_audit_json_has_the_overall_rate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _dae_day(tmp_path, invent="3.14倍")
    gz = folder / "2025-12-25_AI_enhanced_Chinese.jsonl"
    gz.with_suffix(".jsonl.gz").write_bytes(gzip.compress(gz.read_bytes()))
    gz.unlink()  # gzipped history reads the same
    assert main(["audit", str(folder), "--json"]) == 0
    overall = json.loads(capsys.readouterr().out)["overall"]
    assert overall["unsupported"] == 1 and overall["numbers"] > 300
    assert overall["rate"] == pytest.approx(1 / overall["numbers"], abs=1e-6)


@pytest.mark.parametrize("content", [b"not json\n", b'{"id": "1"}\n'])
def test_a_bad_records_file_is_a_one_line_error(tmp_path: Path, content: bytes,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "2025-01-01.jsonl").write_bytes(content)
    assert main(["audit", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert "2025-01-01.jsonl" in err and "\n" not in err


def test_a_missing_path_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(tmp_path / "nowhere")]) == 1
    assert "no such file" in capsys.readouterr().err
