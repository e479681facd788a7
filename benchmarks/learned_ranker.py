"""A reader's own model: a linear classifier trained at each run on what the reader liked and what they did not.

Issue 23's learned ranker as measured by `bench_rank.py --learned`, before it is wired into `rank`
(it moves to the core when it is: a pure function over texts and vectors).

Positives are the profile's papers (and likes); negatives are the reader's dislikes and background
papers (recent days', and the day's own, as arxiv-sanity-lite trains). Each paper is its TF-IDF
terms (1-2 grams), its embedding and its authors side by side, so the words, the meaning and the
people weigh. With too
few positives there is nothing to learn from (`None`): the caller falls back to the centroid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MIN_POSITIVES = 5


@dataclass(frozen=True)
class Examples:
    texts: Sequence[str]
    vectors: np.ndarray | None  # unit rows, or None: words only
    authors: Sequence[Sequence[str]] = ()  # each paper's authors: a reader follows people as well as topics


def _stack(parts: list[object]) -> object:
    from scipy.sparse import csr_matrix, hstack

    return hstack([p if hasattr(p, "tocsr") else csr_matrix(p) for p in parts]).tocsr()


def _features(day: Examples, positives: Examples, negatives: Examples, embedding_weight: float,
              author_weight: float) -> object:
    """TF-IDF terms (1-2 grams), the embedding and (when given) the authors, side by side, for all three sets."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [*positives.texts, *negatives.texts, *day.texts]
    parts: list[object] = [TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_df=0.5,
                                           max_features=20_000, stop_words="english",
                                           dtype=np.float32).fit_transform(texts)]
    if positives.vectors is not None and negatives.vectors is not None and day.vectors is not None:
        parts.append(np.vstack([positives.vectors, negatives.vectors, day.vectors]) * embedding_weight)
    people = [*positives.authors, *negatives.authors, *day.authors]
    if author_weight and len(people) == len(texts):
        named = TfidfVectorizer(analyzer=lambda names: [n.strip().lower() for n in names], min_df=2,
                                dtype=np.float32)
        try:
            parts.append(named.fit_transform(people) * author_weight)
        except ValueError:  # nobody appears twice: no author column
            pass
    return _stack(parts)


def learned_scores(day: Examples, positives: Examples, negatives: Examples, *, c: float = 0.03,
                   embedding_weight: float = 1.0, author_weight: float = 1.0,
                   doubtful: float = 0.1) -> np.ndarray | None:
    """Each day paper's decision value (higher: more the reader's); None on a cold start.

    The background is unlabelled, not disliked: some of it is the reader's topic. So the model is
    trained twice, the second time without the `doubtful` share of negatives the first model liked
    most (positive-unlabelled learning's usual remedy). Not yet told apart: a dislike among those
    would be dropped too; wiring into `rank` keeps dislikes out of that cut.
    """
    from sklearn.svm import LinearSVC

    if len(positives.texts) < MIN_POSITIVES or not len(negatives.texts) or not len(day.texts):
        return None
    features = _features(day, positives, negatives, embedding_weight, author_weight)
    n_pos, n_neg = len(positives.texts), len(negatives.texts)
    rows = np.arange(n_pos + n_neg + len(day.texts))
    labels = (rows < n_pos).astype(float)  # the day's papers are negatives too, as arxiv-sanity trains

    def fit(keep: np.ndarray) -> LinearSVC:
        model = LinearSVC(C=c, class_weight="balanced", max_iter=5_000)
        return model.fit(features[keep], labels[keep])  # type: ignore[index]

    first = fit(rows)
    if doubtful:
        background = np.asarray(first.decision_function(features[n_pos:n_pos + n_neg]))  # type: ignore[index]
        cut = np.quantile(background, 1 - doubtful)
        keep = np.r_[rows[:n_pos], rows[n_pos:n_pos + n_neg][background <= cut], rows[n_pos + n_neg:]]
        first = fit(keep)
    return np.asarray(first.decision_function(features[n_pos + n_neg:]))  # type: ignore[index]
