"""Every paper of OUTPUT_DIR embedded once, for "more like this" across the whole history.

Resumable: each batch is cached the moment it is computed (`edges.embeddings`), so a stopped run
starts where it was and a second run computes nothing. Days are read one at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from summarizer.core.errors import ConfigError
from summarizer.core.ranking import paper_text
from summarizer.core.settings import Settings
from summarizer.edges.ranking.embeddings import EmbeddingCache, embed_cached, make_embedder
from summarizer.edges.storage.store import read_records
from summarizer.jobs.digest_files import find_days


@dataclass
class EmbedReport:
    days: int = 0
    papers: int = 0
    computed: int = 0


def embed_history(settings: Settings, on_progress: Callable[[int, int], None] = lambda done, total: None,
                  stopped: Callable[[], bool] = lambda: False) -> EmbedReport:
    cache_dir = Path(settings.paths.cache_dir).expanduser()
    embedder = make_embedder(settings.embedding, settings.llm, cache_dir)
    if embedder is None:
        raise ConfigError("the bm25 backend has no embeddings to compute; set [embedding] backend = \"local\" or "
                          "\"openai\"", key="embedding.backend")
    days = find_days(Path(settings.paths.output_dir).expanduser())
    texts_of = {day: [paper_text(e.paper) for e in read_records(path)] for day, path in sorted(days.items())}
    total = sum(len(t) for t in texts_of.values())
    report = EmbedReport(days=len(days), papers=total)
    cache = EmbeddingCache(cache_dir)
    try:
        done = 0
        for texts in texts_of.values():
            if stopped():
                break
            computed = [0]

            def batch_done(n: int, of: int, base: int = done, computed: list[int] = computed) -> None:
                computed[0] = of  # the texts this day had no vector for
                on_progress(base + n, total)

            embed_cached(embedder, cache, texts, settings.embedding.batch_size, on_batch=batch_done)
            report.computed += computed[0]
            done += len(texts)
            on_progress(done, total)
    finally:
        cache.close()
    return report
