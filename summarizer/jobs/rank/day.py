"""One day's papers ranked for the reader: the profile read, similarities computed (cached), reasons given.

Used by the nightly's rank stage, by `summarizer rank`, and by backfill, so the three agree on
which papers are summarized. Nothing here calls the LLM.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from summarizer.core.errors import RecordsError
from summarizer.core.learned import MIN_POSITIVES, Examples, Learned, learned_scores
from summarizer.core.models import Paper
from summarizer.core.ranking import (
    ProfileItem,
    Ranked,
    Relevance,
    choose,
    distinct_items,
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
from summarizer.edges.storage.store import read_records


@dataclass
class Ranking:
    ranked: list[Ranked] = field(default_factory=list)  # the papers kept, best first
    excluded: dict[str, str] = field(default_factory=dict)  # id -> the excluded keyword it matched
    selected: set[str] | None = None  # the papers to summarize (None: every one)


def profile_of(settings: Settings, override: ProfileSettings | None = None) -> ProfileSettings:
    return override if override is not None else settings.profile


async def profile_items(profile: ProfileSettings, fetcher: ArxivFetcher, cache_dir: Path) -> list[ProfileItem]:
    """The reader's papers from files and arXiv ids, each once."""
    return distinct_items(file_items(profile) + await arxiv_items(profile, fetcher, cache_dir))


def relevance_of(settings: Settings, cache_dir: Path, papers: Sequence[Paper], items: Sequence[ProfileItem],
                 weights: np.ndarray, disliked: Sequence[ProfileItem] = (),
                 background: Sequence[Paper] = ()) -> Relevance:
    """Each paper's relevance to the profile, from the configured backend; embeddings cached per text and model.

    With enough liked papers a model of the reader's own ranks (`learned_scores`: likes against dislikes,
    the `background` of recent days and the day), put on the scale of the centroid formula, which ranks
    on a cold start, so keyword and author bonuses weigh the same either way. Papers like a disliked one
    go down (`without_dislikes`); reasons come from the liked items only. A paper of the day is never
    its own background: a listing repeated on a later day (daily-arXiv-ai-enhanced's weekends copy
    Friday's) would otherwise train the model against the very papers it ranks.
    """
    today = {p.id for p in papers}
    background = [p for p in background if p.id not in today]
    paper_texts, item_texts = [paper_text(p) for p in papers], [it.text for it in items]
    disliked_texts, background_texts = [it.text for it in disliked], [paper_text(p) for p in background]
    texts = (paper_texts, item_texts, disliked_texts, background_texts)
    people = ([p.authors for p in papers], [it.authors for it in items], [it.authors for it in disliked],
              [p.authors for p in background])
    embedder = make_embedder(settings.embedding, settings.llm, cache_dir)
    if embedder is None:
        liked = lexical_relevance(bm25_similarity(paper_texts, item_texts), weights)
        learned = learned_scores(*_examples(texts, people, None))
        return without_dislikes(_on_scale(learned, liked), bm25_similarity(paper_texts, disliked_texts))
    cache = EmbeddingCache(cache_dir)
    try:
        size = settings.embedding.batch_size
        vectors = unit_rows(embed_cached(embedder, cache, paper_texts, size))
        profile = unit_rows(embed_cached(embedder, cache, item_texts, size))
        against = unit_rows(embed_cached(embedder, cache, disliked_texts, size)) if disliked_texts else None
        usual = unit_rows(embed_cached(embedder, cache, background_texts, size)) if background_texts else None
    finally:
        cache.close()
    liked = embedding_relevance(vectors, profile, weights)
    learned = learned_scores(*_examples(texts, people, (vectors, profile, against, usual)))
    return without_dislikes(_on_scale(learned, liked),
                            vectors @ against.T if against is not None else np.zeros((len(papers), 0)))


Vectors = tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]


def _examples(texts: Sequence[list[str]], people: Sequence[Sequence[Sequence[str]]],
              vectors: Vectors | None) -> tuple[Examples, Examples, Examples, Examples]:
    """The day, the likes, the dislikes and the background (texts, authors, and their vectors when the backend
    embeds) as the learned model reads them."""
    rows = vectors or (None, None, None, None)
    empty = np.zeros((0, rows[0].shape[1]), dtype=np.float32) if rows[0] is not None else None
    day, liked, against, usual = (Examples(t, v if v is not None else empty, a)
                                  for t, a, v in zip(texts, people, rows, strict=True))
    return day, liked, against, usual


def _on_scale(learned: Learned | None, centroid: Relevance) -> Relevance:
    """The learned decision values moved onto the centroid score's mean and spread over the day, with the terms
    that weighed most; the nearest liked paper (the reason) stays the plain cosine's."""
    if learned is None or len(learned.values) < 2 or not np.std(learned.values):
        return centroid
    z = (learned.values - learned.values.mean()) / learned.values.std()
    return Relevance(score=centroid.score.mean() + z * centroid.score.std(), nearest=centroid.nearest,
                     terms=learned.terms)


BACKGROUND = 1200  # recent papers the learned model reads as the usual day (about two days of a reader's categories)


def recent_background(days_newest_first: Iterable[Sequence[Paper]], items: Sequence[ProfileItem],
                      today: Sequence[Paper] = ()) -> list[Paper]:
    """Up to BACKGROUND papers of the days given, newest day first: what the reader was shown and did not
    pick. Each paper counts once (daily-arXiv-ai-enhanced's Saturday and Sunday repeat Friday's listing,
    which would weigh three times), and neither a liked paper nor one of `today` is in it. Days are read
    only until it is full."""
    liked = {it.text for it in items}
    seen = {p.id for p in today}
    papers: list[Paper] = []
    for day in days_newest_first:
        for paper in day:
            if paper.id not in seen and paper_text(paper) not in liked:
                seen.add(paper.id)
                papers.append(paper)
        if len(papers) >= BACKGROUND:
            break
    return papers[:BACKGROUND]


def background_of(settings: Settings, today: date, items: Sequence[ProfileItem],
                  papers: Sequence[Paper] = ()) -> list[Paper]:
    """`recent_background` over the days before `today` in the output folder's records."""
    folder = Path(settings.paths.output_dir).expanduser()
    paths = [path for path in sorted(folder.glob("????-??-??.jsonl"), reverse=True) if path.stem < today.isoformat()]
    return recent_background(_days_in(paths), items, papers)


def _days_in(paths: Sequence[Path]) -> Iterator[list[Paper]]:
    for path in paths:
        try:
            entries = read_records(path)
        except RecordsError:  # a damaged day is no background; the nightly reports it where it writes it
            continue
        yield [e.paper for e in entries]


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
        background = background_of(settings, today, items, kept) if len(items) >= MIN_POSITIVES else []
        relevance = await asyncio.to_thread(relevance_of, settings, cache_dir, kept, items, weights, disliked,
                                            background)
    ranked = rank(kept, items, relevance, profile.keywords, profile.authors)
    selected = choose(ranked, top, profile.summarize_cap) if top is not None else None
    return Ranking(ranked=ranked, excluded=excluded, selected=selected)
