"""The reading site at the size of a real history: 400 days x 200 papers = 80,000 papers.

    python benchmarks/bench_site.py [--days 400] [--per-day 200]

Records are copies of the demo listing's real records (own ids, dates and a marker word in each
title). It prints the full build time, the rebuild after one new day, the first load (what a
fresh visit fetches, from Chromium's own request log, code and styles apart from the day's
data), and search times in headless Chromium (Debian's chromium and chromedriver) opened from
file://: first results, and the whole history searched.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from summarizer.core.settings import LLMSettings, PathSettings, Settings, SiteSettings  # noqa: E402
from summarizer.jobs.site.build import build_site  # noqa: E402
from tests import browser  # noqa: E402


def demo_records() -> list[dict[str, object]]:
    import asyncio

    from summarizer.demo import run_demo

    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run_demo(Path(tmp)))
        path = next(Path(tmp).glob("????-??-??.jsonl"))
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_day(out: Path, day: date, per_day: int, base: list[dict[str, object]]) -> None:
    lines = []
    for n in range(per_day):
        record = dict(base[n % len(base)])
        record["id"] = f"{day:%y%m}.{(day.day * 1000 + n) % 100000:05d}"
        record["title"] = f"{record['title']} (w{day:%Y%m%d}n{n})"
        record["date"] = day.isoformat()
        lines.append(json.dumps(record, ensure_ascii=False))
    (out / f"{day.isoformat()}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def timed_search(driver: object, site: Path, query: str) -> dict[str, float | int]:
    driver.get(site.as_uri() + "/index.html?q=" + query)  # type: ignore[attr-defined]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        stats = driver.execute_script("return window.SITE && SITE.searchStats")  # type: ignore[attr-defined]
        if stats and stats.get("done") is not None:
            return {"query": query, "first_ms": round(stats["first"] or -1, 1), "all_ms": round(stats["done"], 1),
                    "results": stats["count"]}
        time.sleep(0.01)
    raise SystemExit(f"search for {query!r} did not finish in 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--per-day", type=int, default=200)
    args = parser.parse_args()
    base = demo_records()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        out.mkdir()
        first = date(2024, 6, 3)
        days = [first + timedelta(days=n) for n in range(args.days)]
        for day in days:
            write_day(out, day, args.per_day, base)
        settings = Settings(llm=LLMSettings(model="m", api_key="k"),
                            paths=PathSettings(cache_dir=str(Path(tmp) / "cache"), output_dir=str(out)),
                            site=SiteSettings())
        started = time.monotonic()
        report = build_site(settings, full=True)
        full_s = time.monotonic() - started
        write_day(out, days[-1] + timedelta(days=1), args.per_day, base)
        started = time.monotonic()
        again = build_site(settings)
        rebuild_s = time.monotonic() - started
        print(json.dumps({"days": report.days, "papers": report.papers, "full_build_s": round(full_s, 2),
                          "rebuild_one_day_s": round(rebuild_s, 2), "rebuilt_days": len(again.rebuilt_days),
                          "rebuilt_shards": len(again.rebuilt_shards)}), flush=True)
        site = report.site
        driver = browser.start_browser()
        try:
            browser.requested_urls(driver)
            driver.get(site.as_uri() + "/index.html")
            time.sleep(2)
            loaded = [unquote(urlsplit(u).path) for u in browser.requested_urls(driver) if u.startswith("file:")]
            sizes = {p: Path(p).stat().st_size for p in dict.fromkeys(loaded) if Path(p).is_file()}
            data = sum(s for p, s in sizes.items() if "/data/" in p)
            code = sum(s for p, s in sizes.items() if "/data/" not in p)
            print(json.dumps({"first_load_code_and_styles_kb": round(code / 1024, 1),
                              "first_load_data_kb": round(data / 1024, 1),
                              "files": sorted(Path(p).relative_to(site).as_posix() for p in sizes)}), flush=True)
            for query in ("w20250505n7", "retrieval", "推荐"):
                timed_search(driver, site, query)  # warm: the shards' scripts are loaded once per page anyway
                print(json.dumps(timed_search(driver, site, query), ensure_ascii=False), flush=True)
        finally:
            driver.quit()


if __name__ == "__main__":
    main()
