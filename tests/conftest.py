"""Shared test data: the sample digest and its entries."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from summarizer.core.digest_parser import parse_digest
from summarizer.core.models import Entry
from tests.network_guard import install

install()  # the suite cannot reach any non-loopback address

ROOT = Path(__file__).resolve().parents[1]
GUARD = ROOT / "tests" / "guard"  # on PYTHONPATH of every process the tests start: the same guard there


def process_env(**extra: str) -> dict[str, str]:
    """The environment of a `summarizer` process a test starts: no real key, the loopback guard loaded."""
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    return env | {"PYTHONPATH": str(GUARD)} | extra
FIXTURES = ROOT / "fixtures"
SAMPLE = FIXTURES / "sample-digest.md"


@pytest.fixture(scope="session")
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def sample_entries(sample_text: str) -> list[Entry]:
    return parse_digest(sample_text)
