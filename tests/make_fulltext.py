"""Rebuild one paper of fixtures/fulltext/ from its authors' public repository, as its README says.

    python -m tests.make_fulltext --mirror /work/.mirror OUT_DIR ID...

Each repository is a git mirror (the tool library's `fetch`, `<owner>+<name>/repo`). The paper's
TeX files are packed as arXiv's `/e-print/<id>` serves them (a gzipped tar sorted by name with
mtime 0, or one file gzipped), then converted to arXiv-style HTML by Debian's LaTeXML:
`latexmlc --format=html5 --nodefaultresources`, gzipped with mtime 0. `papers.json` gets the
repository, commit, folder, main file and the files packed. Run by hand; the output is committed.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import subprocess
import tarfile
from pathlib import Path
from typing import NamedTuple


class Source(NamedTuple):
    primary: str
    repo: str  # owner+name, as the mirror names it
    folder: str
    files: str  # which files of the folder are the paper's source (a regular expression)
    main: str


SOURCES = {
    "2503.17247": Source("cs.CL", "alea-institute+kl3m-tokenizer-paper", "",
                         r"^(main|sections/[a-z]+)\.tex$|^bibliography/references\.bib$", "main.tex"),
    "1703.09710": Source("astro-ph.IM", "dfm+celerite", "paper/",
                         r"^ms\.tex$|^celerite\.bib$|^figures/(example-stats|examples-macros|rotation/rotation"
                         r"|simulated/correct-params|simulated/wrong-qpo-params|rotation/rotation-params"
                         r"|astero/astero-params|transit/transit-params-edited)\.tex$", "ms.tex"),
}


def git(mirror: Path, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(mirror), *args], capture_output=True, check=True).stdout


def pack(files: dict[str, bytes]) -> bytes:
    if len(files) == 1:  # arXiv serves a lone TeX file gzipped, not tarred
        return gzip.compress(next(iter(files.values())), mtime=0)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(files[name]), 0
            tar.addfile(info, io.BytesIO(files[name]))
    return gzip.compress(buffer.getvalue(), mtime=0)  # the same bytes at every run


def build(paper_id: str, source: Source, mirrors: Path, out: Path) -> dict[str, object]:
    mirror = mirrors / source.repo / "repo"
    commit = git(mirror, "rev-parse", "HEAD").decode().strip()
    names = git(mirror, "ls-tree", "-r", "--name-only", "HEAD", "--", source.folder or ".").decode().split()
    files = {n[len(source.folder):]: git(mirror, "show", f"HEAD:{n}") for n in names
             if re.search(source.files, n[len(source.folder):])}
    folder = out / paper_id
    for name, data in files.items():
        (folder / "src" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "src" / name).write_bytes(data)
    (folder / "e-print").write_bytes(pack(files))
    subprocess.run(["latexmlc", "--format=html5", "--nodefaultresources", "--destination=../paper.html", source.main],
                   cwd=folder / "src", capture_output=True, timeout=900, check=False)
    (folder / "paper.html.gz").write_bytes(gzip.compress((folder / "paper.html").read_bytes(), mtime=0))
    return {"id": paper_id, "primary": source.primary, "repo": source.repo.replace("+", "/"), "commit": commit,
            "folder": source.folder, "main": source.main, "files": sorted(files)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"), help="the folder of git mirrors")
    parser.add_argument("out", type=Path)
    parser.add_argument("ids", nargs="+", choices=sorted(SOURCES))
    args = parser.parse_args()
    entries = [build(i, SOURCES[i], args.mirror, args.out) for i in args.ids]
    (args.out / "papers.json").write_text(json.dumps(entries, indent=1) + "\n")


if __name__ == "__main__":
    main()
