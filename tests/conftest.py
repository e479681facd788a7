"""Shared test data: the sample digest and its entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.core.digest_parser import parse_digest
from summarizer.core.models import Entry

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SAMPLE = FIXTURES / "sample-digest.md"


@pytest.fixture(scope="session")
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def sample_entries(sample_text: str) -> list[Entry]:
    return parse_digest(sample_text)
