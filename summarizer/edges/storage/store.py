"""Files on disk: atomic writes and the records (JSON Lines) file.

Every output is written to a temporary file beside its target and renamed over it, so a run
killed at any moment leaves either the old file or the new one, never half of one. A new file
gets the mode the umask gives (digests are published by web servers), a replaced one keeps its
own.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from summarizer.core.errors import OutputError, RecordsError
from summarizer.core.models import Entry, entry_to_record, record_to_entry


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = _umask()  # read once: os.umask can only be read by setting it


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~UMASK


def atomic_write_chunks(path: Path, chunks: Iterable[bytes]) -> None:
    """Write `chunks` to a temporary file beside `path`, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _mode_for(path))  # mkstemp makes 0600 whatever the umask
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str | Iterable[str]) -> None:
    """Text, whole or in pieces, written atomically as UTF-8."""
    pieces = [text] if isinstance(text, str) else text
    atomic_write_chunks(path, (piece.encode("utf-8") for piece in pieces))


def ensure_writable(directory: Path, what: str) -> None:
    """Create `directory` if needed and prove a file can be written there, before any money is spent."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".summarizer-probe-", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"{what} {directory} is not writable: {exc.strerror or exc}", path=str(directory)) from None


def record_line(entry: Entry) -> str:
    """One records-file line: the entry's JSON record and a newline."""
    return json.dumps(entry_to_record(entry), ensure_ascii=False) + "\n"


def records_text(entries: Iterable[Entry]) -> str:
    return "".join(record_line(e) for e in entries)


def write_records(path: Path, entries: Iterable[Entry]) -> None:
    atomic_write_text(path, records_text(entries))


def numbered_json_lines(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line of a JSON Lines file (gzipped when it ends in .gz, as
    archived histories are); a bad line is an error naming it."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecordsError(f"cannot read: {exc.strerror}", path=str(path)) from None
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise RecordsError(f"not a gzip file ({exc})", path=str(path)) from None
    return numbered_json_rows(data, str(path))


def numbered_json_rows(data: bytes, source: str) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line of JSON Lines bytes from `source`."""
    path = source
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordsError("not UTF-8 text", line=data[: exc.start].count(b"\n") + 1, path=str(path)) from None
    rows = []
    # "\n" only: str.splitlines() also splits at U+2028, U+2029 and U+0085, which json.dumps(ensure_ascii=False)
    # writes raw inside strings, so one such character in an abstract made the whole day unreadable.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RecordsError(f"not JSON: {exc.msg}", line=number, path=str(path)) from None
        if not isinstance(row, dict):
            raise RecordsError("a record must be a JSON object", line=number, path=str(path))
        rows.append((number, row))
    return rows


def read_json_lines(path: Path) -> list[dict[str, Any]]:
    """Every object of a JSON Lines file, as it is."""
    return [row for _, row in numbered_json_lines(path)]


def read_records(path: Path) -> list[Entry]:
    """All entries of a records file; a bad line is an error naming it."""
    return [record_to_entry(row, line=number, path=str(path)) for number, row in numbered_json_lines(path)]


def parse_records(data: bytes, source: str) -> list[Entry]:
    """All entries of records bytes (a file's, or standard input's)."""
    return [record_to_entry(row, line=number, path=source) for number, row in numbered_json_rows(data, source)]
