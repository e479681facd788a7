"""The site builder: every day's data, incremental rebuilds, the feed, daily-arXiv-ai-enhanced's files."""

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
from summarizer.jobs.history.import_dae import import_dae
from summarizer.jobs.site.build import build_site
from tests.conftest import FIXTURES

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def make_settings(tmp: Path) -> Settings:
    return Settings(llm=LLMSettings(model="m", api_key="k"),
                    paths=PathSettings(cache_dir=str(tmp / "cache"), output_dir=str(tmp / "out")),
                    site=SiteSettings(title="Daily <papers>", base_url="https://example.org/digest", compat=True))


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
    assert paper["t"].startswith("</script>") and paper["u"] == "https://arxiv.org/abs/not-an-id"
    assert "javascript:" not in (site / "data" / "days" / "2025-12-24.js").read_text()


def all_written(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_no_javascript_link_reaches_any_file_the_tool_writes(tmp_path: Path) -> None:
    # import-dae and render wrote a record's raw `abs` into a clickable Markdown link, and the compatibility
    # files copied raw abs/pdf and unknown keys, which forks of that tool's front end put in innerHTML
    # (issue 16, item 8).
    from summarizer.face.cli import main

    dae = tmp_path / "dae"
    dae.mkdir()
    rows = [json.loads(line) for line in (FIXTURES / "dae" / "2025-11-15_AI_enhanced_Chinese.jsonl").open()]
    rows[0].update(abs="javascript:alert(1)", pdf="JavaScript:alert(2)", html='<img src=x onerror="alert(3)">')
    rows[1].update(id="not-an-id", abs="javascript:alert(4)", pdf="data:text/html,<script>alert(5)</script>")
    (dae / "2025-11-15_AI_enhanced_Chinese.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    settings = make_settings(tmp_path)
    import_dae(settings, dae)
    build_site(settings, now=NOW)
    out = tmp_path / "out"
    assert main(["render", "--records", str(out / "2025-11-15.jsonl"), "--out", str(tmp_path / "r.md"), "-q"]) == 0
    written = all_written(tmp_path)
    assert {name for name, data in written.items() if b"javascript:" in data.lower() or b"data:text" in data
            and not name.startswith("dae/")} == {"dae/2025-11-15_AI_enhanced_Chinese.jsonl"}
    md = (out / "2025-11-15.md").read_text()
    assert f"({'https://arxiv.org/abs/' + rows[0]['id']})" in md and "(https://arxiv.org/abs/not-an-id)" in md
    compat = [json.loads(line) for line in (out / "site" / "data" / "2025-11-15_AI_enhanced_Chinese.jsonl").open()]
    assert compat[0]["abs"] == f"https://arxiv.org/abs/{rows[0]['id']}" and "html" not in compat[0]
    assert compat[0]["pdf"] == f"https://arxiv.org/pdf/{rows[0]['id']}" and compat[0]["title"] == rows[0]["title"]
    assert compat[0]["AI"]["tldr"] == rows[0]["AI"]["tldr"]  # the record's text, as it is


def test_a_line_separator_in_an_abstract_leaves_the_day_readable_and_the_site_updated(
        tmp_path: Path, sample_entries: list[Entry]) -> None:
    # str.splitlines() split records at U+2028, which json.dumps(ensure_ascii=False) writes raw: the day became
    # unreadable and every later site build failed (issue 16, item 7).
    from summarizer.edges.storage.store import read_records, write_records

    out = tmp_path / "out"
    odd = sample_entries[0].model_copy(update={"paper": sample_entries[0].paper.model_copy(
        update={"abstract": "one\u2028two\u2029three\x85four"})})
    write_records(out / "2025-12-24.jsonl", [odd, *sample_entries[1:3]])
    assert read_records(out / "2025-12-24.jsonl")[0].paper.abstract == "one\u2028two\u2029three\x85four"
    report = build_site(make_settings(tmp_path), now=NOW)
    assert report.skipped == {} and report.days == 1 and report.papers == 3


def test_a_bad_day_is_left_out_and_every_other_day_is_built(tmp_path: Path, sample_entries: list[Entry]) -> None:
    from summarizer.edges.storage.store import write_records

    out = tmp_path / "out"
    write_records(out / "2025-12-23.jsonl", sample_entries[:2])
    write_records(out / "2025-12-24.jsonl", sample_entries[2:5])
    first = build_site(make_settings(tmp_path), now=NOW)
    assert first.days == 2
    (out / "2025-12-24.jsonl").write_text((out / "2025-12-24.jsonl").read_text() + "{broken\n")
    write_records(out / "2025-12-26.jsonl", sample_entries[5:6])
    second = build_site(make_settings(tmp_path), now=NOW)
    assert list(second.skipped) == ["2025-12-24"] and ":4: not JSON" in second.skipped["2025-12-24"]
    assert second.rebuilt_days == ["2025-12-26"] and second.days == 2
    manifest = (first.site / "data" / "manifest.js").read_text()
    assert '"2025-12-26"' in manifest and '"2025-12-24"' not in manifest
    write_records(out / "2025-12-24.jsonl", sample_entries[2:5])  # mended: back in the next build
    assert build_site(make_settings(tmp_path), now=NOW).rebuilt_days == ["2025-12-24"]


def test_changing_the_language_or_categories_rebuilds_every_page(tmp_path: Path, sample_entries: list[Entry]) -> None:
    # After llm.language changed, file-list.txt named files that did not exist and <html lang> sat over text in
    # another language (issue 16, item 10).
    from summarizer.edges.storage.store import write_records

    write_records(tmp_path / "out" / "2025-12-24.jsonl", sample_entries[:4])
    settings = make_settings(tmp_path)
    site = build_site(settings, now=NOW).site
    english = settings.model_copy(update={"llm": settings.llm.model_copy(update={"language": "English"})})
    again = build_site(english, now=NOW)
    assert again.rebuilt_days == ["2025-12-24"]
    assert '<html lang="en">' in (site / "index.html").read_text()
    listed = (site / "assets" / "file-list.txt").read_text().split()
    assert listed == ["2025-12-24_AI_enhanced_English.jsonl"] and all((site / "data" / n).exists() for n in listed)
    assert sorted(p.name for p in (site / "data").glob("*.jsonl")) == listed
    other = english.model_copy(update={"arxiv": english.arxiv.model_copy(update={"categories": ["cs.AI", "cs.IR"]})})
    assert build_site(other, now=NOW).rebuilt_days == ["2025-12-24"]
    assert build_site(other, now=NOW).rebuilt_days == []


def test_older_days_and_months_are_packed_and_the_compat_copies_are_off_by_default(tmp_path: Path,
                                                                                   history: Path) -> None:
    import base64
    import gzip

    settings = make_settings(tmp_path).model_copy(update={"paths": make_settings(history).paths})
    settings = settings.model_copy(update={"site": SiteSettings(plain_days=1)})
    site = build_site(settings, tmp_path / "site", now=NOW).site
    old = (site / "data" / "days" / "2025-12-24.js").read_text()
    match = re.fullmatch(r'SITE\.dayz\("2025-12-24","([A-Za-z0-9+/=]+)"\);\n', old)
    assert match, old[:80]
    payload = json.loads(gzip.decompress(base64.b64decode(match.group(1))))
    assert len(payload["papers"]) == 38
    assert (site / "data" / "days" / "2026-05-21.js").read_text().startswith('SITE.day("2026-05-21",')
    assert (site / "data" / "search" / "2025-12.js").read_text().startswith('SITE.shardz("2025-12",')
    assert not list((site / "data").glob("*_AI_enhanced_*.jsonl")) and not (site / "assets" / "file-list.txt").exists()
    plain_site = build_site(settings.model_copy(update={"site": SiteSettings()}), tmp_path / "plain", now=NOW).site
    assert len(day_payload(plain_site, "2025-12-24")["papers"]) == 38  # the same day, plain
    assert len(old) < 0.6 * (plain_site / "data" / "days" / "2025-12-24.js").stat().st_size
