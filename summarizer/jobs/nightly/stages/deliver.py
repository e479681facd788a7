"""Stage "deliver": the day's digest to every `[[deliver]]` channel once, and what each channel owes.

Runs after the site is published, so the message's links lead somewhere. Without channels, or
when the caller turned delivery off (the scaffolded workflow delivers after its Pages deploy),
nothing happens. The delivery takes its own lock (the ledger's), so it never overlaps a
`summarizer deliver` started by hand, and the run's stop signal cuts it short within seconds.
"""

from __future__ import annotations

from summarizer.jobs.deploy.deliver import deliver_in_thread
from summarizer.jobs.nightly.day_run import DayState, Run


async def deliver(run: Run, state: DayState) -> DayState:
    if not run.params.deliver or not run.settings.deliver:
        return state
    run.report.delivery = await deliver_in_thread(run.settings, run.stop, newest=run.day.isoformat(),
                                                  command=run.params.command)
    run.write_report()
    return state
