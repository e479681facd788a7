"""The edges a job talks through, passed in: HTTP clients, sleep, clocks, progress, the stop signal.

Tests and the demo pass their own; nothing below the face opens a client or reads a clock by itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from summarizer.jobs.report import Progress

Sleep = Callable[[float], Awaitable[None]]


@dataclass
class Services:
    """The edges a job talks through; tests and the demo pass their own."""

    arxiv_http: httpx.AsyncClient
    llm_http: httpx.AsyncClient | None = None
    sleep: Sleep = asyncio.sleep
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    clock: Callable[[], float] = time.monotonic
    on_progress: Callable[[Progress], None] = lambda progress: None
    stop: asyncio.Event | None = None
    ssl_context: Any = None  # shared by the LLM client when it builds its own
