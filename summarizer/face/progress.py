"""What a run shows while it works: a progress bar on a terminal, plain lines for cron and CI."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from summarizer.face.runner import money
from summarizer.jobs.report import Progress


class Throttle:
    """At most one "yes" every `every` seconds, the first one at once.

    The first call is always due: a monotonic clock counts from boot, so a "last shown at 0"
    start kept a job started within `every` seconds of boot silent until its end.
    """

    def __init__(self, every: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self._clock = clock
        self._last: float | None = None

    def due(self, force: bool = False) -> bool:
        now = self._clock()
        if force or self._last is None or now - self._last >= self.every:
            self._last = now
            return True
        return False


class PlainProgress:
    """One log line at most every `every` seconds (the first at once, and one at the end): readable in a cron mail."""

    def __init__(self, every: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._throttle = Throttle(every, clock)
        self.last: Progress | None = None

    def __call__(self, p: Progress) -> None:
        self.last = p
        if self._throttle.due():
            print(line(p), file=sys.stderr, flush=True)

    def close(self, p: Progress | None) -> None:
        if p is not None:
            print(line(p), file=sys.stderr, flush=True)


def line(p: Progress) -> str:
    u = p.usage
    total = f"{p.fetched}" + ("+" if p.fetching else "")
    return (f"papers {p.done + p.failed}/{total} (cached {p.cached}, failed {p.failed}) "
            f"requests {u.requests} tokens {u.prompt_tokens + u.completion_tokens} {money(u.cost_usd)}")


class RichProgress:
    """A live bar: papers done of those fetched so far, with tokens and cost."""

    def __init__(self) -> None:
        from rich import progress as rp
        from rich.console import Console

        # stderr: stdout carries what a command prints for pipes (`paper`, `render --out -`).
        self._bar = rp.Progress(rp.TextColumn("summarizing"), rp.BarColumn(), rp.MofNCompleteColumn(),
                                rp.TextColumn("{task.fields[info]}"), rp.TimeElapsedColumn(), transient=False,
                                console=Console(stderr=True))
        self._task: Any = self._bar.add_task("papers", total=None, info="")
        self._bar.start()
        self.last: Progress | None = None

    def __call__(self, p: Progress) -> None:
        self.last = p
        u = p.usage
        info = (f"cached {p.cached} failed {p.failed} tokens {u.prompt_tokens + u.completion_tokens} "
                f"{money(u.cost_usd)}")
        self._bar.update(self._task, completed=p.done + p.failed, total=None if p.fetching else p.fetched, info=info)

    def close(self, p: Progress | None) -> None:
        if p is not None:
            self(p)  # the last state, now that fetching is over and the total is known
        self._bar.stop()


def make_progress(quiet: bool) -> Any:
    if quiet:
        return None
    return RichProgress() if sys.stderr.isatty() else PlainProgress()
