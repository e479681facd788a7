"""`summarizer init`: a repository that runs the nightly on GitHub Actions and publishes on GitHub Pages,
or a systemd user service and timer for a machine of one's own.

The files are templates shipped in `summarizer/data/scaffold/` (the workflow pins every action to
the full commit SHA of its release, looked up in the actions' own repositories). A file that
exists is never overwritten: a second `init` lists what exists and changes nothing.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from summarizer import __version__
from summarizer.edges.resources import DATA, data_file
from summarizer.edges.store import atomic_write_text

ACTIONS = {".github/workflows/nightly.yml": "nightly.yml", "config.toml": "config.toml", "README.md": "README.md"}
SYSTEMD = {"summarizer-nightly.service": "summarizer-nightly.service",
           "summarizer-nightly.timer": "summarizer-nightly.timer", "config.toml": "config.toml"}


@dataclass
class Scaffold:
    folder: Path
    written: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)


def pip_spec(direct_url: str | None = None) -> str:
    """What the workflow installs: this very version. Installed from a git repository (PEP 610's
    direct_url.json), that repository at this commit; otherwise the package index's release of this version."""
    import json
    from importlib import metadata

    if direct_url is None:
        try:
            direct_url = metadata.distribution("summarizer").read_text("direct_url.json")
        except metadata.PackageNotFoundError:
            direct_url = None
    try:
        origin = json.loads(direct_url or "{}")
    except ValueError:
        origin = {}
    vcs = origin.get("vcs_info") if isinstance(origin, dict) else None
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and str(origin.get("url", "")).startswith("https://"):
        return f"git+{origin['url']}@{vcs.get('commit_id') or vcs.get('requested_revision') or 'HEAD'}"
    return f"summarizer=={__version__}"


def scaffold_files(folder: Path, systemd: bool, python: str = sys.executable) -> dict[str, str]:
    """What `init` writes, by path under `folder`: the templates with their placeholders filled."""
    chosen = SYSTEMD if systemd else ACTIONS
    values = {"{pip_spec}": pip_spec(), "{version}": __version__, "{folder}": str(folder.resolve()),
              "{python}": python}
    files = {}
    for target, template in chosen.items():
        text = data_file(DATA, "scaffold", template).read_text(encoding="utf-8")
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        files[target] = text
    return files


def write_scaffold(folder: Path, systemd: bool = False) -> Scaffold:
    result = Scaffold(folder=folder)
    for name, text in scaffold_files(folder, systemd).items():
        path = folder / name
        if path.exists():
            result.existing.append(name)
            continue
        atomic_write_text(path, text)
        result.written.append(name)
    return result
