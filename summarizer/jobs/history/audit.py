"""`summarizer audit`: the faithfulness gate over any history, ours or daily-arXiv-ai-enhanced's.

A records file holds what the model was shown for an abstract-only summary (title and abstract),
so those are checked again here, with today's gate. A summary written from the full text carries
the gate's finding from the night it was written (`checks`): the body is not kept, so that
finding is what is counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, Field

from summarizer.core.checks.gate import SourceIndex, check_summary, source_text
from summarizer.core.errors import RecordsError
from summarizer.core.models import Entry, NumberMark
from summarizer.edges.storage.store import read_records

_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})")
_RECORDS = ("*.jsonl", "*.jsonl.gz")


class Tally(BaseModel):
    records: int = 0
    numbers: int = 0
    unsupported: int = 0
    flagged_records: int = 0

    @property
    def rate(self) -> float:
        return self.unsupported / self.numbers if self.numbers else 0.0

    def add(self, numbers: int, unsupported: int) -> None:
        self.records += 1
        self.numbers += numbers
        self.unsupported += unsupported
        self.flagged_records += 1 if unsupported else 0


class Flagged(BaseModel):
    id: str
    day: str | None
    title: str
    unsupported: list[NumberMark]


class Audit(BaseModel):
    overall: Tally = Field(default_factory=Tally)
    days: dict[str, Tally] = Field(default_factory=dict)
    flagged: list[Flagged] = Field(default_factory=list)

    def worst(self, count: int) -> list[Flagged]:
        return sorted(self.flagged, key=lambda f: (-len(f.unsupported), f.day or "", f.id))[:count]

    def as_json(self, worst: int) -> dict[str, object]:
        def tally(t: Tally) -> dict[str, object]:
            return {**t.model_dump(), "rate": round(t.rate, 6)}
        return {"overall": tally(self.overall), "days": {d: tally(t) for d, t in sorted(self.days.items())},
                "worst": [f.model_dump() for f in self.worst(worst)]}


def records_files(paths: Iterable[Path]) -> list[Path]:
    """The records files named, and those inside the folders named (ours `D.jsonl`, DAE's `D_AI_enhanced_L.jsonl`)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for pattern in _RECORDS for p in path.rglob(pattern)))
        elif path.is_file():
            found.append(path)
        else:
            raise RecordsError("no such file or folder", path=str(path))
    if not found:
        raise RecordsError("no records files (*.jsonl) here", path=", ".join(str(p) for p in paths))
    return found


def audit_entries(entries: Iterable[Entry], day_of_file: str | None, audit: Audit) -> None:
    for entry in entries:
        if entry.summary is None:
            continue
        if entry.source in ("html", "tex") and entry.checks is not None:
            checks = entry.checks
        else:
            checks = check_summary(entry.summary, SourceIndex.of(source_text(entry.paper.title,
                                                                             entry.paper.abstract)))
        day = entry.day or day_of_file or "unknown"
        numbers, unsupported = len(checks.evidence) + len(checks.unsupported), len(checks.unsupported)
        audit.overall.add(numbers, unsupported)
        audit.days.setdefault(day, Tally()).add(numbers, unsupported)
        if unsupported:
            audit.flagged.append(Flagged(id=entry.paper.id, day=day, title=entry.paper.title,
                                         unsupported=checks.unsupported))


def run_audit(paths: Iterable[Path]) -> Audit:
    audit = Audit()
    for path in records_files(list(paths)):
        if path.name.endswith((".report.json",)):
            continue
        match = _DAY.search(path.name)
        audit_entries(read_records(path), match.group(1) if match else None, audit)
    return audit


def audit_text(audit: Audit, worst: int) -> str:
    def line(label: str, t: Tally) -> str:
        return (f"{label}: {t.records} summaries, {t.numbers} numbers, {t.unsupported} unsupported ({t.rate:.2%}) "
                f"in {t.flagged_records} summaries")
    lines = [line(day, tally) for day, tally in sorted(audit.days.items())]
    lines.append(line("overall", audit.overall))
    shown = audit.worst(worst)
    if shown:
        lines.append(f"worst {len(shown)}:")
        lines.extend(f"  {f.id} ({f.day}): " + ", ".join(f"{m.number} ({m.field})" for m in f.unsupported)
                     + f" - {f.title[:70]}" for f in shown)
    return "\n".join(lines) + "\n"
