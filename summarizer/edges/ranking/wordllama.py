"""WordLlama: static token vectors averaged, the cheapest semantic embedding that is still learned.

Why it is offered: it embeds a day of papers in well under a second on any CPU (a table lookup per
token, no encoder), so a reader on a slow machine, or one ranking years of history, is not held up by
the transformer. Its vectors are the input embedding of a large language model's tokenizer, distilled for
similarity by its author (Lee Miller, MIT licence, 32,000 Llama-2 tokens x 256 dimensions, `l2_supercat`).

Where the weights come from: the `wordllama` wheel on PyPI is the author's own release and ships them
(`weights/l2_supercat_256.safetensors`, `tokenizers/l2_supercat_tokenizer_config.json`); they are taken out
of it and checked against pinned SHA-256s by `encoders.ensure_files`, as the encoders' are. The package's
code is not imported: its inference is the few numpy lines below (`WordLlamaInference.embed`: tokens
without special tokens and without truncation, vectors averaged over the mask), so no compiled
extension is installed for them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from summarizer.edges.ranking.encoders import ModelSpec, mean_unit

WORDLLAMA = ModelSpec(
    name="wordllama-l2-supercat-256", package="wordllama", version="0.4.0.post1", inner="wordllama/",
    kind="static", hidden=256, layers=0,
    files={"weights/l2_supercat_256.safetensors": "64b47a2dc493cb8e85944076601189739852d7b64e0e1eedcb1937a251cd9fd5",
           "tokenizers/l2_supercat_tokenizer_config.json":
               "93248f2a9ec36c7b35f700a033d5f36228aae48db61aee31007fa49062cdeb68"})


class StaticModel:
    """Mean of the token vectors, unit length, from the files `ensure_files` put in `home`."""

    def __init__(self, home: Path, spec: ModelSpec = WORDLLAMA) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        weights, tokenizer = (home / Path(name).name for name in spec.files)
        self.table = np.ascontiguousarray(next(iter(load_file(str(weights)).values())).astype(np.float32))
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.no_truncation()
        self.tokenizer.enable_padding()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        encoded = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        ids = np.clip(np.array([e.ids for e in encoded], dtype=np.int64), 0, len(self.table) - 1)
        return mean_unit(self.table[ids], np.array([e.attention_mask for e in encoded]))
