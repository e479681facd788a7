"""Ranking for one reader: quality on 40 real days with arXiv's own cross-lists as labels, speed, memory, cost.

    python benchmarks/bench_rank.py              # everything (first run downloads the model, ~90 MB, once)
    python benchmarks/bench_rank.py --quick      # quality on 3 topics, no history extrapolation

Quality: for a topic category T, the profile is the first 30 papers cross-listed to T (in
`shared/fixtures/dae-history`, daily-arXiv-ai-enhanced's records of 2025-03-19..05-14); every later
day is ranked and the relevant papers are those carrying T. P@20 and nDCG@20, averaged over the
days, for the default backend (all-MiniLM-L6-v2 on the CPU), the BM25 fallback and random order.
The product's own code ranks: `jobs.rank.similarities` and `core.ranking.rank`.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import resource
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from summarizer.core.models import Paper, paper_from_record  # noqa: E402
from summarizer.core.ranking import ProfileItem, nearest, paper_text, rank, recency_weights, unit_rows  # noqa: E402
from summarizer.core.settings import EmbeddingSettings, LLMSettings, PathSettings, Settings  # noqa: E402
from summarizer.jobs.rank.day import relevance_of  # noqa: E402

HISTORY = ROOT.parent / "shared" / "fixtures" / "dae-history"
TOPICS = ["cs.RO", "cs.IR", "cs.CR", "cs.HC", "eess.AS", "cs.GR", "cs.CY", "eess.IV"]
K = 20
MODELS = Path.home() / ".cache" / "summarizer-bench-rank" / "models"  # the weights, downloaded once


def load_days() -> dict[date, list[Paper]]:
    days: dict[date, list[Paper]] = {}
    for path in sorted(HISTORY.glob("*.jsonl.gz")):
        day = date.fromisoformat(path.name[:10])
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            days[day] = [paper_from_record(json.loads(line)) for line in handle if line.strip()]
    return days


def settings_for(backend: str, cache: Path) -> Settings:
    return Settings(llm=LLMSettings(model="none"), paths=PathSettings(cache_dir=str(cache)),
                    embedding=EmbeddingSettings(backend=backend, model_dir=str(MODELS)))  # type: ignore[arg-type]


def metrics(order: list[Paper], topic: str) -> tuple[float, float]:
    rel = [1.0 if topic in p.categories else 0.0 for p in order[:K]]
    ideal = sorted((1.0 if topic in p.categories else 0.0 for p in order), reverse=True)[:K]
    dcg = sum(r / np.log2(i + 2) for i, r in enumerate(rel))
    idcg = sum(r / np.log2(i + 2) for i, r in enumerate(ideal))
    return sum(rel) / K, (dcg / idcg if idcg else 0.0)


def topic_profile(days: dict[date, list[Paper]], topic: str, size: int = 30) -> list[tuple[date, Paper]]:
    """The first `size` papers carrying `topic`, with their days: the reader of the topic."""
    return [(d, p) for d in sorted(days) for p in days[d] if topic in p.categories][:size]


def quality(days: dict[date, list[Paper]], topics: list[str], cache: Path) -> dict[str, dict[str, tuple[float, float]]]:
    results: dict[str, dict[str, tuple[float, float]]] = defaultdict(dict)
    ordered = sorted(days)
    for topic in topics:
        profile = topic_profile(days, topic)
        last = profile[-1][0]
        items = [ProfileItem(title=p.title, text=paper_text(p), when=d) for d, p in profile]
        later = [d for d in ordered if d > last and any(topic in p.categories for p in days[d])]
        for backend in ("local", "bm25", "random"):
            scores = []
            for day in later:
                papers = [p for p in days[day] if p.id not in {q.id for _, q in profile}]
                if backend == "random":
                    order = random.Random(day.toordinal()).sample(papers, len(papers))
                else:
                    weights = recency_weights(items, day, 365.0)
                    relevance = relevance_of(settings_for(backend, cache), cache, papers, items, weights)
                    ranked = rank(papers, items, relevance, [], [])
                    by_id = {p.id: p for p in papers}
                    order = [by_id[r.id] for r in ranked]
                scores.append(metrics(order, topic))
            results[topic][backend] = (float(np.mean([s[0] for s in scores])), float(np.mean([s[1] for s in scores])))
        print(f"  {topic:<8} ({len(later)} days)  " + "  ".join(
            f"{b}: P@20 {results[topic][b][0]:.3f} nDCG@20 {results[topic][b][1]:.3f}" for b in ("local", "bm25",
                                                                                                  "random")),
              flush=True)
    return results


def speed(days: dict[date, list[Paper]]) -> None:
    papers = [p for d in sorted(days) for p in days[d]][:600]
    items = [ProfileItem(title=p.title, text=paper_text(p)) for p in papers[-30:]]
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        settings = settings_for("local", cache)
        weights = recency_weights(items, date(2025, 5, 14), 365.0)
        started = time.perf_counter()
        relevance_of(settings, cache, papers[:570], items, weights)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        relevance_of(settings, cache, papers[:570], items, weights)
        warm = time.perf_counter() - started
    per = cold / 600
    print(f"a day of 600 papers ranked cold (model load included): {cold:.1f} s (target < 60 s); warm, from cached "
          f"embeddings: {warm:.2f} s (target < 3 s); {per * 1000:.0f} ms a paper")
    print(f"history of 82,476 papers embedded once at that rate: {82476 * per / 3600:.2f} h (target < 2 h; "
          f"`summarizer embed` does it resumably, with a progress bar)")


def more_like_this() -> None:
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((80_000, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    started = time.perf_counter()
    found = nearest(vectors, 5)
    print(f"more like this, 5 nearest of each of 80,000 papers: {time.perf_counter() - started:.1f} s (target < 60 s)"
          f"; shape {found.shape}")


def cost(top: int = 30, n: int = 500) -> None:
    """A 500-paper day through the production nightly (in-process fakes): everything, then --top 30."""
    import httpx
    from bench_nightly import synthetic_archive  # type: ignore[import-not-found]

    from summarizer.core.settings import ArxivSettings, ProfileSettings
    from summarizer.demo.replay import ATOM_CONTENT_TYPE, chat_completion, title_of
    from summarizer.face.config import with_prices
    from summarizer.jobs.nightly.day_run import NightlyParams
    from summarizer.jobs.nightly.job import run_nightly
    from summarizer.jobs.services import Services

    archive, answers = synthetic_archive(n)

    def arxiv(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=archive.page(dict(request.url.params)),
                              headers={"content-type": ATOM_CONTENT_TYPE})

    def llm(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        return httpx.Response(200, json=chat_completion(body, json.dumps(answers[title_of(body) or ""],
                                                                          ensure_ascii=False)))

    figures = {}
    for label, params in (("all", NightlyParams(day=date(2025, 12, 24))),
                          (f"top {top}", NightlyParams(day=date(2025, 12, 24), top=top)), ):
        with tempfile.TemporaryDirectory() as tmp:
            liked = Path(tmp) / "liked.jsonl"
            liked.write_text("".join(json.dumps({"id": f"2401.{i:05d}", "title": t, "summary": t,
                                                 "categories": ["cs.IR"]}) + "\n"
                                     for i, t in enumerate(list(answers)[:5])))
            settings = Settings(
                arxiv=ArxivSettings(categories=["cs.IR", "cs.AI"], api_url="http://arxiv.fake/api/query",
                                    delay_seconds=0, use_rss=False, page_size=2000),
                llm=LLMSettings(base_url="http://llm.fake/v1", api_key="bench", model="gpt-4o-mini",
                                max_concurrency=16),
                paths=PathSettings(cache_dir=f"{tmp}/cache", output_dir=f"{tmp}/out"),
                profile=ProfileSettings(papers_files=[str(liked)], keywords=["federated recommendation"]),
                embedding=EmbeddingSettings(model_dir=str(MODELS)))

            settings = with_prices(settings)

            async def go(settings: Settings = settings, params: NightlyParams = params) -> Any:
                async with httpx.AsyncClient(transport=httpx.MockTransport(arxiv)) as a, \
                        httpx.AsyncClient(transport=httpx.MockTransport(llm)) as b:
                    return await run_nightly(settings, Services(arxiv_http=a, llm_http=b), params)

            report = asyncio.run(go()).report
            figures[label] = (report.llm_requests, report.prompt_tokens + report.completion_tokens, report.cost_usd)
    (r_all, t_all, c_all), (r_top, t_top, c_top) = figures.values()
    print(f"a {n}-paper day: all {r_all} requests, {t_all} tokens, ${c_all}; --top {top}: {r_top} requests, {t_top} "
          f"tokens, ${c_top}: {100 * (1 - r_top / r_all):.1f}% fewer requests, {100 * (1 - t_top / t_all):.1f}% "
          "fewer tokens (target >= 90%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--learned", action="store_true", help="only the learned ranker against arxiv-sanity-lite's")
    args = parser.parse_args()
    days = load_days()
    if args.learned:
        cache = Path.home() / ".cache" / "summarizer-bench-rank"
        MODELS.mkdir(parents=True, exist_ok=True)
        learned_against_the_anchor(days, TOPICS[:3] if args.quick else TOPICS, cache)
        return
    print(f"{sum(len(v) for v in days.values())} papers in {len(days)} days")
    cache = Path.home() / ".cache" / "summarizer-bench-rank"  # embeddings kept between runs: warm after the first
    cache.mkdir(parents=True, exist_ok=True)
    MODELS.mkdir(parents=True, exist_ok=True)
    cost()
    speed(days)
    print("quality (P@20 / nDCG@20 averaged over the later days):")
    results = quality(days, TOPICS[:3] if args.quick else TOPICS, cache)
    for backend in ("local", "bm25", "random"):
        p20 = np.mean([r[backend][0] for r in results.values()])
        ndcg = np.mean([r[backend][1] for r in results.values()])
        print(f"  mean {backend:<6} P@20 {p20:.3f}  nDCG@20 {ndcg:.3f}")
    more_like_this()
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB "
          "(target < 1 GiB)")
    asyncio.run(asyncio.sleep(0))



def _sanity_scores(train: list[str], positive: set[int], day: list[str]) -> np.ndarray:
    """arxiv-sanity-lite's recommender, as issue 23 fixes it: TF-IDF over title | abstract, 1-2 grams, sublinear tf,
    max_df 0.1, min_df 5, 20k features, LinearSVC(C=0.01, balanced), trained on the profile's days plus the day."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    texts = train + day
    matrix = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_df=0.1, min_df=5,
                             max_features=20_000).fit_transform(texts)
    labels = np.array([1 if i in positive else 0 for i in range(len(texts))])
    model = LinearSVC(C=0.01, class_weight="balanced").fit(matrix, labels)
    return np.asarray(model.decision_function(matrix[len(train):]))


def learned_against_the_anchor(days: dict[date, list[Paper]], topics: list[str], cache: Path) -> None:
    """The default learned ranker against arxiv-sanity-lite's, on the same held-out days (mean nDCG@20)."""
    from benchmarks.learned_ranker import Examples, learned_scores
    from summarizer.edges.ranking.embeddings import EmbeddingCache, embed_cached, make_embedder

    settings = settings_for("local", cache)
    embedder = make_embedder(settings.embedding, settings.llm, cache)
    assert embedder is not None
    store = EmbeddingCache(cache)
    every = [p for d in sorted(days) for p in days[d]]
    started = time.perf_counter()
    vectors = dict(zip((p.id for p in every), unit_rows(embed_cached(embedder, store, [paper_text(p) for p in every],
                                                                     64)), strict=True))
    store.close()
    print(f"  embedded {len(every)} papers in {time.perf_counter() - started:.0f} s")
    ordered = sorted(days)
    totals: dict[str, list[float]] = defaultdict(list)
    for topic in topics:
        profile = topic_profile(days, topic)
        ids = {p.id for _, p in profile}
        profile_days = sorted({d for d, _ in profile})
        train = [p for d in profile_days for p in days[d]]
        positive_at = {i for i, p in enumerate(train) if p.id in ids}
        later = [d for d in ordered if d > profile_days[-1] and any(topic in p.categories for p in days[d])]
        per: dict[str, list[float]] = defaultdict(list)
        for day in later:
            papers = [p for p in days[day] if p.id not in ids]
            texts = [paper_text(p) for p in papers]
            sanity = _sanity_scores([paper_text(p) for p in train], positive_at, texts)
            recent = [p for d in ordered if d < day for p in days[d]][-1200:]  # the background: recent days
            pos = [p for _, p in profile]
            background = [p for p in recent if p.id not in ids]
            ours = learned_scores(
                Examples(texts, np.array([vectors[p.id] for p in papers]), [p.authors for p in papers]),
                Examples([paper_text(p) for p in pos], np.array([vectors[p.id] for p in pos]),
                         [p.authors for p in pos]),
                Examples([paper_text(p) for p in background], np.array([vectors[p.id] for p in background]),
                         [p.authors for p in background]),
                c=float(os.environ.get("LEARNED_C", "0.03")), embedding_weight=float(os.environ.get("LEARNED_W", "1")),
                author_weight=float(os.environ.get("LEARNED_AUTHORS", "1")),
                doubtful=float(os.environ.get("LEARNED_DOUBTFUL", "0.1")))
            assert ours is not None
            for name, scores in (("arxiv-sanity-lite", sanity), ("learned", ours)):
                order = [papers[i] for i in np.argsort(-scores, kind="stable")]
                per[name].append(metrics(order, topic)[1])
        line = "  ".join(f"{n}: nDCG@20 {np.mean(v):.3f}" for n, v in per.items())
        print(f"  {topic:<8} ({len(later)} days)  {line}", flush=True)
        for name, values in per.items():
            totals[name].append(float(np.mean(values)))
    anchor, learned = np.mean(totals["arxiv-sanity-lite"]), np.mean(totals["learned"])
    print(f"  mean nDCG@20: arxiv-sanity-lite {anchor:.3f}, learned {learned:.3f} ({learned / anchor:.2f}x; "
          "target >= 1.25x)")


if __name__ == "__main__":
    main()
