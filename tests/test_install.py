"""The first night installs, from each of the three sources a scaffold can name, in a clean venv.

The workflow's own install step (its `run:` text) runs in a venv made here with nothing in it, then the
installed `summarizer demo` writes the night's digest, byte-identical to the sample. The dependencies come
from the package registry, checked against `requirements.lock`'s hashes; the tool comes from:
- the wheel `init` built and vendored (this checkout's editable install ran `init`);
- the package index: a PEP 503 simple index on loopback holding this version's wheel, where the user's own
  install came from (pip records no direct_url.json for an index), so `init`, run by that install, names
  `summarizer-arxiv==VERSION`;
- a git repository at its 40-hex commit: `https://github.com/reader/summarizer`, which git is told to
  read from a local bare clone of this checkout (`url.<local>.insteadOf`), so `init` names the https URL.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from summarizer import __version__
from tests.conftest import ROOT, SAMPLE

ORIGIN = "https://github.com/reader/summarizer"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Iterator[dict[str, Path]]:
    """A clean venv, this version's wheel on a loopback package index, a bare git clone and git's redirection."""
    root = tmp_path_factory.mktemp("install")
    (root / "index").mkdir()
    shutil.copy(wheel, root / "index")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    project = root / "index" / "simple" / "summarizer-arxiv"
    project.mkdir(parents=True)
    (project / "index.html").write_text(f'<!DOCTYPE html><html><body><a href="../../{wheel.name}#sha256={digest}">'
                                        f"{wheel.name}</a></body></html>\n")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root / "index"))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    subprocess.run(["git", "clone", "--quiet", "--bare", str(ROOT), str(root / "bare.git")], check=True)
    gitconfig = root / "gitconfig"
    gitconfig.write_text(f'[url "file://{root / "bare.git"}"]\n\tinsteadOf = {ORIGIN}\n')
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
    (root / "url").write_text(f"http://127.0.0.1:{httpd.server_address[1]}/simple/")
    try:
        yield {"root": root, "venv": root / "venv", "index": root / "index", "gitconfig": gitconfig,
               "url": root / "url"}
    finally:
        httpd.shutdown()
        httpd.server_close()


def env_for(world: dict[str, Path], **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    return base | {"PATH": f"{world['venv'] / 'bin'}{os.pathsep}{os.environ['PATH']}",
                   "GIT_CONFIG_GLOBAL": str(world["gitconfig"]), "HOME": str(world["root"])} | extra


def sh(world: dict[str, Path], script: str, cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=cwd,
                          env=env_for(world, **extra), capture_output=True, text=True, timeout=600)


def first_night(world: dict[str, Path], repo: Path, **extra: str) -> str:
    """The scaffold's install step, as the workflow runs it, in the clean venv; then the night; the spec used."""
    flow = yaml.safe_load((repo / ".github" / "workflows" / "nightly.yml").read_text())
    step = next(s for s in flow["jobs"]["digest"]["steps"] if s.get("name", "").startswith("Install summarizer"))
    spec = flow["env"]["SUMMARIZER_PIP_SPEC"]
    sh(world, "python -m pip uninstall -q -y summarizer-arxiv || true", repo)
    installed = sh(world, step["run"], repo, SUMMARIZER_PIP_SPEC=spec, **extra)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    night = sh(world, "summarizer demo -q --out night", repo)
    assert night.returncode == 0, night.stderr
    assert (repo / "night" / "2025-12-24.md").read_bytes() == SAMPLE.read_bytes()
    return str(spec)


def init_with_the_venvs_summarizer(world: dict[str, Path], repo: Path) -> None:
    done = sh(world, f"summarizer init {repo}", world["root"])
    assert done.returncode == 0, done.stderr


def test_the_first_night_installs_from_each_of_the_three_sources(world: dict[str, Path]) -> None:
    root = world["root"]
    locked = sh(world, "python -m pip install -q --require-hashes --no-deps -r "
                f"{ROOT / 'summarizer' / 'data' / 'scaffold' / 'requirements.lock'}", root)
    assert locked.returncode == 0, locked.stderr
    # 1. an editable install (this checkout's) runs init: it builds the wheel it vendors
    done = subprocess.run([sys.executable, "-m", "summarizer", "init", str(root / "a")], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    [vendored] = (root / "a" / "vendor").glob("*.whl")
    assert vendored.name.startswith(f"summarizer_arxiv-{__version__}-")
    assert first_night(world, root / "a") == f"./vendor/{vendored.name}"
    # 2. installed from the index (no direct_url.json): init names this version of the index
    index = world["url"].read_text()
    sh(world, "python -m pip uninstall -q -y summarizer-arxiv", root)
    got = sh(world, f"python -m pip install -q --no-deps --index-url {index} summarizer-arxiv=={__version__}", root)
    assert got.returncode == 0, got.stderr
    init_with_the_venvs_summarizer(world, root / "b")
    assert first_night(world, root / "b", PIP_EXTRA_INDEX_URL=index) == f"summarizer-arxiv=={__version__}"
    # 3. installed from its git repository at a commit: init names that repository at that commit
    commit = subprocess.run(["git", "-C", str(root / "bare.git"), "rev-parse", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()
    sh(world, "python -m pip uninstall -q -y summarizer-arxiv", root)
    got = sh(world, f'python -m pip install -q --no-deps "summarizer-arxiv @ git+{ORIGIN}@{commit}"', root)
    assert got.returncode == 0, got.stderr
    init_with_the_venvs_summarizer(world, root / "c")
    spec = first_night(world, root / "c")
    assert spec == f"summarizer-arxiv @ git+{ORIGIN}@{commit}" and len(commit) == 40
    for repo in ("a", "b", "c"):  # nothing of this machine in any scaffold
        text = (root / repo / ".github" / "workflows" / "nightly.yml").read_text()
        assert "file://" not in text and str(root) not in text and str(ROOT) not in text
