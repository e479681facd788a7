"""Stage "site": refresh the reading site over the whole history, when the run is asked to publish it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from summarizer.jobs.nightly.day_run import DayState, Run
from summarizer.jobs.site.build import build_site

PAGES_LIMIT = 1_000_000_000  # "Published GitHub Pages sites may be no larger than 1 GB" (GitHub Pages limits)
REPO_LIMIT = 1_000_000_000  # a repository is recommended to stay under 1 GB: the data branch keeps the records
WARN_AT = 0.8
# What git stores of a records file, as a share of its bytes (zlib, no deltas): 434 MB for 1,202 MB of records
# in benchmarks/bench_deploy.py; a little above it, so the warning comes early rather than late.
GIT_RATIO = 0.4


def hosting_sizes(site: Path, records: Path) -> tuple[int, float]:
    """(the site's bytes, about what git stores of the records a data branch keeps)."""
    site_bytes = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    record_bytes = sum(f.stat().st_size for f in records.glob("*.jsonl")) + \
        sum(f.stat().st_size for f in records.glob("*.report.json"))
    return site_bytes, record_bytes * GIT_RATIO


def size_warnings(site: Path, records: Path, sizes: tuple[int, float] | None = None) -> list[str]:
    """The free hosting's limits, warned about at 80%: the published site, and the records a data branch keeps."""
    found = []
    site_bytes, stored = sizes or hosting_sizes(site, records)
    if site_bytes >= WARN_AT * PAGES_LIMIT:
        found.append(f"the site is {site_bytes / 1e6:.0f} MB, {site_bytes / PAGES_LIMIT:.0%} of the 1 GB a GitHub "
                     "Pages site may hold: lower [site] plain_days, turn [site] compat off, or publish fewer days")
    if stored >= WARN_AT * REPO_LIMIT:
        found.append(f"the records take about {stored / 1e6:.0f} MB in git, {stored / REPO_LIMIT:.0%} of the 1 GB a "
                     "repository should stay under (its data branch)")
    return found


async def publish_site(run: Run, state: DayState) -> DayState:
    if not run.params.publish_site:
        return state
    report = build_site(run.settings, now=run.services.now())
    warnings = size_warnings(report.site, run.output_dir)
    if warnings:
        run.report.warnings = warnings
        run.write_report()
    return replace(state, site=report)
