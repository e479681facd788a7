"""Stage "deliver": the day's digest to every `[[deliver]]` channel once, and what earlier runs owe.

Runs after the site is published, so the message's links lead somewhere. Without channels, or
when the caller turned delivery off (the scaffolded workflow delivers after its Pages deploy),
nothing happens.
"""

from __future__ import annotations

from summarizer.jobs.day_run import DayState, Run
from summarizer.jobs.deliver import deliver_in_thread, owed_days


async def deliver(run: Run, state: DayState) -> DayState:
    if not run.params.deliver or not run.settings.deliver:
        return state
    days = owed_days(run.settings, run.day) + [run.day.isoformat()]
    run.report.delivery = await deliver_in_thread(run.settings, days)
    run.write_report()
    return state
