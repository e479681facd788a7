"""The scaffolded deployment within the free hosting's limits: 3 years of 500 papers a day.

    python benchmarks/bench_deploy.py [--years 3] [--per-day 500]

Generated records (the sample digest's real papers and summaries, each copy with its own id and
day) for every listing day of the span; the site is built as the workflow builds it (the
scaffold's config: older days packed, no compatibility copies) and measured against GitHub Pages'
1 GB; the data branch's size is what git stores for the records it keeps (each file zlib-compressed,
as in a pack without deltas, so an upper bound), against the 1 GB a repository should stay under.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tomllib
import zlib
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from summarizer.core.digest.parser import parse_digest  # noqa: E402
from summarizer.core.settings import LLMSettings, PathSettings, Settings, SiteSettings  # noqa: E402
from summarizer.edges.resources import listing_calendar  # noqa: E402
from summarizer.edges.storage.store import record_line  # noqa: E402
from summarizer.jobs.nightly.stages.site import size_warnings  # noqa: E402
from summarizer.jobs.site.build import build_site  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--per-day", type=int, default=500)
    args = parser.parse_args()
    sample = parse_digest((ROOT / "fixtures" / "sample-digest.md").read_text(encoding="utf-8"))
    scaffold = tomllib.loads((ROOT / "summarizer" / "data" / "scaffold" / "config.toml").read_text())
    calendar = listing_calendar()
    start = date(2024, 1, 1)
    days = calendar.days(start, start + timedelta(days=365 * args.years - 1))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        out.mkdir()
        started = time.perf_counter()
        record_bytes = packed_bytes = 0
        for n, day in enumerate(days):
            lines = []
            for k in range(args.per_day):
                entry = sample[k % len(sample)]
                paper = entry.paper.model_copy(update={"id": f"{day:%y%m}.{(n * args.per_day + k) % 99999:05d}",
                                                       "title": f"{entry.paper.title} ({day} {k})"})
                lines.append(record_line(entry.model_copy(update={"paper": paper, "day": day.isoformat()})))
            data = "".join(lines).encode("utf-8")
            (out / f"{day.isoformat()}.jsonl").write_bytes(data)
            record_bytes += len(data)
            packed_bytes += len(zlib.compress(data, 6))
        print(f"{len(days)} listing days x {args.per_day} papers = {len(days) * args.per_day} records, "
              f"generated in {time.perf_counter() - started:.0f} s")
        site_settings = SiteSettings(**{k: v for k, v in scaffold["site"].items() if k in SiteSettings.model_fields})
        settings = Settings(llm=LLMSettings(model="m"), site=site_settings,
                            paths=PathSettings(cache_dir=f"{tmp}/cache", output_dir=str(out)))
        started = time.perf_counter()
        report = build_site(settings)
        built = time.perf_counter() - started
        site_bytes = sum(f.stat().st_size for f in report.site.rglob("*") if f.is_file())
        files = sum(1 for f in report.site.rglob("*") if f.is_file())
        print(f"site: {site_bytes / 1e6:.0f} MB in {files} files, built in {built:.0f} s "
              f"({site_bytes / 1e9:.0%} of GitHub Pages' 1 GB; plain_days {site_settings.plain_days}, "
              f"compat {site_settings.compat})")
        print(f"data branch: records {record_bytes / 1e6:.0f} MB as files, {packed_bytes / 1e6:.0f} MB as git "
              f"stores them (zlib, no deltas: an upper bound) = {packed_bytes / 1e9:.0%} of a repository's 1 GB")
        print("warnings at 80%: " + ("; ".join(size_warnings(report.site, out)) or "none"))


if __name__ == "__main__":
    main()
