"""For you, through the real CLI: `rank`, `nightly --top K` with a profile, exclusions, `paper ID` on a listed paper."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from summarizer.core.digest.parser import parse_digest
from summarizer.core.digest.render import render_digest
from summarizer.core.models import listed_only
from tests.conftest import ROOT, SAMPLE, process_env
from tests.fakes import FakeServer, write_nightly_config

KEY = "sk-rank-0123456789"


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        yield srv


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "summarizer", *args], capture_output=True, text=True,
                          env=process_env(), cwd=ROOT, timeout=120)


def config(tmp: Path, server: FakeServer) -> Path:
    cfg = write_nightly_config(tmp, server, KEY)
    cfg.write_text(cfg.read_text() + '\n[embedding]\nbackend = "bm25"\n')  # no model download in tests
    return cfg


def profile(tmp: Path, **keys: object) -> Path:
    liked = tmp / "liked.jsonl"
    records = [json.loads(line) for line in (ROOT / "fixtures" / "dae" / "2025-12-25_AI_enhanced_Chinese.jsonl")
               .read_text().splitlines()]
    recsys = [r for r in records if "recommend" in (r["title"] + r["summary"]).lower()][:3]
    liked.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recsys))
    lines = ["[profile]", 'papers_files = ["liked.jsonl"]']
    lines += [f"{k} = {json.dumps(v)}" for k, v in keys.items()]
    path = tmp / "profile.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def chat_count(server: FakeServer) -> int:
    return len(server.state.requests("/chat/completions"))


def test_rank_prints_every_record_by_score_with_a_reason(tmp_path: Path, server: FakeServer) -> None:
    records = tmp_path / "d.jsonl"
    assert cli("import-digest", str(SAMPLE), "--out", str(records)).returncode == 0
    cfg = config(tmp_path, server)
    done = cli("rank", "--records", str(records), "--profile", str(profile(tmp_path, authors=["Xiaoyu Shi"],
                                                                         keywords=["agent"])),
               "--config", str(cfg), "--json")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == 38 and all(set(r) == {"id", "score", "why"} and r["why"] for r in rows)
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) > 10
    assert any(r["why"].startswith("keyword: agent") for r in rows)
    assert any(r["why"].startswith("like: ") for r in rows)
    assert chat_count(server) == 0 and server.state.log == []  # no LLM, no arXiv
    plain = cli("rank", "--records", str(records), "--config", str(cfg), "--profile", str(tmp_path / "profile.toml"),
                "--top", "3")
    assert plain.returncode == 0 and len(plain.stdout.splitlines()) == 3


def test_rank_without_a_profile_is_an_error_naming_it(tmp_path: Path, server: FakeServer) -> None:
    records = tmp_path / "d.jsonl"
    cli("import-digest", str(SAMPLE), "--out", str(records))
    done = cli("rank", "--records", str(records), "--config", str(config(tmp_path, server)))
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert "no profile to rank by: pass --profile FILE" in done.stderr


def test_nightly_top_5_summarizes_five_and_the_matches_and_lists_the_rest(tmp_path: Path, server: FakeServer) -> None:
    cfg = config(tmp_path, server)
    prof = profile(tmp_path, keywords=["knowledge graph"], exclude_keywords=["smart home"])
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--top", "5", "--profile", str(prof))
    assert done.returncode == 0, done.stderr
    digest = (tmp_path / "out" / "2025-12-24.md").read_text()
    entries = parse_digest(digest)
    summarized = [e for e in entries if e.summary is not None]
    listed = [e for e in entries if listed_only(e)]
    report = json.loads((tmp_path / "out" / "2025-12-24.report.json").read_text())
    rank = report["rank"]
    matches = sum(1 for e in summarized if "knowledge graph" in (e.paper.title + e.paper.abstract).lower())
    assert 5 <= len(summarized) <= 5 + matches and chat_count(server) == len(summarized)
    assert rank["summarized"] == len(summarized) and rank["skipped"] == len(listed) == 37 - len(summarized)
    assert rank["excluded"] == ["2512.20623 (smart home)"] and "BitRL-Light" not in digest  # nor listed
    assert rank["saved_usd"] is None or rank["saved_usd"] > 0
    assert "# Other new papers [[Back]](#toc)" in digest and f"[Total: {len(listed)}]" in digest
    scores = [float(e.extra["rank"]["score"]) for e in listed]
    assert scores == sorted(scores, reverse=True)
    assert render_digest(entries) == digest  # the new section reads back and renders byte for byte
    sample = {e.paper.id: e for e in parse_digest(SAMPLE.read_text())}
    for entry in summarized:  # the summarized ones exactly as the seed format has them
        assert entry.summary == sample[entry.paper.id].summary
    records = [json.loads(line) for line in (tmp_path / "out" / "2025-12-24.jsonl").read_text().splitlines()]
    assert len(records) == 37 and all(r["rank"]["why"] for r in records)
    assert "Summary generation failed" not in digest and f"listed only {len(listed)}" in done.stderr
    # `paper ID` summarizes a listed paper on demand: it moves up into its section
    target = listed[0].paper.id
    before = chat_count(server)
    again = cli("paper", target, "--config", str(cfg), "--date", "2025-12-24")
    assert again.returncode == 0, again.stderr
    after = parse_digest((tmp_path / "out" / "2025-12-24.md").read_text())
    moved = next(e for e in after if e.paper.id == target)
    assert moved.summary == sample[target].summary and chat_count(server) == before + 1
    assert sum(1 for e in after if listed_only(e)) == len(listed) - 1


def test_an_empty_profile_and_no_top_change_nothing(tmp_path: Path, server: FakeServer) -> None:
    cfg = config(tmp_path, server)
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()
    assert json.loads((tmp_path / "out" / "2025-12-24.report.json").read_text())["rank"] is None


def test_batch_mode_submits_only_the_top_k(tmp_path: Path, server: FakeServer) -> None:
    cfg = config(tmp_path, server)
    cfg.write_text(cfg.read_text() + "\n[batch]\npoll_seconds = 0.05\n")
    done = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--mode", "batch", "--top", "4",
               "--profile", str(profile(tmp_path)))
    assert done.returncode == 0, done.stderr
    [batch] = server.state.batches.values()
    lines = server.state.files[batch["input_file_id"]].decode().splitlines()
    report = json.loads((tmp_path / "out" / "2025-12-24.report.json").read_text())
    assert len(lines) == 4 == report["rank"]["summarized"] and chat_count(server) == 0
    assert report["rank"]["skipped"] == 34


def test_rank_a_listing_by_date(tmp_path: Path, server: FakeServer) -> None:
    cfg = config(tmp_path, server)
    done = cli("rank", "--config", str(cfg), "--date", "2025-12-24", "--json",
               "--profile", str(profile(tmp_path, exclude_keywords=["smart home"])))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == 37 and "excluded 1: 2512.20623 (smart home)" in done.stderr
    assert chat_count(server) == 0 and not (tmp_path / "out" / "2025-12-24.md").exists()  # ranks, writes nothing


def test_rank_a_listing_needs_no_api_key(tmp_path: Path, server: FakeServer) -> None:
    # rank never asks the LLM; it opened the nightly's run, whose client asked for a key it would never use
    cfg = config(tmp_path, server)
    cfg.write_text(cfg.read_text().replace(f'api_key = "{KEY}"\n', ""))
    done = cli("rank", "--config", str(cfg), "--date", "2025-12-24", "--top", "3", "--profile", str(profile(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 3 and chat_count(server) == 0
    summarize = cli("nightly", "--config", str(cfg), "--date", "2025-12-24")  # a command that does ask still says
    assert summarize.returncode != 0 and "no API key" in summarize.stderr and chat_count(server) == 0


def test_a_rerun_with_top_k_or_a_new_profile_keeps_every_paid_summary(tmp_path: Path, server: FakeServer) -> None:
    cfg = config(tmp_path, server)
    first = cli("nightly", "--config", str(cfg), "--date", "2025-12-24")
    assert first.returncode == 0 and chat_count(server) == 38, first.stderr
    for extra in (["--top", "5"], ["--top", "3", "--profile", str(profile(tmp_path, keywords=["agent"]))]):
        again = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", *extra)
        assert again.returncode == 0, again.stderr
        entries = parse_digest((tmp_path / "out" / "2025-12-24.md").read_text())
        assert sum(e.summary is not None for e in entries) == 38 and not any(listed_only(e) for e in entries)
        assert chat_count(server) == 38  # nothing asked again, nothing demoted to "listed"
    (tmp_path / "out" / "2025-12-24.jsonl").unlink()  # the records lost: the cache still holds what was paid for
    again = cli("nightly", "--config", str(cfg), "--date", "2025-12-24", "--top", "5")
    assert again.returncode == 0 and chat_count(server) == 38
    assert sum(e.summary is not None for e in parse_digest((tmp_path / "out" / "2025-12-24.md").read_text())) == 38


def test_paper_waits_for_no_run_it_takes_the_run_lock(tmp_path: Path, server: FakeServer) -> None:
    from summarizer.edges.storage.run_lock import RunLock

    cfg = config(tmp_path, server)
    with RunLock(tmp_path / "cache", "nightly --date 2025-12-24"):
        done = cli("paper", "2512.20781", "--config", str(cfg))
    assert done.returncode == 1 and "another summarizer run holds" in done.stderr, done.stderr
    assert chat_count(server) == 0
