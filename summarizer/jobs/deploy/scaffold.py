"""`summarizer init`: a repository that runs the nightly on GitHub Actions and publishes on GitHub Pages,
or a systemd user service and timer for a machine of one's own.

The files are templates shipped in `summarizer/data/scaffold/` (the workflow pins every action to
the full commit SHA of its release, looked up in the actions' own repositories). The workflow
installs exactly the version that wrote it: the index's release when this version came from an
index, the git repository at its 40-hex commit when it came from one, otherwise a wheel that
`init` writes into `vendor/`; its dependencies come from `requirements.lock`, hash-locked, shipped
with this version. The workflow's folders are the config's own (`[paths]`, `[site] out`). A file
that exists is never overwritten, except that `--upgrade` rewrites what belongs to the tool
(the workflow, the lock file, the vendored wheel) for the running version.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from summarizer import __version__
from summarizer.core.errors import ConfigError
from summarizer.edges.resources import DATA, data_file
from summarizer.edges.storage.store import atomic_write_text
from summarizer.edges.wheel import DIST, build_wheel, copy_wheel, installed_origin

WORKFLOW = ".github/workflows/nightly.yml"
LOCK = "requirements.lock"
ACTIONS = {WORKFLOW: "nightly.yml", "config.toml": "config.toml", "README.md": "README.md", LOCK: "requirements.lock"}
SYSTEMD = {"summarizer-nightly.service": "summarizer-nightly.service",
           "summarizer-nightly.timer": "summarizer-nightly.timer", "config.toml": "config.toml"}
# rewritten by --upgrade; the config and the README are the user's
TOOL_OWNED = (WORKFLOW, LOCK, "summarizer-nightly.service", "summarizer-nightly.timer")


@dataclass(frozen=True)
class InstallSource:
    """What the workflow installs: `spec` for pip; for a wheel, where it comes from."""

    kind: Literal["index", "git", "wheel"]
    spec: str = ""
    wheel: Path | None = None  # an existing wheel file to copy into vendor/
    build_from: Path | None = None  # a project folder to build the wheel from


def install_source(direct_url: str | None, version: str = __version__) -> InstallSource:
    """Where this version came from (PEP 610), as a runner on GitHub can install it."""
    try:
        origin = json.loads(direct_url) if direct_url else None
    except ValueError:
        origin = None
    if not isinstance(origin, dict):
        return InstallSource("index", f"{DIST}=={version}")
    url = str(origin.get("url", ""))
    vcs = origin.get("vcs_info")
    commit = str(vcs.get("commit_id", "")) if isinstance(vcs, dict) else ""
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and url.startswith("https://") \
            and re.fullmatch(r"[0-9a-f]{40}", commit):
        return InstallSource("git", f"{DIST} @ git+{url}@{commit}")
    local = Path(url.removeprefix("file://")) if url.startswith("file://") else None
    if local is not None and "dir_info" in origin:
        return InstallSource("wheel", build_from=local)
    if local is not None and local.suffix == ".whl" and local.is_file():
        return InstallSource("wheel", wheel=local)
    return InstallSource("wheel")  # nothing a runner can reach, and nothing here to build from: --wheel


@dataclass(frozen=True)
class DeployPaths:
    cache_dir: str
    output_dir: str
    site_dir: str


def _inside(value: str, key: str) -> str:
    path = PurePosixPath(value)
    if value.startswith(("~", "/")) or path.is_absolute() or ".." in path.parts or str(path) in ("", "."):
        raise ConfigError(f"{value!r}: the workflow caches and publishes folders of the repository, so this must be "
                          "a folder inside it, such as \".summarizer-cache\" or \"out\"", key=key)
    return str(path)


def deploy_paths(config_text: str) -> DeployPaths:
    """The folders the workflow restores, fills and publishes: the config's own, checked to be inside the repository."""
    try:
        data: dict[str, Any] = tomllib.loads(config_text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config.toml is not valid TOML: {exc}") from None
    paths, site = data.get("paths", {}), data.get("site", {})
    cache = _inside(str(paths.get("cache_dir", "~/.cache/summarizer")), "paths.cache_dir")
    out = _inside(str(paths.get("output_dir", "digests")), "paths.output_dir")
    site_dir = _inside(str(site["out"]), "site.out") if site.get("out") else f"{out}/site"
    for a, b in ((cache, out), (out, cache)):
        if PurePosixPath(a).is_relative_to(PurePosixPath(b)):
            raise ConfigError(f"{cache!r} and {out!r} overlap: the cache and the records are kept apart",
                              key="paths.cache_dir")
    return DeployPaths(cache, out, site_dir)


def systemd_arg(value: str) -> str:
    """One word of an ExecStart= line: quoted, with systemd's specifier (%) and variable ($) signs escaped."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$")
    return f'"{escaped}"'


@dataclass
class Scaffold:
    folder: Path
    written: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    source: InstallSource | None = None


def template(name: str, values: dict[str, str]) -> str:
    text = data_file(DATA, "scaffold", name).read_text(encoding="utf-8")
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def systemd_files(folder: Path, python: str = sys.executable) -> dict[str, str]:
    where = folder.resolve()
    values = {"{version}": __version__, "{folder}": str(where).replace("%", "%%"),
              "{python}": systemd_arg(python), "{config}": systemd_arg(str(where / "config.toml"))}
    return {target: template(name, values) for target, name in SYSTEMD.items()}


def actions_files(source: InstallSource, config: str, where: DeployPaths) -> dict[str, str]:
    """The deployment's files, by path: `config` (the kept one, or the template) and the workflow aimed at its
    folders `where`, installing `source`."""
    values = {"{pip_spec}": source.spec, "{version}": __version__, "{cache_dir}": where.cache_dir,
              "{output_dir}": where.output_dir, "{site_dir}": where.site_dir}
    return {target: config if target == "config.toml" else template(name, values) for target, name in ACTIONS.items()}


def vendor_wheel(folder: Path, source: InstallSource, given: Path | None) -> InstallSource:
    """For a wheel source: the wheel in `folder/vendor/` (given, copied, or built), and the spec installing it."""
    if source.kind != "wheel" and given is None:
        return source
    vendor = folder / "vendor"
    if given is not None:
        wheel = copy_wheel(given, vendor)
    elif source.wheel is not None:
        wheel = copy_wheel(source.wheel, vendor)
    elif source.build_from is not None:
        wheel = build_wheel(source.build_from, vendor)
    else:
        raise ConfigError("this summarizer came from nothing a GitHub runner can install (no index release, no "
                          "https git repository at a commit): pass --wheel FILE, a wheel of this version",
                          key="--wheel")
    for old in vendor.glob("*.whl"):
        if old.name != wheel.name:
            old.unlink()
    return InstallSource("wheel", f"./vendor/{wheel.name}", wheel=wheel)


def check_wheel(wheel: Path) -> None:
    """A wheel given with --wheel must be this distribution at this version."""
    name, _, rest = wheel.name.partition("-")
    if wheel.suffix != ".whl" or name.replace("_", "-").lower() != DIST or not rest.startswith(f"{__version__}-"):
        raise ConfigError(f"{wheel.name} is not a wheel of {DIST} {__version__}, the version running init",
                          key="--wheel")


def write_scaffold(folder: Path, systemd: bool = False, *, upgrade: bool = False, wheel: Path | None = None,
                   direct_url: str | None = None) -> Scaffold:
    """Write what is missing (all of it on a first init); with `upgrade`, the tool's own files again."""
    result = Scaffold(folder=folder)
    if systemd:
        files = systemd_files(folder)
    else:
        if wheel is not None:
            check_wheel(wheel)
        kept = folder / "config.toml"
        config = kept.read_text(encoding="utf-8") if kept.is_file() else template("config.toml", {})
        where = deploy_paths(config)  # a kept config is refused before anything is written
        source = install_source(direct_url if direct_url is not None else installed_origin())
        workflow_exists = (folder / WORKFLOW).exists()
        if not workflow_exists or upgrade:
            source = vendor_wheel(folder, source, wheel)
            if source.wheel is not None:
                result.written.append(f"vendor/{source.wheel.name}")
        result.source = source
        files = actions_files(source, config, where)
    for name, text in files.items():
        path = folder / name
        if path.exists() and not (upgrade and name in TOOL_OWNED):
            result.existing.append(name)
            continue
        atomic_write_text(path, text)
        result.written.append(name)
    return result
