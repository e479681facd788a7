"""What a run shows while it works: plain lines for cron, a bar on a terminal, cost unknown said as such."""

from __future__ import annotations

import io
from contextlib import redirect_stderr

import pytest

from summarizer.edges.llm import RunUsage
from summarizer.face.progress import PlainProgress, RichProgress, line, make_progress
from summarizer.jobs.summaries import Progress


def test_a_line_says_where_the_run_stands() -> None:
    usage = RunUsage(requests=12, prompt_tokens=900, completion_tokens=300, cost_usd=0.0123)
    progress = Progress(fetched=38, done=9, cached=2, failed=1, fetching=True, usage=usage)
    assert line(progress) == "papers 10/38+ (cached 2, failed 1) requests 12 tokens 1200 $0.0123"
    progress.fetching, usage.cost_usd = False, None
    assert line(progress) == "papers 10/38 (cached 2, failed 1) requests 12 tokens 1200 cost unknown"


def test_plain_progress_is_throttled_and_prints_the_final_state() -> None:
    out = io.StringIO()
    with redirect_stderr(out):
        plain = PlainProgress(every=3600)
        for done in range(5):
            plain(Progress(fetched=5, done=done, usage=RunUsage()))
        plain.close(plain.last)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and lines[-1].startswith("papers 4/5+")


def test_a_terminal_gets_a_bar_and_cron_gets_lines(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    with redirect_stderr(out):
        assert make_progress(quiet=True) is None
        assert isinstance(make_progress(quiet=False), PlainProgress)  # stderr is not a terminal here
        bar = RichProgress()
        bar(Progress(fetched=3, done=1, usage=RunUsage(cost_usd=None)))
        bar.close(Progress(fetched=3, done=3, fetching=False, usage=RunUsage(cost_usd=None)))
    assert "cost unknown" in out.getvalue() and capsys.readouterr().out == ""  # stdout stays clean for pipes
