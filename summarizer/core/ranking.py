"""A day's papers in order for one reader, each with a score and a reason the reader can check.

Pure functions over a similarity matrix (each paper against each profile item, from whichever
backend computed it) and the profile's keywords and authors. The score is the paper's best
recency-weighted similarity to a profile item, plus a bonus per keyword and for an author the
reader follows; the reason names what weighed most: `author: NAME`, `keyword: WORD`, or
`like: TITLE` (the nearest profile paper). A paper matching an excluded keyword is dropped
before anything is paid for it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from pydantic import BaseModel

from summarizer.core.models import Paper

KEYWORD_BONUS = 0.15  # per keyword found, at most two: a keyword is strong evidence, not the whole story
AUTHOR_BONUS = 0.3


@dataclass(frozen=True)
class ProfileItem:
    """A paper the reader cares about: its text is compared, its title is the reason shown."""

    title: str
    text: str
    when: date | None = None  # more recent items may weigh more


class Ranked(BaseModel):
    id: str
    score: float
    why: str
    match: bool = False  # a keyword or an author of the profile matched: summarized whatever the rank


def paper_text(paper: Paper) -> str:
    """What is embedded or indexed of a paper: its title and abstract."""
    return f"{paper.title}. {' '.join(paper.abstract.split())}"


def recency_weights(items: Sequence[ProfileItem], today: date, half_life_days: float) -> np.ndarray:
    """1 for an item of today (or with no date), halving every `half_life_days`; never below 0.25, so an
    old favourite still counts."""
    weights = [1.0 if it.when is None else max(0.25, 0.5 ** (max(0, (today - it.when).days) / half_life_days))
               for it in items]
    return np.asarray(weights, dtype=np.float32)


def _terms(text: str) -> str:
    return " " + " ".join(re.findall(r"\w+", text.lower())) + " "


def keyword_hits(paper: Paper, keywords: Sequence[str]) -> list[str]:
    """Keywords found as whole words (or phrases) in the title or abstract, case-insensitively."""
    text = _terms(f"{paper.title} {paper.abstract}")
    return [k for k in keywords if k.strip() and _terms(k) in text]


def author_hits(paper: Paper, authors: Sequence[str]) -> list[str]:
    """Profile authors among the paper's, by whole name, case-insensitively."""
    names = {_terms(a) for a in paper.authors}
    return [a for a in authors if a.strip() and _terms(a) in names]


def excluded_by(paper: Paper, exclude_keywords: Sequence[str]) -> str | None:
    hits = keyword_hits(paper, exclude_keywords)
    return hits[0] if hits else None


def rank(papers: Sequence[Paper], items: Sequence[ProfileItem], similarity: np.ndarray | None,
         weights: np.ndarray | None, keywords: Sequence[str], authors: Sequence[str]) -> list[Ranked]:
    """Every paper in score order (ties: listing order). `similarity` is papers x items (None or no items:
    keywords and authors alone)."""
    result = []
    for row, paper in enumerate(papers):
        score, why = 0.0, ""
        if similarity is not None and similarity.size and len(items):
            weighted = similarity[row] * (weights if weights is not None else 1.0)
            best = int(np.argmax(weighted))
            score = float(weighted[best])
            if math.isfinite(score):
                why = f"like: {items[best].title}"
            else:
                score = 0.0
        kw, au = keyword_hits(paper, keywords), author_hits(paper, authors)
        score += KEYWORD_BONUS * min(len(kw), 2) + (AUTHOR_BONUS if au else 0.0)
        if au:
            why = f"author: {au[0]}"
        elif kw:
            why = f"keyword: {kw[0]}"
        result.append(Ranked(id=paper.id, score=round(score, 4), why=why or "no profile match", match=bool(kw or au)))
    order = sorted(range(len(result)), key=lambda i: (-result[i].score, i))
    return [result[i] for i in order]


def choose(ranked: Sequence[Ranked], top: int | None, cap: int) -> set[str]:
    """The papers to summarize: the `top` best, then every keyword or author match, at most `cap` in all."""
    if top is None:
        return {r.id for r in ranked}
    chosen = [r.id for r in ranked[:top]]
    chosen += [r.id for r in ranked[top:] if r.match]
    return set(chosen[: max(cap, 0)] if cap < len(chosen) else chosen)


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rows of `a` against rows of `b`, both L2-normalised first."""
    def unit(m: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(m, axis=1, keepdims=True)
        return m / np.where(norms == 0, 1, norms)

    if not len(a) or not len(b):
        return np.zeros((len(a), len(b)), dtype=np.float32)
    return unit(a.astype(np.float32)) @ unit(b.astype(np.float32)).T


def nearest(vectors: np.ndarray, k: int, block: int = 2048) -> np.ndarray:
    """For each row, the indices of its `k` most similar other rows (unit vectors), in blocks so memory
    stays at `block` x rows."""
    n = len(vectors)
    k = min(k, max(n - 1, 0))
    out = np.zeros((n, k), dtype=np.int32)
    if not k:
        return out
    for start in range(0, n, block):
        sims = vectors[start:start + block] @ vectors.T
        sims[np.arange(len(sims)), np.arange(start, start + len(sims))] = -np.inf
        part = np.argpartition(-sims, k, axis=1)[:, :k]
        order = np.take_along_axis(sims, part, axis=1).argsort(axis=1)[:, ::-1]
        out[start:start + block] = np.take_along_axis(part, order, axis=1)
    return out
