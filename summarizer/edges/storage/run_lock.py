"""One summary run at a time per cache: a lock file beside the cache, released by the kernel on exit.

Two overlapping runs on one cache (a cron job and a hand-started one, two machines on a shared
folder) would each submit the same batch or ask for the same summaries, and pay twice. The lock
is `flock` on `cache_dir/run.lock`, so a run killed with SIGKILL leaves no stale lock; the file
says which process holds it, so the second run can say so.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from summarizer.core.errors import RunLocked

LOCK_NAME = "run.lock"


class RunLock:
    """`with RunLock(cache_dir, "nightly --date 2025-12-24"):` holds the cache's lock or raises `RunLocked`.

    `wait_seconds` > 0 waits that long for the holder to finish (polling, so `stopped` can end the wait): the
    delivery lock waits, since a second delivery finds everything sent once the first is done."""

    def __init__(self, cache_dir: Path, command: str, now: datetime | None = None, *, name: str = LOCK_NAME,
                 wait_seconds: float = 0.0, sleep: Callable[[float], None] = time.sleep,
                 stopped: Callable[[], bool] = lambda: False) -> None:
        self.path = cache_dir / name
        self.command = command
        self.now = now
        self.wait_seconds, self.sleep, self.stopped = wait_seconds, sleep, stopped
        self._fd: int | None = None

    def _acquire(self, fd: int) -> None:
        waited = 0.0
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if waited >= self.wait_seconds or self.stopped():
                    raise
            self.sleep(0.2)
            waited += 0.2

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            self._acquire(fd)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            held = self.path.parent if self.path.name == LOCK_NAME else self.path
            raise RunLocked(f"another summarizer run holds {held} ({holder}); wait for it to end, "
                            "it is not started twice", path=str(self.path)) from None
        except BaseException:
            os.close(fd)
            raise
        moment = (self.now or datetime.now(UTC)).replace(microsecond=0).isoformat()
        record = json.dumps({"pid": os.getpid(), "command": self.command, "since": moment}).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, record + b"\n", 0)
        self._fd = fd
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _read_holder(fd: int) -> str:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict) or "pid" not in data:
        return "a process that has not written its name yet"
    return f"pid {data['pid']}, `summarizer {data.get('command', '?')}`, since {data.get('since', '?')}"
