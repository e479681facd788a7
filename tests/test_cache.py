"""What survives between runs: summaries (never evicted), digest history and the papers still to finish."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from summarizer.core.models import Entry
from summarizer.edges.cache import History, SummaryCache, summary_key


def test_summaries_are_never_evicted(tmp_path: Path, sample_entries: list[Entry]) -> None:
    cache = SummaryCache(tmp_path)
    # diskcache's default policy evicts past 1 GiB and would drop paid summaries (issue 10, item 9).
    assert cache._cache.eviction_policy == "none"  # noqa: SLF001 - the setting itself is what is promised
    key = summary_key(sample_entries[0].paper, "v1", "m", "Chinese")
    summary = sample_entries[0].summary
    assert summary is not None
    cache.put_summary(key, summary, "m", {"prompt_tokens": 1, "completion_tokens": 1})
    cache.close()
    again = SummaryCache(tmp_path)
    assert again.get_summary(key) == summary
    again.put(key, {"summary": {"tldr": 1}})  # written by something else: a miss, not a crash
    assert again.get_summary(key) is None
    again.close()


def test_history_holds_digests_and_the_papers_still_to_finish(tmp_path: Path) -> None:
    history = History(tmp_path)
    assert history._cache.eviction_policy == "none"  # noqa: SLF001
    assert history.earlier(date(2025, 12, 24)) is None  # a first run
    history.record(date(2025, 12, 23), ["a", "b"], pending=["c", "d"])
    history.add_pending(date(2025, 12, 22), ["e"])
    assert history.earlier(date(2025, 12, 24)) == {"a", "b"}
    assert history.pending() == {"c", "d", "e"}
    history.record(date(2025, 12, 24), ["c", "x"], pending=[])
    assert history.pending() == {"d", "e"}  # c was completed by a later digest
    history.close()
