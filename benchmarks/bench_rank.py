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
import random
import resource
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from summarizer.core.models import Paper, paper_from_record  # noqa: E402
from summarizer.core.ranking import ProfileItem, nearest, paper_text, rank, recency_weights  # noqa: E402
from summarizer.core.settings import EmbeddingSettings, LLMSettings, PathSettings, Settings  # noqa: E402
from summarizer.jobs.rank import relevance_of  # noqa: E402

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


def quality(days: dict[date, list[Paper]], topics: list[str], cache: Path) -> dict[str, dict[str, tuple[float, float]]]:
    results: dict[str, dict[str, tuple[float, float]]] = defaultdict(dict)
    ordered = sorted(days)
    for topic in topics:
        profile: list[tuple[date, Paper]] = []
        for day in ordered:
            for paper in days[day]:
                if topic in paper.categories and len(profile) < 30:
                    profile.append((day, paper))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    days = load_days()
    print(f"{sum(len(v) for v in days.values())} papers in {len(days)} days")
    cache = Path.home() / ".cache" / "summarizer-bench-rank"  # embeddings kept between runs: warm after the first
    cache.mkdir(parents=True, exist_ok=True)
    MODELS.mkdir(parents=True, exist_ok=True)
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


if __name__ == "__main__":
    main()
