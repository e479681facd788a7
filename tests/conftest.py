"""Shared test data: the sample digest and its entries."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from summarizer.core.digest.parser import parse_digest
from summarizer.core.models import Entry
from tests.network_guard import install

install()  # the suite cannot reach any non-loopback address

ROOT = Path(__file__).resolve().parents[1]
GUARD = ROOT / "tests" / "guard"  # on PYTHONPATH of every process the tests start: the same guard there


def process_env(**extra: str) -> dict[str, str]:
    """The environment of a `summarizer` process a test starts: no real key, the loopback guard loaded, and
    bytecode kept (where PYTHONDONTWRITEBYTECODE is set, each of the suite's hundreds of processes compiled
    every module of the checkout again: a tenth of a second each)."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "PYTHONDONTWRITEBYTECODE")}
    return env | {"PYTHONPATH": str(GUARD)} | extra
FIXTURES = ROOT / "fixtures"
SAMPLE = FIXTURES / "sample-digest.md"


@pytest.fixture(scope="session")
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def sample_entries(sample_text: str) -> list[Entry]:
    return parse_digest(sample_text)


# The longest files first among files of as many tests: pytest-xdist (3.5 and later) hands out the files with
# the most tests first and keeps collection order only among equals, so the two longest, one test each, go
# before the other one-test files. Handing all of these out first (--no-loadscope-reorder) was no faster
# (2026-12-05: 181 s and 201 s against 158 s between them).
SLOW_FIRST = ("test_mornings.py", "test_install.py", "test_render.py", "test_cli_batch.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: n for n, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FIRST)))


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout built as a wheel, once for the whole run: the workers share it (under a lock)."""
    import fcntl
    import subprocess
    import sys

    shared = tmp_path_factory.getbasetemp().parent / "wheel"
    shared.mkdir(exist_ok=True)
    with open(shared / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = sorted(shared.glob("*.whl"))
        if not found:
            subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(shared), str(ROOT)],
                           check=True, capture_output=True)
            found = sorted(shared.glob("*.whl"))
    return found[0]
