"""Where the running summarizer came from, and a wheel of it: what `init` puts in a deployment.

A scaffolded workflow must install exactly the version that wrote it. pip records where a
distribution came from (PEP 610's `direct_url.json`, absent for an index install); a local
folder or a local wheel means nothing to a runner on GitHub, so for those `init` writes the
wheel into the repository, built by pip from the folder or copied from the file.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from summarizer.core.errors import OutputError

DIST = "summarizer-arxiv"  # the distribution's name on the package index; the import package is `summarizer`


def installed_origin(dist: str = DIST) -> str | None:
    """The running distribution's direct_url.json (None: installed from an index, or not installed at all).

    A source checkout also holds the build's own metadata (summarizer_arxiv.egg-info), found first when the
    checkout is the working directory: the installed distribution is the one that says where it came from."""
    for found in metadata.distributions(name=dist):
        text = found.read_text("direct_url.json")
        if text:
            return text
    return None


def build_wheel(source: Path, into: Path) -> Path:
    """A wheel of the project in `source`, built by pip (with the build backend the project names) into `into`."""
    into.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", tmp,
                               str(source)], capture_output=True, text=True)
        wheels = sorted(Path(tmp).glob("*.whl"))
        if done.returncode != 0 or not wheels:
            last = (done.stderr.strip().splitlines() or ["no wheel was built"])[-1]
            raise OutputError(f"cannot build a wheel of {source} ({last[:200]}); pass --wheel FILE", path=str(source))
        return copy_wheel(wheels[0], into)


def copy_wheel(wheel: Path, into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    target = into / wheel.name
    if wheel.resolve() != target.resolve():
        shutil.copyfile(wheel, target)
    return target
