"""A reader's profile files with the mistakes real exports have: each read right, or a one-line error."""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from pathlib import Path

import pytest

from summarizer.core.errors import ConfigError
from summarizer.core.models import Paper
from summarizer.core.ranking import excluded_by, keyword_hits
from summarizer.core.settings import ProfileSettings
from summarizer.edges.ranking.profile_sources import read_bibtex, read_csl_json
from summarizer.jobs.deploy.doctor import profile_checks

# A RIS export (Zotero, EndNote) as users save it: the format is real, the name says .bib
RIS = """TY  - JOUR
TI  - Dense Passage Retrieval for Open-Domain Question Answering
AU  - Karpukhin, Vladimir
PY  - 2020
ER  -
"""


@pytest.mark.parametrize(("issued", "expected"), [
    ({"date-parts": [[2021, 3, 4]]}, date(2021, 3, 1)),  # the spec's form
    ("2021-03-04", date(2021, 3, 1)),  # a string, as some exports write it
    ([[2021, 3]], date(2021, 3, 1)),  # the date parts without their wrapper
    ([2020], date(2020, 7, 1)),
    ({"raw": "2019/11"}, date(2019, 11, 1)),
    ({"literal": "Spring 2018"}, None),
    (None, None),
])
def test_csl_json_issued_in_any_form_gives_a_date(tmp_path: Path, issued: object, expected: date | None) -> None:
    path = tmp_path / "refs.json"
    path.write_text(json.dumps([{"title": "A paper", "issued": issued}]))
    assert [i.when for i in read_csl_json(path)] == [expected]


@pytest.mark.parametrize(("month", "expected"), [("jan", 1), ("{January}", 1), ("oct", 10), ("3", 3), (None, 7)])
def test_bibtex_month_names_are_months(tmp_path: Path, month: str | None, expected: int) -> None:
    path = tmp_path / "refs.bib"
    field = f",\n  month = {month}" if month else ""
    path.write_text(f"@article{{k,\n  title = {{A paper}},\n  year = {{2021}}{field}\n}}\n")
    assert [i.when for i in read_bibtex(path)] == [date(2021, expected, 1)]


def test_a_ris_file_named_bib_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "library.bib"
    path.write_text(RIS)
    with pytest.raises(ConfigError) as error:
        read_bibtex(path)
    assert str(path) in str(error.value) and "RIS" in str(error.value) and "\n" not in str(error.value)


def test_items_without_a_title_are_an_error_when_all_and_a_warning_when_some(tmp_path: Path,
                                                                           caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "refs.json"
    path.write_text(json.dumps([{"id": "a"}, {"title": ""}]))
    with pytest.raises(ConfigError, match="its 2 items have no title"):
        read_csl_json(path)
    path.write_text(json.dumps([{"id": "a"}, {"title": "Kept"}]))
    with caplog.at_level(logging.WARNING):
        assert [i.title for i in read_csl_json(path)] == ["Kept"]
    assert "1 of 2 items have no title" in caplog.text


def test_keywords_with_signs_match_as_written() -> None:
    unrelated = Paper(id="1", title="A note on sets", abstract="Copyright (c) the authors. We study sets.",
                      primary_category="math.LO", abs_url="https://arxiv.org/abs/1")
    related = Paper(id="2", title="Fuzzing C++ and C# compilers", abstract="We fuzz .NET and C++ code.",
                    primary_category="cs.SE", abs_url="https://arxiv.org/abs/2")
    assert excluded_by(unrelated, ["C++", "C#"]) is None
    assert keyword_hits(related, ["C++", "C#", ".NET", "compilers"]) == ["C++", "C#", ".NET", "compilers"]


def test_doctor_says_how_many_items_each_profile_file_gave(tmp_path: Path) -> None:
    good, ris = tmp_path / "refs.json", tmp_path / "library.bib"
    good.write_text(json.dumps([{"title": "One"}, {"title": "Two"}]))
    ris.write_text(RIS)
    checks = profile_checks(ProfileSettings(bibtex=[str(good), str(ris)]))
    assert [(c.ok, c.detail) for c in checks][0] == (True, f"{good}: 2 items")
    assert not checks[1].ok and "no profile item read" in checks[1].detail


@pytest.mark.parametrize("liked_count", [3, 8])
def test_disliked_papers_and_their_nearest_neighbours_leave_the_top_20(tmp_path: Path, liked_count: int) -> None:
    # a real day (daily-arXiv-ai-enhanced's 2026-05-21, 231 papers) ranked by BM25 for a reader of liked papers
    # about recommendation and retrieval (3: the centroid ranks; 8: the reader's learned model, trained on the
    # earlier fixture days as background); the reader then says "not for me" to the day's 5 best-ranked papers
    # of one category of the top 20
    import numpy as np

    from summarizer.core.models import paper_from_record
    from summarizer.core.ranking import ProfileItem, paper_text, rank, recency_weights
    from summarizer.core.settings import EmbeddingSettings, LLMSettings, PathSettings, Settings
    from summarizer.edges.ranking.embeddings import bm25_similarity
    from summarizer.jobs.rank.day import relevance_of
    from tests.conftest import ROOT

    day = [paper_from_record(json.loads(line)) for line in
           (ROOT / "fixtures" / "dae" / "2026-05-21_AI_enhanced_Chinese.jsonl").read_text().splitlines()]
    earlier = [paper_from_record(json.loads(line)) for name in ("2025-12-25", "2025-11-15", "2025-03-21")
               for line in (ROOT / "fixtures" / "dae" / f"{name}_AI_enhanced_Chinese.jsonl").read_text().splitlines()]
    about = [p for p in earlier if re.search("recommend|retriev", paper_text(p).lower())]
    liked = sorted(about, key=lambda p: "recommend" not in paper_text(p).lower())[:liked_count]  # recommending first
    background = [p for p in earlier if p not in liked]
    items = [ProfileItem(title=p.title, text=paper_text(p), authors=tuple(p.authors)) for p in liked]
    assert len(items) == liked_count
    settings = Settings(llm=LLMSettings(model="m"), paths=PathSettings(cache_dir=str(tmp_path)),
                        embedding=EmbeddingSettings(backend="bm25"))
    weights = recency_weights(items, date(2026, 5, 21), 365.0)

    def top20(disliked: list[ProfileItem]) -> list[str]:
        relevance = relevance_of(settings, tmp_path, day, items, weights, disliked, background)
        ranked = rank(day, items, relevance, [], [])
        assert not any(r.why.removeprefix("like: ").split(" · ")[0] in {d.title for d in disliked} for r in ranked)
        return [r.id for r in ranked[:20]]

    before = top20([])
    by_id = {p.id: p for p in day}
    category = max({by_id[i].primary_category for i in before},
                   key=lambda c: sum(by_id[i].primary_category == c for i in before))
    hated = [by_id[i] for i in before if by_id[i].primary_category == category][:5]
    texts = [paper_text(p) for p in day]
    sims = bm25_similarity(texts, [paper_text(p) for p in hated])
    for column in range(len(hated)):
        sims[[p.id for p in day].index(hated[column].id), column] = -1  # a paper is not its own neighbour
    neighbours = {day[int(np.argmax(sims[:, c]))].id for c in range(len(hated))}
    after = top20([ProfileItem(title=p.title, text=paper_text(p), disliked=True) for p in hated])
    assert len(hated) == 5 and not ({p.id for p in hated} | neighbours) & set(after)
    assert len(set(before) & set(after)) >= 10  # the rest of the reader's day stays (15 of 20 here)
