"""A reader's own model: a linear classifier trained at each run on what the reader liked and did not.

arxiv-sanity-lite has ranked this way since 2021 (TF-IDF, a LinearSVC with the profile as positives
and everything else as negatives), and on the developers' set it beat our centroid formula
(`benchmarks/bench_rank.py --learned`, README). Here each paper is its TF-IDF terms (1-2 grams), its
embedding and its authors side by side, so the words, the meaning and the people weigh.

Positives are the profile's papers and likes. Negatives are the reader's dislikes, background papers of
recent days and the day's own papers. The background is unlabelled, not disliked: some of it is the
reader's topic, so the model is trained twice, the second time without the share of background the
first model liked most (positive-unlabelled learning's usual remedy); a dislike is never in that cut.
With too few positives there is nothing to learn from (`None`): the caller keeps the centroid.
Beside each day paper's value the model names the terms and authors that weighed most for it (its TF-IDF
weight times the model's coefficient), so a reason says what the reader's model saw, not merely what words
two papers happen to share. The embedding weighs too, but has nothing to name.
Pure: texts and vectors in, decision values and terms out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from summarizer.core.ranking import TERMS

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix
    from sklearn.svm import LinearSVC

MIN_POSITIVES = 5  # fewer liked papers than this: the centroid formula ranks (a cold start)
C = 0.03  # measured on the developers' set: 0.01 (arxiv-sanity's) to 0.1 all within 0.01 nDCG@20
DOUBTFUL = 0.1  # the share of background dropped from the second fit


@dataclass(frozen=True)
class Examples:
    """Papers as the model sees them: texts, unit embedding rows (or none: words only), authors."""

    texts: Sequence[str]
    vectors: np.ndarray | None = None
    authors: Sequence[Sequence[str]] = field(default_factory=tuple)

    def __len__(self) -> int:
        return len(self.texts)


@dataclass(frozen=True)
class Learned:
    """The day's decision values (higher: more the reader's) and each paper's terms or authors that weighed most,
    best first."""

    values: np.ndarray
    terms: tuple[tuple[str, ...], ...]


def _authors(examples: Examples) -> list[Sequence[str]]:
    return list(examples.authors) if len(examples.authors) == len(examples) else [() for _ in examples.texts]


def _person(name: str) -> str:
    """An author as the model counts them: one column per name, whatever its case or spacing at the ends."""
    return name.strip().lower()


def _features(sets: Sequence[Examples]) -> tuple[csr_matrix, np.ndarray]:
    """TF-IDF terms, the embedding and the authors, side by side, for the sets in order; and each column's name: its
    term, or an author as first spelled, or "" for the embedding's columns."""
    # scikit-learn and SciPy load here, not at import: they take most of a second, and a nightly run without
    # five liked papers never trains
    from scipy.sparse import csr_matrix, hstack, spmatrix
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [t for s in sets for t in s.texts]
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_df=0.5, max_features=20_000,
                            stop_words="english", dtype=np.float32)
    parts: list[spmatrix] = [words.fit_transform(texts)]
    names = [words.get_feature_names_out()]
    if all(s.vectors is not None and len(s.vectors) == len(s) for s in sets if len(s)):
        parts.append(csr_matrix(np.vstack([s.vectors for s in sets if len(s) and s.vectors is not None])))
        names.append(np.full(parts[-1].shape[1], "", dtype=object))
    people = [a for s in sets for a in _authors(s)]
    if any(people):
        named = TfidfVectorizer(analyzer=lambda paper: [_person(n) for n in paper], min_df=2, dtype=np.float32)
        try:
            parts.append(named.fit_transform(people))
        except ValueError:  # nobody appears twice: no author column
            pass
        else:
            spelled: dict[str, str] = {}
            for name in (n for paper in people for n in paper):
                spelled.setdefault(_person(name), name.strip())
            names.append(np.array([spelled[n] for n in named.get_feature_names_out()], dtype=object))
    return hstack(parts).tocsr(), np.concatenate(names)


def learned_scores(day: Examples, liked: Examples, disliked: Examples, background: Examples) -> Learned | None:
    """Each day paper's decision value and the terms that weighed most for it; None on a cold start."""
    if len(liked) < MIN_POSITIVES or not len(day):
        return None
    sets = [liked, disliked, background, day]
    features, names = _features(sets)
    sizes = np.cumsum([0, *(len(s) for s in sets)])
    labels = (np.arange(sizes[-1]) < sizes[1]).astype(int)  # the day's papers are negatives too, as arxiv-sanity's

    from sklearn.svm import LinearSVC

    def fit(rows: np.ndarray) -> LinearSVC:
        # Seeded: liblinear visits the examples in a random order, and the same day must score the same twice.
        return LinearSVC(C=C, class_weight="balanced", max_iter=5_000, random_state=0).fit(features[rows],
                                                                                          labels[rows])

    every = np.arange(sizes[-1])
    model = fit(every)
    unlabelled = np.arange(sizes[2], sizes[3])
    if len(unlabelled):
        values = np.asarray(model.decision_function(features[unlabelled]))
        kept = unlabelled[values <= np.quantile(values, 1 - DOUBTFUL)]
        model = fit(np.r_[every[:sizes[2]], kept, every[sizes[3]:]])
    today = features[sizes[3]:]
    shown = np.flatnonzero(names != "")
    return Learned(values=np.asarray(model.decision_function(today)),
                   terms=weighed_most(today[:, shown].tocsr(), np.ravel(model.coef_)[shown], names[shown]))


def weighed_most(rows: csr_matrix, weights: np.ndarray, names: np.ndarray,
                 k: int = TERMS) -> tuple[tuple[str, ...], ...]:
    """Each row's terms by what they added to its value (TF-IDF weight times coefficient), only those that added,
    best first. A term sharing a word with one already named is skipped: "reinforcement learning", then not
    "learning" again."""
    named = []
    for row in range(rows.shape[0]):
        cols = rows.indices[rows.indptr[row]:rows.indptr[row + 1]]
        gains = rows.data[rows.indptr[row]:rows.indptr[row + 1]] * weights[cols]
        chosen: list[str] = []
        for j in np.argsort(-gains, kind="stable"):
            if gains[j] <= 0 or len(chosen) == k:
                break
            term = str(names[cols[j]])
            if not any(set(term.split()) & set(c.split()) for c in chosen):
                chosen.append(term)
        named.append(tuple(chosen))
    return tuple(named)
