"""arXiv's e-print, opened in memory: a gzipped tar of TeX files, one gzipped TeX file, or a PDF.

Nothing from an archive is ever written to disk, so no member can land outside its folder; a
member whose path would (absolute, or climbing with `..`) refuses the whole archive all the same,
as a sign of a hostile one. Every size is capped before it is read: the download, the number of
members, each member and the total unpacked (a gzip bomb stops at the cap, not at the end).
"""

from __future__ import annotations

import io
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

from summarizer.core.errors import FullTextUnusable

TEX_SUFFIXES = (".tex", ".bbl", ".sty", ".cls", ".bib", ".pdf_tex", ".tikz", ".ltx", ".txt", ".pdf_tex_edit")


@dataclass(frozen=True)
class Limits:
    download_bytes: int = 50_000_000
    unpacked_bytes: int = 100_000_000
    members: int = 2_000


def _mb(size: int) -> str:
    return f"{size / 1_000_000:g} MB"


def _gunzip(data: bytes, limit: int) -> bytes:
    """Decompressed, reading at most `limit` bytes of output (a bomb stops here)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise FullTextUnusable(f"not a readable gzip file ({exc})", "e-print") from None
    if len(out) > limit:
        raise FullTextUnusable(f"unpacks to more than {_mb(limit)} (the cap); a compression bomb?", "e-print")
    return out


def _safe_name(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise FullTextUnusable(f"archive member {name[:80]!r} points outside its folder", "e-print")
    return str(path)


def _untar(data: bytes, limits: Limits) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            for count, member in enumerate(tar, start=1):
                if count > limits.members:
                    raise FullTextUnusable(f"more than {limits.members} archive members", "e-print")
                name = _safe_name(member.name)
                if not member.isfile():  # links, devices, folders: nothing to read, nothing to follow
                    continue
                if not name.lower().endswith(TEX_SUFFIXES):
                    continue  # figures and data: the summary reads text only
                total += member.size
                if total > limits.unpacked_bytes:
                    raise FullTextUnusable(f"unpacks to more than {_mb(limits.unpacked_bytes)} (the cap)", "e-print")
                handle = tar.extractfile(member)
                if handle is not None:
                    files[name] = handle.read(member.size)
    except tarfile.TarError as exc:
        raise FullTextUnusable(f"not a readable tar archive ({exc})", "e-print") from None
    return files


def unpack_eprint(data: bytes, limits: Limits) -> dict[str, bytes]:
    """The e-print's text files by name (a lone TeX file is `main.tex`); FullTextUnusable with the reason."""
    if len(data) > limits.download_bytes:
        raise FullTextUnusable(f"larger than {_mb(limits.download_bytes)} (the cap)", "e-print")
    if data.startswith(b"%PDF"):
        raise FullTextUnusable("the e-print is a PDF, with no TeX source", "e-print")
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, limits.unpacked_bytes)
        if data.startswith(b"%PDF"):
            raise FullTextUnusable("the e-print is a PDF, with no TeX source", "e-print")
    if len(data) > 262 and data[257:262] == b"ustar" or _looks_like_tar(data):
        files = _untar(data, limits)
    else:
        files = {"main.tex": data}
    if not files:
        raise FullTextUnusable("the archive holds no TeX file", "e-print")
    return files


def _looks_like_tar(data: bytes) -> bool:
    """An old-style tar (no "ustar" magic): its first header's checksum adds up."""
    if len(data) < 512:
        return False
    header = data[:512]
    try:
        stored = int(header[148:156].split(b"\0")[0].strip() or b"-1", 8)
    except ValueError:
        return False
    return stored == sum(header[:148]) + 256 + sum(header[156:512])

