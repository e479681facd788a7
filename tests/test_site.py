"""The site builder: every day's data, incremental rebuilds, the feed, the other tool's files."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from summarizer.core.models import Entry, entry_to_record
from summarizer.core.settings import LLMSettings, PathSettings, Settings, SiteSettings
from summarizer.demo import run_demo
from summarizer.edges.resources import site_assets
from summarizer.jobs.import_dae import import_dae
from summarizer.jobs.site_build import build_site
from tests.conftest import FIXTURES

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def make_settings(tmp: Path) -> Settings:
    return Settings(llm=LLMSettings(model="m", api_key="k"),
                    paths=PathSettings(cache_dir=str(tmp / "cache"), output_dir=str(tmp / "out")),
                    site=SiteSettings(title="Daily <papers>", base_url="https://example.org/digest"))


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo day plus the four imported samples: five days of records."""
    tmp = tmp_path_factory.mktemp("history")
    asyncio.run(run_demo(tmp / "out"))
    import_dae(make_settings(tmp), FIXTURES / "dae")
    return tmp


def day_payload(site: Path, day: str) -> dict:  # type: ignore[type-arg]
    text = (site / "data" / "days" / f"{day}.js").read_text(encoding="utf-8")
    match = re.fullmatch(r'SITE\.day\("(\d{4}-\d{2}-\d{2})",(.*)\);\n', text, re.DOTALL)
    assert match and match.group(1) == day
    return json.loads(match.group(2))  # type: ignore[no-any-return]


def test_a_full_build(tmp_path: Path, history: Path) -> None:
    settings = make_settings(tmp_path).model_copy(update={"paths": make_settings(history).paths})
    report = build_site(settings, tmp_path / "site", now=NOW)
    site = tmp_path / "site"
    assert report.days == 5 and report.papers == 38 + 45 + 7 + 102 + 231
    manifest = (site / "data" / "manifest.js").read_text()
    assert manifest.startswith("window.SITE_MANIFEST=") and '"lang":"zh-Hans"' in manifest
    index = (site / "index.html").read_text()
    assert '<html lang="zh-Hans">' in index and "<title>Daily &lt;papers&gt;</title>" in index
    assert "http" not in re.sub(r'href="https://[^"]*"', "", index.split("<body>")[0]).replace("http-equiv", "")
    demo = day_payload(site, "2025-12-24")["papers"]
    assert [p["n"] for p in demo] == list(range(1, 39)) and demo[0]["pdf"] == "https://arxiv.org/pdf/2512.20781"
    early = day_payload(site, "2025-03-21")["papers"]
    assert all(p["tl"] for p in early)  # the `task` schema's TL;DR is shown
    late = day_payload(site, "2026-05-21")["papers"]
    waiting = [p for p in late if "tl" not in p]
    assert len(waiting) == 48 and all(p["n"] is None for p in waiting)
    assert "Summary generation failed" not in (site / "data" / "days" / "2026-05-21.js").read_text()
    shards = sorted(p.name for p in (site / "data" / "search").iterdir())
    assert shards == ["2025-03.js", "2025-11.js", "2025-12.js", "2026-05.js"]
    assert (site / "assets" / "file-list.txt").read_text().splitlines()[0] == "2025-03-21_AI_enhanced_Chinese.jsonl"
    compat = (site / "data" / "2026-05-21_AI_enhanced_Chinese.jsonl").read_text().splitlines()
    assert len(compat) == 231 - 48 and all(json.loads(line)["AI"]["tldr"] for line in compat)
    assert set(site_assets().files) <= {p.relative_to(site / "assets").as_posix()
                                        for p in (site / "assets").rglob("*") if p.is_file()}


def test_the_feed_parses_and_holds_the_last_days(tmp_path: Path, history: Path) -> None:
    settings = make_settings(tmp_path).model_copy(update={"paths": make_settings(history).paths})
    build_site(settings, tmp_path / "site", now=NOW)
    feed = feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Daily <papers>" and len(feed.entries) == 38 + 45 + 7 + 102 + 231 - 48
    first = feed.entries[0]
    assert first.link.startswith("https://arxiv.org/abs/2605.") and first.authors and "TL;DR" in first.content[0].value
    settings = settings.model_copy(update={"site": settings.site.model_copy(update={"feed_days": 1})})
    build_site(settings, tmp_path / "site", now=NOW)
    assert len(feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes()).entries) == 231 - 48


def test_one_new_day_rebuilds_only_that_day(tmp_path: Path, history: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(history / "out", out)
    settings = make_settings(tmp_path)
    first = build_site(settings, now=NOW)
    assert len(first.rebuilt_days) == 5
    untouched = (out / "site" / "data" / "days" / "2025-03-21.js").stat().st_mtime_ns
    again = build_site(settings, now=NOW)
    assert again.rebuilt_days == [] and again.rebuilt_shards == []
    shutil.copy(out / "2025-11-15.jsonl", out / "2025-11-17.jsonl")
    third = build_site(settings, now=NOW)
    assert third.rebuilt_days == ["2025-11-17"] and third.rebuilt_shards == ["2025-11"]
    assert (out / "site" / "data" / "days" / "2025-03-21.js").stat().st_mtime_ns == untouched
    (out / "2025-11-17.jsonl").unlink()
    fourth = build_site(settings, now=NOW)
    assert fourth.removed_days == ["2025-11-17"] and not (out / "site" / "data" / "days" / "2025-11-17.js").exists()


def test_text_and_links_cannot_inject(tmp_path: Path, sample_entries: list[Entry]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    record = entry_to_record(sample_entries[0])
    record.update(title='</script><script>alert(1)</script> $x$', id="not-an-id", abs="javascript:alert(1)")
    (out / "2025-12-24.jsonl").write_text(json.dumps(record) + "\n")
    site = build_site(make_settings(tmp_path), now=NOW).site
    [paper] = day_payload(site, "2025-12-24")["papers"]
    assert paper["t"].startswith("</script>") and paper["u"] is None and paper["pdf"] is None
    assert "javascript:" not in (site / "data" / "days" / "2025-12-24.js").read_text()
