""""More like this" for the site: each paper's nearest papers across the whole history, from cached embeddings.

The site build keeps every embedded paper's vector in one matrix under `cache_dir/site-vectors/`
(one file per embedding model), updated day by day as days are rebuilt or removed, so a build
reads the embedding cache only for the days that changed. The papers of a rebuilt day get their
5 nearest over the whole history; older days keep the lists they were built with until a full
build (`summarizer site --full`) refreshes every one. Papers with no cached embedding (run
`summarizer embed`) get none, and are no one's neighbour.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from summarizer.core.models import Entry
from summarizer.core.ranking import nearest, paper_text, top_k
from summarizer.edges.ranking.embeddings import EmbeddingCache
from summarizer.edges.storage.store import atomic_write_chunks, atomic_write_text

SIMILAR = 5


class VectorIndex:
    """Rows of (day, id, title) with their unit vectors, kept by day; saved as .npy beside a .json of the rows.

    A build changes a few days: each day's rows are replaced on their own, and the matrix of every row is
    put together once, when neighbours are asked for or the index is saved (joining it again at every
    changed day copied the whole history once per day of a full build).
    """

    def __init__(self, cache_dir: Path, model_id: str) -> None:
        self.model_id = model_id
        stem = hashlib.sha256(model_id.encode()).hexdigest()[:16]
        self.folder = cache_dir / "site-vectors"
        self.rows_path, self.matrix_path = self.folder / f"{stem}.json", self.folder / f"{stem}.npy"
        self.days: dict[str, tuple[list[list[str]], np.ndarray]] = {}
        if self.rows_path.exists() and self.matrix_path.exists():
            try:
                rows = json.loads(self.rows_path.read_text(encoding="utf-8"))
                matrix = np.load(self.matrix_path).astype(np.float32)
                if isinstance(rows, list) and len(rows) == len(matrix):
                    by_day: dict[str, list[int]] = {}
                    for index, row in enumerate(rows):
                        by_day.setdefault(row[0], []).append(index)
                    self.days = {day: ([rows[i] for i in found], matrix[found]) for day, found in by_day.items()}
            except (OSError, ValueError):
                self.days = {}  # rebuilt from the embedding cache as days are rebuilt
        self.changed = False

    def set_day(self, day: str, entries: Sequence[Entry], cache: EmbeddingCache) -> None:
        rows, vectors = [], []
        for entry in entries:
            vector = cache.get(self.model_id, paper_text(entry.paper))
            if vector is not None:
                rows.append([day, entry.paper.id, entry.paper.title])
                vectors.append(vector / max(float(np.linalg.norm(vector)), 1e-12))
        self.days[day] = (rows, np.asarray(vectors, dtype=np.float32))
        self.changed = True

    def drop_day(self, day: str) -> None:
        if self.days.pop(day, None) is not None:
            self.changed = True

    def _joined(self) -> tuple[list[list[str]], np.ndarray]:
        rows = [row for day_rows, _ in self.days.values() for row in day_rows]
        blocks = [vectors for day_rows, vectors in self.days.values() if day_rows]
        return rows, (np.vstack(blocks) if blocks else np.zeros((0, 0), dtype=np.float32))

    def similar(self, days: set[str]) -> dict[str, dict[str, list[list[str]]]]:
        """For the papers of `days`: day -> id -> its nearest [day, id, title] across every day."""
        rows, matrix = self._joined()
        wanted = [i for i, row in enumerate(rows) if row[0] in days]
        out: dict[str, dict[str, list[list[str]]]] = {d: {} for d in days}
        if not wanted or len(rows) < 2:
            return out
        found = nearest_rows(matrix, wanted, SIMILAR)
        for row_index, neighbours in zip(wanted, found, strict=True):
            day, paper_id, _ = rows[row_index]
            out[day][paper_id] = [rows[j] for j in neighbours]
        return out

    def save(self) -> None:
        if self.changed:
            rows, matrix = self._joined()
            buffer = io.BytesIO()
            np.save(buffer, matrix)
            atomic_write_text(self.rows_path, json.dumps(rows, ensure_ascii=False))
            atomic_write_chunks(self.matrix_path, [buffer.getvalue()])


def nearest_rows(matrix: np.ndarray, rows: list[int], k: int, block: int = 1024) -> list[list[int]]:
    """The `k` nearest other rows of each of `rows` (the whole history against a rebuilt day's papers)."""
    if len(rows) == len(matrix):
        return [list(r) for r in nearest(matrix, k, block)]
    out: list[list[int]] = []
    for start in range(0, len(rows), block):
        chunk = rows[start:start + block]
        sims = matrix[chunk] @ matrix.T
        sims[np.arange(len(chunk)), chunk] = -np.inf
        out += [list(map(int, r)) for r in top_k(sims, min(k, len(matrix) - 1))]
    return out
