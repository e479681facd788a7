"""Ranking for one reader: quality on 40 real days with arXiv's own cross-lists as labels, speed, memory, cost.

    python benchmarks/bench_rank.py              # everything (first run downloads the model, ~90 MB, once)
    python benchmarks/bench_rank.py --quick      # quality on 3 topics, no history extrapolation
    python benchmarks/bench_rank.py --learned    # the default (learned) against arxiv-sanity-lite's only
    python benchmarks/bench_rank.py --speed      # a 600-paper day cold and warm, training included
    python benchmarks/bench_rank.py --learned --model all-mpnet-base-v2   # the same with another local model
    python benchmarks/bench_rank.py --models     # issue 23's comparison: --learned and --speed for each model

Quality: for a topic category T, the profile is the first 30 different papers cross-listed to T (in
`shared/fixtures/dae-history`, daily-arXiv-ai-enhanced's records of 2025-03-19..05-14); every later
day is ranked and the relevant papers are those carrying T. P@20 and nDCG@20, averaged over the
days, for the default backend (all-MiniLM-L6-v2 on the CPU), the BM25 fallback, random order and
arxiv-sanity-lite's recommender (issue 23's anchor). The product's own code ranks: `jobs.rank.day.relevance_of`
(the learned model with 30 liked papers, the 1,200 papers before the day as background) and `core.ranking.rank`.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any, get_args

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from summarizer.core.models import Paper, paper_from_record  # noqa: E402
from summarizer.core.ranking import ProfileItem, nearest, paper_text, rank, recency_weights  # noqa: E402
from summarizer.core.settings import (  # noqa: E402
    LOCAL_EMBEDDING_MODELS,
    EmbeddingSettings,
    LLMSettings,
    PathSettings,
    Precision,
    Settings,
)
from summarizer.jobs.rank.day import recent_background, relevance_of  # noqa: E402

HISTORY = ROOT.parent / "shared" / "fixtures" / "dae-history"
TOPICS = ["cs.RO", "cs.IR", "cs.CR", "cs.HC", "eess.AS", "cs.GR", "cs.CY", "eess.IV"]
K = 20
MODELS = Path.home() / ".cache" / "summarizer-bench-rank" / "models"  # the weights, downloaded once


def load_days() -> dict[date, list[Paper]]:
    """Each day's papers in listing order, each once, as a digest lists them: a file of daily-arXiv-ai-enhanced can
    hold its listing more than once (2025-03-20's 657 records are 211 papers, most of them three times, each run's
    summaries appended)."""
    days: dict[date, list[Paper]] = {}
    for path in sorted(HISTORY.glob("*.jsonl.gz")):
        day = date.fromisoformat(path.name[:10])
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            days[day] = each_once(paper_from_record(json.loads(line)) for line in handle if line.strip())
    return days


def each_once(papers: Iterable[Paper]) -> list[Paper]:
    """The papers in order, a repeated one only where it first came."""
    firsts: dict[str, Paper] = {}
    for paper in papers:
        firsts.setdefault(paper.id, paper)
    return list(firsts.values())


PRECISION = EmbeddingSettings().precision  # the product's default; --precision float32 for the other


def settings_for(backend: str, cache: Path, model: str | None = None) -> Settings:
    return Settings(llm=LLMSettings(model="none"), paths=PathSettings(cache_dir=str(cache)),
                    embedding=EmbeddingSettings(backend=backend, model=model if backend == "local" else None,  # type: ignore[arg-type]
                                                model_dir=str(MODELS), precision=PRECISION))


def metrics(order: list[Paper], topic: str) -> tuple[float, float]:
    rel = [1.0 if topic in p.categories else 0.0 for p in order[:K]]
    ideal = sorted((1.0 if topic in p.categories else 0.0 for p in order), reverse=True)[:K]
    dcg = sum(r / np.log2(i + 2) for i, r in enumerate(rel))
    idcg = sum(r / np.log2(i + 2) for i, r in enumerate(ideal))
    return sum(rel) / K, (dcg / idcg if idcg else 0.0)


def topic_profile(days: dict[date, list[Paper]], topic: str, size: int = 30) -> list[tuple[date, Paper]]:
    """The first `size` different papers carrying `topic`, with the day each was first listed: the reader of the
    topic. (The weekend's files repeat Friday's listing: counted as they come, 30 papers were 12-30 different ones.)"""
    first: dict[str, tuple[date, Paper]] = {}
    for d in sorted(days):
        for p in days[d]:
            if topic in p.categories and p.id not in first and len(first) < size:
                first[p.id] = (d, p)
    return list(first.values())


def quality(days: dict[date, list[Paper]], topics: list[str], cache: Path,
            backends: tuple[str, ...] = ("local", "bm25", "random", "arxiv-sanity-lite"), model: str | None = None,
            ) -> dict[str, dict[str, tuple[float, float]]]:
    """Each backend as the product ranks (`relevance_of` and `rank`, with the 1,200 papers of the days before,
    chosen by `recent_background` as `rank_day` chooses them from the output folder), arxiv-sanity-lite's
    recommender on the same cases."""
    results: dict[str, dict[str, tuple[float, float]]] = defaultdict(dict)
    ordered = sorted(days)
    for topic in topics:
        profile = topic_profile(days, topic)
        ids = {p.id for _, p in profile}
        items = [ProfileItem(title=p.title, text=paper_text(p), when=d, authors=tuple(p.authors)) for d, p in profile]
        profile_days = sorted({d for d, _ in profile})
        train = each_once(p for d in profile_days for p in days[d])  # as its database holds them
        later = [d for d in ordered if d > profile_days[-1] and any(topic in p.categories for p in days[d])]
        for backend in backends:
            scores = []
            for day in later:
                papers = [p for p in days[day] if p.id not in ids]
                if backend == "random":
                    order = random.Random(day.toordinal()).sample(papers, len(papers))
                elif backend == "arxiv-sanity-lite":
                    values = _sanity_scores([paper_text(p) for p in train], {i for i, p in enumerate(train)
                                                                             if p.id in ids},
                                            [paper_text(p) for p in papers])
                    order = [papers[i] for i in np.argsort(-values, kind="stable")]
                else:
                    background = recent_background((days[d] for d in reversed(ordered) if d < day), items, papers)
                    weights = recency_weights(items, day, 365.0)
                    relevance = relevance_of(settings_for(backend, cache, model), cache, papers, items, weights,
                                             background=background)
                    by_id = {p.id: p for p in papers}
                    order = [by_id[r.id] for r in rank(papers, items, relevance, [], [])]
                scores.append(metrics(order, topic))
            results[topic][backend] = (float(np.mean([s[0] for s in scores])), float(np.mean([s[1] for s in scores])))
        print(f"  {topic:<8} ({len(later)} days)  " + "  ".join(
            f"{b}: P@20 {results[topic][b][0]:.3f} nDCG@20 {results[topic][b][1]:.3f}" for b in backends), flush=True)
    return results


def speed(days: dict[date, list[Paper]], model: str | None = None) -> None:
    """A 600-paper day ranked for a reader of 30 liked papers, the learned model trained on 1,200 background papers:
    from a cold cache (model load and every embedding included), then warm; then the same day for a reader of three
    likes, whom the centroid ranks (a cold start)."""
    # Each paper once: daily-arXiv-ai-enhanced's weekends repeat Friday, and the first 1,800 records of the
    # history hold only 1,087 distinct papers; a cold day must embed 1,800 different texts.
    every = each_once(p for d in sorted(days) for p in days[d])
    papers, background = every[1200:1800], every[:1200]
    items = [ProfileItem(title=p.title, text=paper_text(p), authors=tuple(p.authors)) for p in every[1800:1830]]
    cold, warm = _timed_twice(model, papers, items, background)
    print(f"a day of 600 papers ranked cold, 1,200 background papers embedded and the model trained: {cold:.1f} s "
          f"(target < 30 s); warm, from cached embeddings: {warm:.2f} s (target < 2 s); "
          f"peak RSS so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB (target < 1 GiB)")
    cold, warm = _timed_twice(model, papers, items[:3])  # under five likes: the centroid, no background
    print(f"the same day for a reader of 3 likes (the centroid, a cold start) ranked cold: {cold:.1f} s "
          f"(target < 60 s), {cold / len(papers) * 1000:.0f} ms a paper; warm: {warm:.3f} s (target < 3 s)")


def _timed_twice(model: str | None, papers: list[Paper], items: list[ProfileItem],
                 background: list[Paper] | None = None) -> tuple[float, float]:
    """Seconds to rank `papers` from an empty cache (model load and embeddings included), then again, warm."""
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        settings = settings_for("local", cache, model)
        weights = recency_weights(items, date(2025, 5, 14), 365.0)
        times = []
        for _ in range(2):
            started = time.perf_counter()
            relevance_of(settings, cache, papers, items, weights, background=background or [])
            times.append(time.perf_counter() - started)
    return times[0], times[1]


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
    parser.add_argument("--learned", action="store_true", help="only the default ranker against arxiv-sanity-lite's")
    parser.add_argument("--speed", action="store_true", help="only the speed and memory of a 600-paper day")
    parser.add_argument("--model", choices=LOCAL_EMBEDDING_MODELS, help="the local embedding model (default: the "
                        "product's default)")
    parser.add_argument("--models", action="store_true", help="every local model: --learned and --speed for each, "
                        "each in its own process (peak memory is per process)")
    parser.add_argument("--precision", choices=get_args(Precision), help="the local encoder's precision (default: "
                        "the product's, int8)")
    args = parser.parse_args()
    global PRECISION
    PRECISION = args.precision or PRECISION
    if args.models:
        compare_models(args.quick)
        return
    days = load_days()
    if args.speed:
        MODELS.mkdir(parents=True, exist_ok=True)
        speed(days, args.model)
        return
    if args.learned:
        cache = Path.home() / ".cache" / "summarizer-bench-rank"
        MODELS.mkdir(parents=True, exist_ok=True)
        results = quality(days, TOPICS[:3] if args.quick else TOPICS, cache, ("local", "arxiv-sanity-lite"),
                          args.model)
        summary(results, ("local", "arxiv-sanity-lite"))
        return
    print(f"{sum(len(v) for v in days.values())} papers in {len(days)} days")
    cache = Path.home() / ".cache" / "summarizer-bench-rank"  # embeddings kept between runs: warm after the first
    cache.mkdir(parents=True, exist_ok=True)
    MODELS.mkdir(parents=True, exist_ok=True)
    cost()
    speed(days)
    print("quality (P@20 / nDCG@20 averaged over the later days):")
    results = quality(days, TOPICS[:3] if args.quick else TOPICS, cache)
    summary(results, ("local", "bm25", "random", "arxiv-sanity-lite"))
    more_like_this()
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB "
          "(target < 1 GiB)")
    asyncio.run(asyncio.sleep(0))



def compare_models(quick: bool) -> None:
    """Issue 23's comparison: each local model's quality (the learned ranker's nDCG@20 against arxiv-sanity-lite),
    its cold and warm speed and its peak memory, each measured by this script in a fresh process."""
    rows = []
    for name in LOCAL_EMBEDDING_MODELS:
        runs = {}
        for mode in ("--learned", "--speed"):
            command = [sys.executable, __file__, mode, "--model", name, "--precision", PRECISION] + (
                ["--quick"] if quick else [])
            runs[mode] = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            print(runs[mode], end="", flush=True)
        ndcg = re.search(r"mean local\s+P@20 ([\d.]+)\s+nDCG@20 ([\d.]+)", runs["--learned"])
        ratio = re.search(r"([\d.]+)x nDCG@20", runs["--learned"])
        timing = re.search(r": ([\d.]+) s \(target < 30 s\); warm, from cached embeddings: ([\d.]+) s.*?RSS so far "
                           r"(\d+) MiB", runs["--speed"])
        assert ndcg and ratio and timing, f"unexpected output for {name}"
        rows.append((name, ndcg[2], ratio[1], timing[1], timing[2], timing[3]))
    print("| model | nDCG@20 (learned) | vs arxiv-sanity-lite | cold 600-paper day | warm | peak RSS |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, ndcg_value, times, cold, warm, rss in rows:
        print(f"| {name} | {ndcg_value} | {times}x | {cold} s | {warm} s | {rss} MiB |")


def summary(results: dict[str, dict[str, tuple[float, float]]], backends: tuple[str, ...]) -> None:
    means = {b: (np.mean([r[b][0] for r in results.values()]), np.mean([r[b][1] for r in results.values()]))
             for b in backends}
    for backend, (p20, ndcg) in means.items():
        print(f"  mean {backend:<17} P@20 {p20:.3f}  nDCG@20 {ndcg:.3f}")
    print(f"  the default (local) against arxiv-sanity-lite: {means['local'][1] / means['arxiv-sanity-lite'][1]:.2f}x "
          "nDCG@20 (target >= 1.25x)")


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



if __name__ == "__main__":
    main()
