"""A reader's own model: a linear classifier trained at each run on what the reader liked and what they did not.

Issue 23's learned ranker as measured by `bench_rank.py --learned`, before it is wired into `rank`
(it moves to the core when it is: a pure function over texts and vectors).

Positives are the profile's papers (and likes); negatives are the reader's dislikes and background
papers (recent days', and the day's own, as arxiv-sanity-lite trains). Each paper is its TF-IDF
terms (1-2 grams) and its embedding side by side, so both the words and the meaning weigh. With too
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


def _stack(tfidf: object, vectors: np.ndarray | None, weight: float) -> object:
    from scipy.sparse import csr_matrix, hstack

    return tfidf if vectors is None else hstack([tfidf, csr_matrix(vectors * weight)]).tocsr()


def learned_scores(day: Examples, positives: Examples, negatives: Examples, *, c: float = 0.1,
                   embedding_weight: float = 1.0) -> np.ndarray | None:
    """Each day paper's decision value (higher: more the reader's); None on a cold start."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    if len(positives.texts) < MIN_POSITIVES or not len(negatives.texts) or not len(day.texts):
        return None
    texts = [*positives.texts, *negatives.texts, *day.texts]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_df=0.5, max_features=20_000,
                                 stop_words="english", dtype=np.float32)
    terms = vectorizer.fit_transform(texts)
    n_pos, n_neg = len(positives.texts), len(negatives.texts)
    vectors = None
    if positives.vectors is not None and negatives.vectors is not None and day.vectors is not None:
        vectors = np.vstack([positives.vectors, negatives.vectors, day.vectors])
    features = _stack(terms, vectors, embedding_weight)
    labels = np.r_[np.ones(n_pos), np.zeros(n_neg + len(day.texts))]  # the day's papers too, as arxiv-sanity does
    model = LinearSVC(C=c, class_weight="balanced", max_iter=5_000)
    model.fit(features, labels)  # type: ignore[arg-type]
    return np.asarray(model.decision_function(features[n_pos + n_neg:]))  # type: ignore[index]
