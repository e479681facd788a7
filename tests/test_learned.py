"""The reader's learned model: trained on likes against dislikes and the usual day, on real papers."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy.sparse import csr_matrix

from summarizer.core.learned import MIN_POSITIVES, Examples, Learned, learned_scores, weighed_most
from summarizer.core.models import Entry, Paper, paper_from_record
from summarizer.core.ranking import ProfileItem, Relevance, paper_text, rank, recency_weights
from summarizer.core.settings import EmbeddingSettings, LLMSettings, PathSettings, Settings
from summarizer.edges.storage.store import write_records
from summarizer.jobs.rank.day import BACKGROUND, _on_scale, background_of, recent_background, relevance_of
from tests.conftest import ROOT

DAE = ROOT / "fixtures" / "dae"


def day_of(name: str) -> list[Paper]:
    return [paper_from_record(json.loads(line)) for line in (DAE / name).read_text().splitlines()]


def examples(papers: list[Paper]) -> Examples:
    return Examples([paper_text(p) for p in papers], None, [p.authors for p in papers])


def test_fewer_liked_papers_than_the_minimum_is_a_cold_start() -> None:
    day = day_of("2026-05-21_AI_enhanced_Chinese.jsonl")
    liked = examples(day[: MIN_POSITIVES - 1])
    assert learned_scores(examples(day), liked, examples([]), examples([])) is None
    assert learned_scores(examples(day), examples(day[:MIN_POSITIVES]), examples([]), examples([])) is not None


def test_a_reader_of_one_category_gets_that_category_on_top_of_a_later_day() -> None:
    # the reader liked ten papers of the earlier day's most common secondary field; the later real day is ranked
    earlier, later = day_of("2025-12-25_AI_enhanced_Chinese.jsonl"), day_of("2026-05-21_AI_enhanced_Chinese.jsonl")
    topic = "cs.CL"
    liked = [p for p in earlier if topic in p.categories][:10]
    background = [p for p in earlier if p not in liked]
    learned = learned_scores(examples(later), examples(liked), examples([]), examples(background))
    assert learned is not None and len(learned.values) == len(learned.terms) == len(later)
    scores = learned.values
    top = [later[i] for i in np.argsort(-scores, kind="stable")[:20]]
    share = sum(topic in p.categories for p in later) / len(later)
    assert sum(topic in p.categories for p in top) / 20 >= 2 * share  # at least twice the day's own share


def test_a_disliked_paper_weighs_against_its_like_and_is_never_dropped_as_doubtful() -> None:
    earlier, later = day_of("2025-12-25_AI_enhanced_Chinese.jsonl"), day_of("2026-05-21_AI_enhanced_Chinese.jsonl")
    liked = [p for p in earlier if "cs.CL" in p.categories][:10]
    near = [p for p in later if "cs.CL" in p.categories][:6]  # what the reader says "not for me" to
    rest = [p for p in later if p not in near]
    plain_model = learned_scores(examples(rest), examples(liked), examples([]), examples(near))
    disliked_model = learned_scores(examples(rest), examples(liked), examples(near), examples([]))
    assert plain_model is not None and disliked_model is not None
    plain, disliked = plain_model.values, disliked_model.values
    like_them = np.argsort(-(np.array([[len(set(paper_text(a).split()) & set(paper_text(b).split()))
                                        for b in near] for a in rest]).max(axis=1)))[:10]
    # the papers most like the disliked ones fall against the rest of the day
    assert np.mean(disliked[like_them] - disliked.mean()) < np.mean(plain[like_them] - plain.mean())


def test_learned_values_are_put_on_the_centroids_scale() -> None:
    centroid = Relevance(score=np.array([0.1, 0.2, 0.3, 0.4]), nearest=np.array([0, 1, 0, 1]))
    moved = _on_scale(Learned(np.array([-2.0, 1.0, 0.5, 3.0]), (("a",), (), ("b", "c"), ("d",))), centroid)
    assert np.isclose(moved.score.mean(), 0.25) and np.isclose(moved.score.std(), centroid.score.std())
    assert list(np.argsort(moved.score)) == [0, 2, 1, 3] and list(moved.nearest) == [0, 1, 0, 1]
    assert moved.terms == (("a",), (), ("b", "c"), ("d",))
    assert _on_scale(None, centroid) is centroid


def test_the_background_is_the_latest_earlier_days_of_the_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    days = {"2025-12-24": day_of("2025-12-25_AI_enhanced_Chinese.jsonl"),
            "2026-05-20": day_of("2026-05-21_AI_enhanced_Chinese.jsonl")}
    for day, papers in days.items():
        write_records(out / f"{day}.jsonl", [Entry(paper=p, summary=None, day=day) for p in papers])
    (out / "2026-05-19.jsonl").write_text("{not json\n")  # a damaged day is skipped, never a crash
    settings = Settings(llm=LLMSettings(model="m"), paths=PathSettings(cache_dir=str(tmp_path), output_dir=str(out)))
    liked = [ProfileItem(title=p.title, text=paper_text(p)) for p in days["2026-05-20"][:3]]
    found = background_of(settings, date(2026, 5, 21), liked)
    newest = [p.id for p in days["2026-05-20"][3:]]
    assert [p.id for p in found][: len(newest)] == newest  # newest day first, the liked ones left out
    assert len(found) == min(BACKGROUND, len(days["2026-05-20"]) - 3 + len(days["2025-12-24"]))
    assert background_of(settings, date(2026, 5, 20), liked) == [p for p in found if p.id not in newest]


def test_a_listing_repeated_on_later_days_counts_once_in_the_background() -> None:
    # daily-arXiv-ai-enhanced's Saturday and Sunday repeat Friday's listing: read as three days, Friday's
    # papers weighed three times against the reader's likes and crowded out the days before
    friday, thursday = day_of("2026-05-21_AI_enhanced_Chinese.jsonl"), day_of("2025-12-25_AI_enhanced_Chinese.jsonl")
    liked = [ProfileItem(title=p.title, text=paper_text(p)) for p in thursday[:2]]
    today = friday[:4]
    found = recent_background([friday, friday, thursday], liked, today)
    ids = [p.id for p in found]
    assert len(ids) == len(set(ids))
    assert ids == [p.id for p in friday[4:] + thursday[2:]][:BACKGROUND]
    assert recent_background([friday, thursday], liked, today) == found


def a_reader_of_cs_cl(tmp_path: Path) -> tuple[list[Paper], list[Paper], list[ProfileItem], Settings, np.ndarray]:
    """An earlier and a later real day, a few liked cs.CL papers of the earlier one, the lexical backend."""
    earlier, later = day_of("2025-12-25_AI_enhanced_Chinese.jsonl"), day_of("2026-05-21_AI_enhanced_Chinese.jsonl")
    liked = [p for p in earlier if "cs.CL" in p.categories][:MIN_POSITIVES + 3]
    items = [ProfileItem(title=p.title, text=paper_text(p), authors=tuple(p.authors)) for p in liked]
    settings = Settings(llm=LLMSettings(model="m"), paths=PathSettings(cache_dir=str(tmp_path)),
                        embedding=EmbeddingSettings(backend="bm25"))
    return earlier, later, items, settings, recency_weights(items, date(2026, 5, 21), 365.0)


def test_with_enough_likes_the_learned_model_ranks_and_reasons_stay_the_liked_papers(tmp_path: Path) -> None:
    earlier, later, items, settings, weights = a_reader_of_cs_cl(tmp_path)
    liked = {it.title for it in items}
    learned = relevance_of(settings, tmp_path, later, items, weights, background=earlier)
    centroid = relevance_of(settings, tmp_path, later, items[: MIN_POSITIVES - 1], weights[: MIN_POSITIVES - 1])
    assert not np.allclose(np.argsort(learned.score), np.argsort(centroid.score))
    ranked = rank(later, items, learned, [], [])
    assert all(r.why.startswith("like: ") and r.why[6:].split(" · ")[0] in liked
               for r in ranked)


def test_a_paper_of_the_day_is_never_its_own_background(tmp_path: Path) -> None:
    # daily-arXiv-ai-enhanced's Saturday and Sunday repeat Friday's listing: the days before hold the day itself
    earlier, later, items, settings, weights = a_reader_of_cs_cl(tmp_path)
    plain = relevance_of(settings, tmp_path, later, items, weights, background=earlier)
    repeated = relevance_of(settings, tmp_path, later, items, weights, background=later + earlier)
    assert np.allclose(plain.score, repeated.score, atol=1e-6)


def test_the_same_day_ranked_twice_scores_the_same(tmp_path: Path) -> None:
    # liblinear visits the examples in a random order: unseeded, two runs differed by about 1e-6, enough to
    # swap two papers of (nearly) equal score in a digest written again
    earlier, later, items, settings, weights = a_reader_of_cs_cl(tmp_path)
    first, second = (relevance_of(settings, tmp_path, later, items, weights, background=earlier) for _ in range(2))
    assert np.array_equal(first.score, second.score)


def test_a_learned_reason_names_terms_of_the_paper_that_the_readers_model_weighs(tmp_path: Path) -> None:
    earlier, later, items, settings, weights = a_reader_of_cs_cl(tmp_path)
    relevance = relevance_of(settings, tmp_path, later, items, weights, background=earlier)
    assert relevance.terms is not None and len(relevance.terms) == len(later)
    ranked = rank(later, items, relevance, [], [])
    by_id = {p.id: p for p in later}
    named = 0
    for r in ranked:
        terms = r.why.partition(" · ")[2]
        words = set(re.findall(r"\w\w+", paper_text(by_id[r.id]).lower()))
        for term in terms.split(", ") if terms else []:
            named += 1
            # the reader can find it in the paper: in its text, or among its authors
            assert set(term.split()) <= words or term.lower() in {a.lower() for a in by_id[r.id].authors}, (r.id, term)
    assert named > len(later)  # most papers get two terms
    # what weighed most for the reader of cs.CL across the day's top 20 is about language models, not the words
    # two papers happen to share
    top = [term for r in ranked[:20] for term in r.why.partition(" · ")[2].split(", ")]
    assert "llms" in top


def test_an_author_of_several_liked_papers_is_named_in_the_reason_as_the_likes_spell_it() -> None:
    # a reader who liked five papers co-written by one person: a paper of theirs on the later day, far from the
    # reader's topic, is lifted by that name, and its reason says so
    earlier, later = day_of("2025-12-25_AI_enhanced_Chinese.jsonl"), day_of("2026-05-21_AI_enhanced_Chinese.jsonl")
    theirs = next(p for p in later if "cs.CL" not in p.categories and len(p.authors) > 1)
    person = theirs.authors[-1]
    chosen = [p for p in earlier if "cs.CL" in p.categories][:10]
    background = [p for p in earlier if p not in chosen]
    liked = [p.model_copy(update={"authors": [*p.authors, person.upper()]}) if i < 5 else p
             for i, p in enumerate(chosen)]
    learned = learned_scores(examples(later), examples(liked), examples([]), examples(background))
    assert learned is not None
    assert person.upper() in learned.terms[later.index(theirs)]
    for paper, terms in zip(later, learned.terms, strict=True):
        assert person.upper() not in terms or person in paper.authors  # named only on a paper of theirs


@st.composite
def scored_rows(draw: st.DrawFn) -> tuple[csr_matrix, np.ndarray, np.ndarray]:
    vocabulary = ["graph", "neural", "graph neural", "retrieval", "dense retrieval", "dense", "robot", "robot arm"]
    rows = draw(st.lists(st.lists(st.floats(0.0, 1.0), min_size=len(vocabulary), max_size=len(vocabulary)),
                         min_size=1, max_size=4))
    weights = draw(st.lists(st.floats(-2.0, 2.0), min_size=len(vocabulary), max_size=len(vocabulary)))
    return csr_matrix(np.array(rows, dtype=np.float32)), np.array(weights), np.array(vocabulary)


@given(scored_rows(), st.integers(1, 3))
def test_the_terms_named_are_the_ones_that_added_most_each_new_in_its_words(
        case: tuple[csr_matrix, np.ndarray, np.ndarray], k: int) -> None:
    rows, weights, names = case
    dense = rows.toarray()
    for row, chosen in zip(dense, weighed_most(rows, weights, names, k), strict=True):
        gain = {str(n): float(x * w) for n, x, w in zip(names, row, weights, strict=True)}
        assert len(chosen) <= k and all(gain[t] > 0 for t in chosen)
        assert [gain[t] for t in chosen] == sorted((gain[t] for t in chosen), reverse=True)
        assert all(not set(a.split()) & set(b.split()) for i, a in enumerate(chosen) for b in chosen[i + 1:])
        # every term left out that added more than the last one named repeats a word of a term named before it
        floor = gain[chosen[-1]] if len(chosen) == k else 0.0
        for term, value in gain.items():
            if term not in chosen and value > floor:
                assert any(set(term.split()) & set(c.split()) for c in chosen if gain[c] >= value), term
