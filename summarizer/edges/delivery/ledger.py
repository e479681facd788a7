"""The delivery ledger: what each reader of each channel has had, written before every act.

Exactly once needs a state written before the act, so a run killed at any point leaves a ledger
that says what to do next. Each (day, channel, target) moves owed -> sending -> sent; a target is
one email recipient or one Apprise URL (kept as a hash: a URL holds a token, and no secret goes
into a cache entry). "owed" is written before the first attempt; "sending" just before the act
(for Apprise, with the number of pieces already taken); "sent" right after the server accepted
it. A run that finds "sending" cannot know whether the act happened (a process killed after the
server took the message, before the mark: RFC 1047's case), so it sends again: that is the one
at-least-once left, and the email's Message-ID stays the same so mail clients can thread or drop it.

Each target also remembers the first day it was delivered (`since`): a channel or a recipient
added later owes nothing from before it existed. Everything lives in `cache_dir/delivery`
(diskcache, never evicted); the lock (`cache_dir/delivery.lock`) is taken around the whole of
check, send and mark by `summarizer deliver` and by the nightly's deliver stage alike.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from summarizer.edges.storage.cache import SQLITE_LIMITS
from summarizer.edges.storage.run_lock import RunLock

State = Literal["owed", "sending", "sent"]
LOCK_NAME = "delivery.lock"


def email_target(address: str) -> str:
    return f"to:{address.strip().lower()}"


def url_target(url: str) -> str:
    """An Apprise URL by a hash of it: the ledger never holds the token inside."""
    return "url:" + hashlib.sha256(url.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Mark:
    state: State
    pieces: int = 0  # Apprise: pieces of the message the target already took


class Ledger:
    """(day, channel, target) -> Mark, and target -> the first day it was delivered."""

    def __init__(self, cache_dir: Path, clock: Callable[[], float] = time.time) -> None:
        import diskcache

        self._cache = diskcache.Cache(str(cache_dir / "delivery"), eviction_policy="none", **SQLITE_LIMITS)
        self._clock = clock

    @staticmethod
    def _key(day: str, channel: str, target: str) -> str:
        return f"state|{day}|{channel}|{target}"

    def mark(self, day: str, channel: str, target: str) -> Mark | None:
        found = self._cache.get(self._key(day, channel, target))
        if isinstance(found, dict):
            return Mark(state=found["state"], pieces=int(found.get("pieces", 0)))
        return self._legacy(day, channel)

    def _legacy(self, day: str, channel: str) -> Mark | None:
        """The first ledger kept one entry per (day, channel): sent for every target, or owed."""
        if f"sent:{day}|{channel}" in self._cache:
            return Mark(state="sent")
        if f"owed:{day}|{channel}" in self._cache:
            return Mark(state="owed")
        return None

    def is_sent(self, day: str, channel: str, target: str) -> bool:
        found = self.mark(day, channel, target)
        return found is not None and found.state == "sent"

    def set(self, day: str, channel: str, target: str, state: State, pieces: int = 0) -> None:
        self._cache.set(self._key(day, channel, target), {"state": state, "pieces": pieces, "at": self._clock()})

    def set_many(self, day: str, channel: str, targets: Iterable[str], state: State) -> None:
        """Several targets at once, in one transaction: one SMTP transaction's recipients are marked together."""
        with self._cache.transact():
            for target in targets:
                self.set(day, channel, target, state)

    def since(self, channel: str, target: str) -> str | None:
        found = self._cache.get(f"since|{channel}|{target}")
        return found if isinstance(found, str) else None

    def register(self, channel: str, target: str, day: str) -> str:
        """The first day `target` of `channel` is delivered; kept once set, returned."""
        known = self.since(channel, target)
        if known is None:
            earliest = self._legacy_first(channel)
            known = min(day, earliest) if earliest else day
            self._cache.set(f"since|{channel}|{target}", known)
        return known

    def _legacy_first(self, channel: str) -> str | None:
        days = [key.split(":", 1)[1].partition("|")[0] for key in self._cache.iterkeys()
                if isinstance(key, str) and key.startswith(("sent:", "owed:")) and key.endswith(f"|{channel}")]
        return min(days) if days else None

    def generation(self, day: str, channel: str) -> int:
        """How many times `deliver --resend` sent the day again: part of a resent message's Message-ID."""
        found = self._cache.get(f"resend|{day}|{channel}", 0)
        return int(found) if isinstance(found, int) else 0

    def bump_generation(self, day: str, channel: str) -> int:
        value = self.generation(day, channel) + 1
        self._cache.set(f"resend|{day}|{channel}", value)
        return value

    def close(self) -> None:
        self._cache.close()


def delivery_lock(cache_dir: Path, command: str, wait_seconds: float, stopped: Callable[[], bool],
                  sleep: Callable[[float], None] = time.sleep) -> RunLock:
    """The one lock around check, send and mark: a second delivery waits for the first, then finds it done."""
    return RunLock(cache_dir, command, name=LOCK_NAME, wait_seconds=wait_seconds, stopped=stopped, sleep=sleep)
