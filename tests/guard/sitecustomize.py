"""Loaded by every Python process the end-to-end tests start: the same loopback-only guard as the suite."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.network_guard import install  # noqa: E402

install()
