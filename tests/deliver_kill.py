"""A delivery that dies between two steps, for tests/test_delivery_once.py.

`python -m tests.deliver_kill CONFIG N before|after` runs `deliver_days` on CONFIG's channels with a
ledger that SIGKILLs this process before (or after) its Nth write: the ledger's writes are the steps
of exactly-once (owed, sending, then the act, then sent), so each N stops the run between two of them.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from summarizer.edges.delivery.ledger import Ledger, State
from summarizer.face.config import load_settings
from summarizer.jobs.deploy.deliver import deliver_days


def dying(at: int, when: str) -> Callable[[Path, Callable[[], float]], Ledger]:
    class Dying(Ledger):
        writes = 0

        def set_many(self, day: str, channel: str, targets: Iterable[str], state: State) -> None:
            type(self).writes += 1
            if type(self).writes == at and when == "before":
                os.kill(os.getpid(), signal.SIGKILL)
            super().set_many(day, channel, targets, state)
            if type(self).writes == at and when == "after":
                os.kill(os.getpid(), signal.SIGKILL)

    return Dying


if __name__ == "__main__":
    config, at, when = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    deliver_days(load_settings(config), ledger_type=dying(at, when))
