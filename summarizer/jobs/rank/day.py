"""One day's papers ranked for the reader: the profile read, similarities computed (cached), reasons given.

Used by the nightly's rank stage, by `summarizer rank`, and by backfill, so the three agree on
which papers are summarized. Nothing here calls the LLM.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from summarizer.core.models import Paper
from summarizer.core.ranking import (
    ProfileItem,
    Ranked,
    Relevance,
    choose,
    embedding_relevance,
    excluded_by,
    lexical_relevance,
    paper_text,
    rank,
    recency_weights,
    unit_rows,
    without_dislikes,
)
from summarizer.core.settings import ProfileSettings, Settings
from summarizer.edges.arxiv.fetch import ArxivFetcher
from summarizer.edges.ranking.embeddings import EmbeddingCache, bm25_similarity, embed_cached, make_embedder
from summarizer.edges.ranking.profile_sources import arxiv_items, file_items


@dataclass
class Ranking:
    ranked: list[Ranked] = field(default_factory=list)  # the papers kept, best first
    excluded: dict[str, str] = field(default_factory=dict)  # id -> the excluded keyword it matched
    selected: set[str] | None = None  # the papers to summarize (None: every one)


def profile_of(settings: Settings, override: ProfileSettings | None = None) -> ProfileSettings:
    return override if override is not None else settings.profile


async def profile_items(profile: ProfileSettings, fetcher: ArxivFetcher, cache_dir: Path) -> list[ProfileItem]:
    return file_items(profile) + await arxiv_items(profile, fetcher, cache_dir)


def relevance_of(settings: Settings, cache_dir: Path, papers: Sequence[Paper], items: Sequence[ProfileItem],
                 weights: np.ndarray, disliked: Sequence[ProfileItem] = ()) -> Relevance:
    """Each paper's relevance to the profile, from the configured backend; embeddings cached per text and model.
    Papers like a disliked one go down (`without_dislikes`); reasons come from the liked items only."""
    paper_texts, item_texts = [paper_text(p) for p in papers], [it.text for it in items]
    disliked_texts = [it.text for it in disliked]
    embedder = make_embedder(settings.embedding, settings.llm, cache_dir)
    if embedder is None:
        liked = lexical_relevance(bm25_similarity(paper_texts, item_texts), weights)
        return without_dislikes(liked, bm25_similarity(paper_texts, disliked_texts))
    cache = EmbeddingCache(cache_dir)
    try:
        size = settings.embedding.batch_size
        vectors = unit_rows(embed_cached(embedder, cache, paper_texts, size))
        profile = embed_cached(embedder, cache, item_texts, size)
        against = unit_rows(embed_cached(embedder, cache, disliked_texts, size)) if disliked_texts else None
    finally:
        cache.close()
    liked = embedding_relevance(vectors, unit_rows(profile), weights)
    return without_dislikes(liked, vectors @ against.T if against is not None else np.zeros((len(papers), 0)))


async def rank_day(settings: Settings, profile: ProfileSettings, papers: Sequence[Paper], *, cache_dir: Path,
                   fetcher: ArxivFetcher, today: date, top: int | None) -> Ranking:
    """The day's papers without the excluded ones, in score order, and the ones to summarize."""
    excluded = {p.id: kw for p in papers if (kw := excluded_by(p, profile.exclude_keywords)) is not None}
    kept = [p for p in papers if p.id not in excluded]
    every = await profile_items(profile, fetcher, cache_dir)
    items = [it for it in every if not it.disliked]
    disliked = [it for it in every if it.disliked]
    relevance = None
    if items and kept:
        weights = recency_weights(items, today, profile.half_life_days)
        relevance = await asyncio.to_thread(relevance_of, settings, cache_dir, kept, items, weights, disliked)
    ranked = rank(kept, items, relevance, profile.keywords, profile.authors)
    selected = choose(ranked, top, profile.summarize_cap) if top is not None else None
    return Ranking(ranked=ranked, excluded=excluded, selected=selected)
