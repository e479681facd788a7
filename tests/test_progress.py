"""What a run shows while it works: plain lines for cron, a bar on a terminal, cost unknown said as such."""

from __future__ import annotations

import io
from contextlib import redirect_stderr

import pytest

from summarizer.edges.llm.client import RunUsage
from summarizer.face.progress import PlainProgress, RichProgress, Throttle, line, make_progress
from summarizer.jobs.report import Progress


def test_a_line_says_where_the_run_stands() -> None:
    usage = RunUsage(requests=12, prompt_tokens=900, completion_tokens=300, cost_usd=0.0123)
    progress = Progress(fetched=38, done=9, cached=2, failed=1, fetching=True, usage=usage)
    assert line(progress) == "papers 10/38+ (cached 2, failed 1) requests 12 tokens 1200 $0.0123"
    progress.fetching, usage.cost_usd = False, None
    assert line(progress) == "papers 10/38 (cached 2, failed 1) requests 12 tokens 1200 cost unknown"


@pytest.mark.parametrize("boot", [0.0, 5.0, 1e6])  # a monotonic clock counts from boot: just booted, or long up
def test_plain_progress_is_throttled_and_prints_the_final_state(boot: float) -> None:
    # The first line never printed while the machine's uptime was below the interval (issue 16, item 1).
    now = [boot]
    out = io.StringIO()
    with redirect_stderr(out):
        plain = PlainProgress(every=10, clock=lambda: now[0])
        for done in range(5):
            plain(Progress(fetched=5, done=done, usage=RunUsage()))
            now[0] += 1
        now[0] += 10
        plain(Progress(fetched=5, done=5, usage=RunUsage()))
        plain.close(plain.last)
    lines = out.getvalue().splitlines()
    assert [ln.split(" (")[0] for ln in lines] == ["papers 0/5+", "papers 5/5+", "papers 5/5+"]


@pytest.mark.parametrize("boot", [0.0, 1e6])
def test_the_batch_and_backfill_status_lines_show_their_first_state_at_once(
        boot: float, capsys: pytest.CaptureFixture[str]) -> None:
    from types import SimpleNamespace

    from summarizer.face.commands.batch_args import batch_status_printer

    now = [boot]
    show = batch_status_printer(SimpleNamespace(quiet=False), every=30, clock=lambda: now[0])
    batch = SimpleNamespace(id="batch_1", status="in_progress", request_counts=None)
    show([batch])
    now[0] += 1
    show([batch])  # throttled
    batch.status = "completed"
    show([batch])  # an ending is always shown
    assert capsys.readouterr().err.splitlines() == ["batch batch_1: in_progress", "batch batch_1: completed"]


def test_a_throttle_is_due_at_once_then_every_interval() -> None:
    now = [3.0]
    throttle = Throttle(10, clock=lambda: now[0])
    seen = []
    for _ in range(25):
        seen.append(throttle.due())
        now[0] += 1
    assert [i for i, d in enumerate(seen) if d] == [0, 10, 20]


def test_a_terminal_gets_a_bar_and_cron_gets_lines(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    with redirect_stderr(out):
        assert make_progress(quiet=True) is None
        assert isinstance(make_progress(quiet=False), PlainProgress)  # stderr is not a terminal here
        bar = RichProgress()
        bar(Progress(fetched=3, done=1, usage=RunUsage(cost_usd=None)))
        bar.close(Progress(fetched=3, done=3, fetching=False, usage=RunUsage(cost_usd=None)))
    assert "cost unknown" in out.getvalue() and capsys.readouterr().out == ""  # stdout stays clean for pipes
