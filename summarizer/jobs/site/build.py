"""Build the reading site from every day's records in OUTPUT_DIR, incrementally.

A day's data file is rewritten only when its records changed (their hash is kept in the site's
state file), and only the search shards of the months holding changed days are rebuilt; the
manifest, the page shell and the feed are small and always rewritten. The site also carries the
files of daily-arXiv-ai-enhanced (github.com/dw-dengwei/daily-arXiv-ai-enhanced):
`data/D_AI_enhanced_<Language>.jsonl` and `assets/file-list.txt`, so readers who keep its front
end can point it at our output.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from summarizer.core.errors import OutputError, RecordsError
from summarizer.core.languages import resolve_language
from summarizer.core.models import Entry, safe_abs_url
from summarizer.core.settings import Settings
from summarizer.core.site.feed import atom_feed
from summarizer.core.site.pages import day_script, day_stats, index_html, manifest_script, search_rows, shard_script
from summarizer.edges.ranking.embeddings import EmbeddingCache, embedding_model_id
from summarizer.edges.resources import site_assets
from summarizer.edges.storage.store import atomic_write_chunks, atomic_write_text, parse_records
from summarizer.jobs.digest_files import find_days
from summarizer.jobs.site.similar import VectorIndex

STATE = ".site-state.json"
BUILDER_VERSION = "4"  # bump when the data files' format changes: the next build is then a full one


@dataclass
class SiteReport:
    site: Path
    days: int = 0
    papers: int = 0
    rebuilt_days: list[str] = field(default_factory=list)
    rebuilt_shards: list[str] = field(default_factory=list)
    removed_days: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # day -> why its records could not be read
    seconds: float = 0.0


def site_dir(settings: Settings, out: Path | None = None) -> Path:
    """Where the site goes: --out, else [site] out, else OUTPUT_DIR/site."""
    if out is not None:
        return out
    if settings.site.out:
        return Path(settings.site.out).expanduser()
    return Path(settings.paths.output_dir).expanduser() / "site"


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


def compat_record(entry: Entry) -> str:
    """One line of daily-arXiv-ai-enhanced's own data file, for forks of its front end.

    Those build their cards with `innerHTML`, so the file carries that tool's keys only (no
    unknown keys kept from an import), the record's text as it is, and links from `safe_abs_url`.
    """
    p, s = entry.paper, entry.summary
    abs_url = safe_abs_url(p)
    record = {"id": p.id, "title": p.title, "authors": list(p.authors),
              "categories": [p.primary_category] + [c for c in p.categories if c != p.primary_category],
              "summary": p.abstract, "abs": abs_url, "pdf": abs_url.replace("/abs/", "/pdf/", 1) if abs_url else None,
              "comment": p.comment, "AI": s.model_dump() if s is not None else None}
    return json.dumps(record, ensure_ascii=False) + "\n"


def site_version(settings: Settings, assets_version: str) -> str:
    """Every input that changes a page besides the records: the builder, the assets, the language, the
    categories (section order and numbering), the compatibility files. Another version rebuilds the whole site."""
    language = resolve_language(settings.llm.language)
    blob = json.dumps([BUILDER_VERSION, assets_version, language.name, language.tag, settings.arxiv.categories,
                       settings.site.compat])
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


class _Build:
    """One build: the state carried from the last one, and what this one changed."""

    def __init__(self, settings: Settings, site: Path, found: dict[str, Path], known: dict[str, dict[str, Any]],
                 report: SiteReport) -> None:
        self.settings, self.site, self.found, self.known, self.report = settings, site, found, known, report
        self.language = resolve_language(settings.llm.language)
        self.entries_of: dict[str, list[Entry]] = {}
        self.months_changed: set[str] = set()
        model_id = embedding_model_id(settings.embedding)
        cache_dir = Path(settings.paths.cache_dir).expanduser()
        self.index = VectorIndex(cache_dir, model_id) if model_id and (cache_dir / "embeddings").is_dir() else None
        self.vectors = EmbeddingCache(cache_dir) if self.index is not None else None
        # The newest days stay plain; older ones are packed (half the bytes), as are months with no plain day.
        self.plain = set(sorted(found, reverse=True)[: settings.site.plain_days])
        self.plain_months = {d[:7] for d in self.plain}

    def entries(self, day: str) -> list[Entry]:
        if day not in self.entries_of:
            self.entries_of[day] = parse_records(self.found[day].read_bytes(), str(self.found[day]))
        return self.entries_of[day]

    def update_day(self, day: str, path: Path) -> None:
        """A day whose records changed: its data and compatibility files. A day whose records cannot be
        read is left out of this build (and named), never the end of the build for every other day."""
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        packed = day not in self.plain
        known = self.known.get(day, {})
        if known.get("hash") == digest and known.get("z", False) == packed and \
                (self.site / "data" / "days" / f"{day}.js").exists():
            return
        try:
            entries = parse_records(data, str(path))
        except RecordsError as exc:
            self.report.skipped[day] = str(exc)
            self.remove_day(day, removed=False)
            return
        self.entries_of[day] = entries
        if self.index is not None and self.vectors is not None:
            self.index.set_day(day, entries, self.vectors)
        if self.settings.site.compat:
            atomic_write_text(self.site / "data" / _compat_name(day, self.language.name),
                              (compat_record(e) for e in entries if e.summary is not None))
        self.known[day] = {"hash": digest, "z": packed, **day_stats(entries)}
        self.months_changed.add(day[:7])
        self.report.rebuilt_days.append(day)

    def write_days(self) -> None:
        """The rebuilt days' data, each paper with its nearest papers across the history (when embedded)."""
        similar = self.index.similar(set(self.report.rebuilt_days)) if self.index is not None else {}
        for day in self.report.rebuilt_days:
            atomic_write_text(self.site / "data" / "days" / f"{day}.js",
                              day_script(day, self.entries_of[day], self.settings.arxiv.categories, similar.get(day),
                                         compress=bool(self.known[day].get("z"))))
        if self.index is not None:
            self.index.save()
        if self.vectors is not None:
            self.vectors.close()

    def remove_day(self, day: str, removed: bool = True) -> None:
        if self.index is not None:
            self.index.drop_day(day)
        if self.known.pop(day, None) is not None:
            self.months_changed.add(day[:7])
            if removed:
                self.report.removed_days.append(day)
        (self.site / "data" / "days" / f"{day}.js").unlink(missing_ok=True)
        (self.site / "data" / _compat_name(day, self.language.name)).unlink(missing_ok=True)

    def shards(self) -> None:
        for month in sorted(self.months_changed):
            shard = self.site / "data" / "search" / f"{month}.js"
            days_of_month = [d for d in sorted(self.known) if d.startswith(month)]
            if not days_of_month:
                shard.unlink(missing_ok=True)
                continue
            rows: list[list[str]] = []
            for day in days_of_month:
                rows.extend(search_rows(day, self.entries(day)))
            atomic_write_text(shard, shard_script(month, rows, compress=month not in self.plain_months))
            self.report.rebuilt_shards.append(month)

    def drop_stale_compat(self) -> None:
        """Compatibility files of days gone, of another language (the summary language changed), or all of them
        when they were turned off."""
        wanted = {_compat_name(d, self.language.name) for d in self.known} if self.settings.site.compat else set()
        for path in (self.site / "data").glob("*_AI_enhanced_*.jsonl"):
            if path.name not in wanted:
                path.unlink(missing_ok=True)


def build_site(settings: Settings, out: Path | None = None, full: bool = False,
               now: datetime | None = None) -> SiteReport:
    """Build (or refresh) the site; returns what was rebuilt, and the days whose records could not be read."""
    started = time.monotonic()
    site = site_dir(settings, out)
    assets = site_assets()
    version = site_version(settings, assets.version)
    state_path = site / STATE
    state: dict[str, Any] = {"version": version, "days": {}} if full else _read_state(state_path, version)
    report = SiteReport(site=site)
    build = _Build(settings, site, find_days(Path(settings.paths.output_dir).expanduser()), state["days"], report)
    try:
        site.mkdir(parents=True, exist_ok=True)
        if not build.known:
            for name, data in assets.files.items():  # a fresh or upgraded site: the assets once
                atomic_write_chunks(site / "assets" / name, [data])
        for day, path in sorted(build.found.items()):
            build.update_day(day, path)
        for day in sorted(set(build.known) - set(build.found)):
            build.remove_day(day)
        build.write_days()
        build.shards()
        if full or not state_path.exists() or build.report.rebuilt_days or build.report.removed_days:
            build.drop_stale_compat()
        _write_shell(build, version, now)
        atomic_write_text(state_path, json.dumps({"version": version, "days": build.known}, ensure_ascii=False))
    except OSError as exc:
        raise OutputError(f"cannot write the site under {site}: {exc.strerror or exc}", path=str(site)) from None
    report.days = len(build.known)
    report.papers = sum(int(v.get("count", 0)) for v in build.known.values())
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _write_shell(build: _Build, version: str, now: datetime | None) -> None:
    """The small files rewritten on every build: manifest, page shell, file list, feed."""
    site, settings, known, language = build.site, build.settings, build.known, build.language
    generated = (now or datetime.now(UTC)).replace(microsecond=0)
    title = settings.site.title
    months = sorted({day[:7] for day in known})
    atomic_write_text(site / "data" / "manifest.js", manifest_script(
        title, language, known, months, settings.arxiv.categories, generated.isoformat()))
    atomic_write_text(site / "index.html", index_html(title, language, version))
    if settings.site.compat:
        atomic_write_text(site / "assets" / "file-list.txt",
                          "".join(_compat_name(d, language.name) + "\n" for d in sorted(known)))
    else:
        (site / "assets" / "file-list.txt").unlink(missing_ok=True)
    recent = sorted(known, reverse=True)[: settings.site.feed_days]
    feed_days = [(d, build.entries(d)) for d in recent]
    atomic_write_chunks(site / "feed.xml", [atom_feed(title, settings.site.base_url, feed_days, generated,
                                                      language.tag)])
