"""Dense vector stores keyed by integer row ids, behind one Protocol.

`FaissStore` is the product store: an ID-mapped inner-product index over unit vectors (so
inner product is cosine), which lets rows be removed when articles change. Vectors are kept
as float16 (FAISS' scalar quantizer): that halves memory, and a one-query scan of 25k chunks
takes 1.6–3.5 ms instead of 4.2 ms with float32 `IndexFlatIP`; cosines change by about 1e-4.
`NumpyStore` is a brute-force reference used by the contract tests to check FAISS against numpy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class VectorStore(Protocol):
    """Rows are ints chosen by the caller; `search` returns (row, cosine) best first.

    `allowed`, when given, restricts the search to those rows *before* top-k is taken.
    """

    dim: int

    def __len__(self) -> int: ...

    def add(self, rows: list[int], vectors: Vectors) -> None: ...

    def remove(self, rows: list[int]) -> None: ...

    def search(self, vector: Vectors, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]: ...

    def save(self, directory: Path) -> None: ...


class FaissStore:
    FILE = "vectors.faiss"

    def __init__(self, dim: int, index: Any = None) -> None:
        import faiss

        self.dim = dim
        # One query at a time: OpenMP's thread wake-up costs more than the scan (7 ms vs 0.1 ms
        # per query measured with `rag bench`), so FAISS searches on the calling thread.
        faiss.omp_set_num_threads(1)
        self._faiss: Any = faiss  # faiss' stubs do not know the SWIG overloads used here
        self._index: Any = index if index is not None else self._empty()

    def _empty(self) -> Any:
        codes = self._faiss.IndexScalarQuantizer(
            self.dim, self._faiss.ScalarQuantizer.QT_fp16, self._faiss.METRIC_INNER_PRODUCT
        )
        return self._faiss.IndexIDMap2(codes)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, rows: list[int], vectors: Vectors) -> None:
        if not rows:
            return
        vecs = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(rows), self.dim)
        self._index.add_with_ids(vecs, np.asarray(rows, dtype=np.int64))

    def remove(self, rows: list[int]) -> None:
        if rows:
            self._index.remove_ids(np.asarray(rows, dtype=np.int64))

    def search(self, vector: Vectors, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        if len(self) == 0 or k <= 0 or (allowed is not None and not allowed):
            return []
        q = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, self.dim)
        params = None
        if allowed is not None:
            sel = self._faiss.IDSelectorBatch(np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
            params = self._faiss.SearchParameters(sel=sel)
        scores, ids = self._index.search(q, min(k, len(self)), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def save(self, directory: Path) -> None:
        self._faiss.write_index(self._index, str(directory / self.FILE))

    @classmethod
    def load(cls, directory: Path, dim: int) -> FaissStore:
        import faiss

        index: Any = faiss.read_index(str(directory / cls.FILE))
        if index.d != dim:
            raise ValueError(f"vector index has dimension {index.d}, manifest says {dim}")
        store = cls(dim, index)
        if isinstance(faiss.downcast_index(index.index), faiss.IndexFlat):
            store._upgrade()
        return store

    def _upgrade(self) -> None:
        """Re-encode an index that earlier versions wrote as float32, in memory; the next save keeps it."""
        ids = self._faiss.vector_to_array(self._index.id_map).astype(np.int64)
        vecs = self._index.index.reconstruct_n(0, len(ids))
        self._index = self._empty()
        self.add(ids.tolist(), vecs)


class NumpyStore:
    """Exact brute-force search; the reference implementation for contract tests."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._rows: dict[int, Vectors] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, rows: list[int], vectors: Vectors) -> None:
        for r, v in zip(rows, np.asarray(vectors, np.float32).reshape(len(rows), self.dim), strict=True):
            self._rows[r] = v

    def remove(self, rows: list[int]) -> None:
        for r in rows:
            self._rows.pop(r, None)

    def search(self, vector: Vectors, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        items = [(r, float(v @ vector)) for r, v in self._rows.items() if allowed is None or r in allowed]
        return sorted(items, key=lambda rs: (-rs[1], rs[0]))[:k]

    def save(self, directory: Path) -> None:
        rows = np.asarray(sorted(self._rows), dtype=np.int64)
        np.savez(directory / "vectors.npz", rows=rows, vecs=np.stack([self._rows[r] for r in rows]))
