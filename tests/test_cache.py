"""What survives between runs: summaries (never evicted), digest history and the papers still to finish."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from summarizer.core.models import Entry
from summarizer.edges.storage.cache import History, SummaryCache, legacy_summary_key, summary_key


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


def test_the_summary_key_is_the_content_not_the_version(sample_entries: list[Entry]) -> None:
    # A v2 with an unchanged title and abstract was summarized again, and imported records without a version
    # never matched the cache (issue 16, item 9).
    paper = sample_entries[0].paper
    key = summary_key(paper, "v1", "m", "Chinese")
    assert summary_key(paper.model_copy(update={"version": 2}), "v1", "m", "Chinese") == key
    assert summary_key(paper.model_copy(update={"version": None}), "v1", "m", "Chinese") == key
    rewrapped = paper.model_copy(update={"abstract": paper.abstract.replace(" ", "\n", 3), "title": paper.title + " "})
    assert summary_key(rewrapped, "v1", "m", "Chinese") == key  # arXiv's line wrapping is not content
    changed = paper.model_copy(update={"abstract": paper.abstract + " We also release code."})
    others = [summary_key(changed, "v1", "m", "Chinese"), summary_key(paper, "v2", "m", "Chinese"),
              summary_key(paper, "v1", "m2", "Chinese"), summary_key(paper, "v1", "m", "English")]
    assert len({key, *others}) == 5


def test_a_summary_cached_under_the_old_key_is_found_and_moved(tmp_path: Path, sample_entries: list[Entry]) -> None:
    from summarizer.core.settings import LLMSettings, Settings
    from summarizer.jobs.services import Services
    from summarizer.jobs.summaries.summarizer import Summarizer

    settings = Settings(llm=LLMSettings(model="m", api_key="k"))
    cache = SummaryCache(tmp_path)
    summarizer = Summarizer(settings, Services(arxiv_http=None), cache)  # type: ignore[arg-type]
    paper, summary = sample_entries[0].paper.model_copy(update={"version": 1}), sample_entries[0].summary
    assert summary is not None
    old = legacy_summary_key(paper, summarizer.prompts.version, "m", settings.llm.language)
    cache.put_summary(old, summary, "m", {})
    assert summarizer.cached(paper) == summary
    assert cache.get_summary(summarizer.key(paper)) == summary  # moved: found directly from now on
    cache.close()
