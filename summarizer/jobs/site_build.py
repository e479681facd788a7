"""Build the reading site from every day's records in OUTPUT_DIR, incrementally.

A day's data file is rewritten only when its records changed (their hash is kept in the site's
state file), and only the search shards of the months holding changed days are rebuilt; the
manifest, the page shell and the feed are small and always rewritten. The site also carries the
other tool's files (`data/D_AI_enhanced_<Language>.jsonl`, `assets/file-list.txt`) so readers who
keep its front end can point it at our output.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from summarizer.core.errors import OutputError
from summarizer.core.languages import resolve_language
from summarizer.core.models import Entry
from summarizer.core.settings import Settings
from summarizer.core.site.feed import atom_feed
from summarizer.core.site.pages import day_script, day_stats, index_html, manifest_script, search_rows, shard_script
from summarizer.edges.resources import site_assets
from summarizer.edges.store import atomic_write_chunks, atomic_write_text, parse_records, record_line

DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.jsonl$")
STATE = ".site-state.json"
BUILDER_VERSION = "1"  # bump when the data files' format changes: the next build is then a full one


@dataclass
class SiteReport:
    site: Path
    days: int = 0
    papers: int = 0
    rebuilt_days: list[str] = field(default_factory=list)
    rebuilt_shards: list[str] = field(default_factory=list)
    removed_days: list[str] = field(default_factory=list)
    seconds: float = 0.0


def site_dir(settings: Settings, out: Path | None = None) -> Path:
    """Where the site goes: --out, else [site] out, else OUTPUT_DIR/site."""
    if out is not None:
        return out
    if settings.site.out:
        return Path(settings.site.out).expanduser()
    return Path(settings.paths.output_dir).expanduser() / "site"


def find_days(output_dir: Path) -> dict[str, Path]:
    """Every day's records file in OUTPUT_DIR (D.jsonl; translations D.<lang>.jsonl are not days)."""
    if not output_dir.is_dir():
        return {}
    return {m.group(1): p for p in output_dir.iterdir() if (m := DAY_FILE.match(p.name))}


def _read_state(path: Path, version: str) -> dict[str, Any]:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"version": version, "days": {}}
    if not isinstance(state, dict) or state.get("version") != version or not isinstance(state.get("days"), dict):
        return {"version": version, "days": {}}
    return state


def _compat_name(day: str, language: str) -> str:
    return f"{day}_AI_enhanced_{language.replace(' ', '_')}.jsonl"


def build_site(settings: Settings, out: Path | None = None, full: bool = False,
               now: datetime | None = None) -> SiteReport:
    """Build (or refresh) the site; returns what was rebuilt."""
    started = time.monotonic()
    output_dir = Path(settings.paths.output_dir).expanduser()
    site = site_dir(settings, out)
    language = resolve_language(settings.llm.language)
    assets = site_assets()
    version = hashlib.sha256((BUILDER_VERSION + assets.version).encode()).hexdigest()[:12]
    state_path = site / STATE
    state: dict[str, Any] = {"version": version, "days": {}} if full else _read_state(state_path, version)
    found = find_days(output_dir)
    report = SiteReport(site=site)
    try:
        site.mkdir(parents=True, exist_ok=True)
        if not state["days"]:
            for name, data in assets.files.items():  # a fresh or upgraded site: the assets once
                atomic_write_chunks(site / "assets" / name, [data])
        known: dict[str, dict[str, Any]] = state["days"]
        months_changed: set[str] = set()
        entries_of: dict[str, list[Entry]] = {}
        for day, path in sorted(found.items()):
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if known.get(day, {}).get("hash") == digest and (site / "data" / "days" / f"{day}.js").exists():
                continue
            entries = parse_records(data, str(path))
            entries_of[day] = entries
            atomic_write_text(site / "data" / "days" / f"{day}.js", day_script(day, entries, settings.arxiv.categories))
            compat = [e for e in entries if e.summary is not None]
            atomic_write_text(site / "data" / _compat_name(day, language.name), (record_line(e) for e in compat))
            known[day] = {"hash": digest, **day_stats(entries)}
            months_changed.add(day[:7])
            report.rebuilt_days.append(day)
        for day in sorted(set(known) - set(found)):
            known.pop(day)
            (site / "data" / "days" / f"{day}.js").unlink(missing_ok=True)
            (site / "data" / _compat_name(day, language.name)).unlink(missing_ok=True)
            months_changed.add(day[:7])
            report.removed_days.append(day)
        months = sorted({day[:7] for day in known})
        for month in sorted(months_changed):
            shard = site / "data" / "search" / f"{month}.js"
            days_of_month = [d for d in sorted(known) if d.startswith(month)]
            if not days_of_month:
                shard.unlink(missing_ok=True)
                continue
            rows: list[list[str]] = []
            for day in days_of_month:
                cached = entries_of.get(day)
                rows.extend(search_rows(day, cached if cached is not None else
                                        parse_records(found[day].read_bytes(), str(found[day]))))
            atomic_write_text(shard, shard_script(month, rows))
            report.rebuilt_shards.append(month)
        generated = (now or datetime.now(UTC)).replace(microsecond=0)
        title = settings.site.title
        atomic_write_text(site / "data" / "manifest.js", manifest_script(
            title, language, known, months, settings.arxiv.categories, generated.isoformat()))
        atomic_write_text(site / "index.html", index_html(title, language, version))
        atomic_write_text(site / "assets" / "file-list.txt",
                          "".join(_compat_name(d, language.name) + "\n" for d in sorted(known)))
        recent = sorted(known, reverse=True)[: settings.site.feed_days]
        feed_days = [(d, entries_of.get(d) or parse_records(found[d].read_bytes(), str(found[d]))) for d in recent]
        atomic_write_chunks(site / "feed.xml", [atom_feed(title, settings.site.base_url, feed_days, generated,
                                                          language.tag)])
        atomic_write_text(state_path, json.dumps({"version": version, "days": known}, ensure_ascii=False))
    except OSError as exc:
        raise OutputError(f"cannot write the site under {site}: {exc.strerror or exc}", path=str(site)) from None
    report.days = len(known)
    report.papers = sum(int(v.get("count", 0)) for v in known.values())
    report.seconds = round(time.monotonic() - started, 3)
    return report
