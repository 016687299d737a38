"""Dense vector stores keyed by integer row ids, behind one Protocol.

`FaissStore` is the product store: an HNSW graph over unit vectors (so inner product is
cosine) with caller-chosen row ids, so rows can be removed when articles change.
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


def search_on_calling_thread() -> None:
    """Run FAISS on the calling thread: one query at a time, OpenMP's thread wake-up costs more
    than the search itself. OpenMP's setting is process-wide, so the owners of a process call
    this (the `rag` command's callback and `api.app.create_app`), never a store's constructor."""
    import faiss

    faiss.omp_set_num_threads(1)


class FaissStore:
    """HNSW graph (FAISS `IndexHNSWFlat`, inner product) with caller-chosen row ids.

    Why a graph and not a scan: at 3k articles (25k chunks) an exact scan reads 19–38 MB per
    query, 3–4 ms, and evicts the query encoder's weights from cache; the graph visits a few
    thousand vectors (about 1.9 ms in context, against 3.1–3.6 ms for the float16 scan it
    replaces). With `EF_SEARCH` 256, on the three news corpora (25k chunks) the top 10 equal exact
    search's for all 60 dev questions and the top 40 share 99.3 % of their rows; small archives
    are searched practically exactly.

    HNSW cannot delete: removed rows become tombstones that searches skip, and the graph is
    rebuilt from the remaining vectors once they exceed `COMPACT_SHARE` of it. Filtered searches
    (`allowed`) are exact over the allowed rows, so a narrow date or source filter never loses
    hits to the graph.
    """

    FILE = "vectors.faiss"
    REMOVED = "vectors.removed.npy"
    M = 32
    EF_CONSTRUCTION = 80
    EF_SEARCH = 256
    # A bigger graph needs a wider search for the same recall. On synthetic news-like vectors
    # (`rag bench scale`), 256 returned 99.7 % of the exact top 10 at 200k vectors but 94.8 % at
    # 1M; at 1M, 384 gave 95.0 % and 768 96.7 % in 1.9 ms p50 (0.6 ms with 256).
    EF_SEARCH_LARGE = 768
    LARGE = 200_000
    COMPACT_SHARE = 0.1

    def __init__(self, dim: int, index: Any = None, removed: set[int] | None = None) -> None:
        import faiss

        self.dim = dim
        self._faiss: Any = faiss  # faiss' stubs do not know the SWIG overloads used here
        self._index: Any = index if index is not None else self._empty()
        self._set_removed(removed or set())
        self._live: set[int] = set(self._ids().tolist()) - self._removed

    def _empty(self) -> Any:
        graph = self._faiss.IndexHNSWFlat(self.dim, self.M, self._faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = self.EF_CONSTRUCTION
        graph.hnsw.efSearch = self.EF_SEARCH
        return self._faiss.IndexIDMap2(graph)

    def _set_removed(self, removed: set[int]) -> None:
        """Tombstones, and the selector that skips them, built once per change, not per query."""
        self._removed = removed
        dead = np.fromiter(removed, dtype=np.int64, count=len(removed))
        self._skip: Any = self._faiss.IDSelectorNot(self._faiss.IDSelectorBatch(dead)) if removed else None

    def _ids(self) -> npt.NDArray[np.int64]:
        return self._faiss.vector_to_array(self._index.id_map).astype(np.int64)  # type: ignore[no-any-return]

    def _matrix(self) -> Vectors:
        """The stored vectors in insertion order, as a view (valid until the next add)."""
        n = int(self._index.ntotal)
        storage = self._faiss.downcast_index(self._faiss.downcast_index(self._index.index).storage)
        if n == 0:
            return np.zeros((0, self.dim), np.float32)
        return self._faiss.rev_swig_ptr(storage.get_xb(), n * self.dim).reshape(n, self.dim)  # type: ignore[no-any-return]

    def __len__(self) -> int:
        return len(self._live)

    def add(self, rows: list[int], vectors: Vectors) -> None:
        if not rows:
            return
        if self._removed.intersection(rows) or self._live.intersection(rows):
            raise ValueError("row ids must be new: the catalog never reuses a removed row")
        vecs = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(rows), self.dim)
        self._index.add_with_ids(vecs, np.asarray(rows, dtype=np.int64))
        self._live.update(rows)

    def remove(self, rows: list[int]) -> None:
        gone = self._live.intersection(rows)
        if not gone:
            return
        self._live -= gone
        self._set_removed(self._removed | gone)
        if len(self._removed) > self.COMPACT_SHARE * int(self._index.ntotal):
            self._rebuild()

    def _rebuild(self) -> None:
        """A fresh graph of the live rows (drops the tombstones)."""
        ids = self._ids()
        keep = ~np.isin(ids, np.fromiter(self._removed, dtype=np.int64, count=len(self._removed)))
        vecs = np.array(self._matrix()[keep])
        self._index = self._empty()
        self._set_removed(set())
        self._live = set()
        self.add(ids[keep].tolist(), vecs)

    def search(self, vector: Vectors, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        if len(self) == 0 or k <= 0 or (allowed is not None and not allowed):
            return []
        q = np.ascontiguousarray(vector, dtype=np.float32).reshape(self.dim)
        if allowed is not None:
            return self._exact(q, k, allowed & self._live)
        ef = self.EF_SEARCH if len(self) <= self.LARGE else self.EF_SEARCH_LARGE
        params = self._faiss.SearchParametersHNSW(efSearch=max(ef, k))
        if self._skip is not None:
            params.sel = self._skip
        scores, ids = self._index.search(q.reshape(1, self.dim), min(k, len(self)), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def _exact(self, q: Vectors, k: int, rows: set[int]) -> list[tuple[int, float]]:
        ids = self._ids()
        mask = np.isin(ids, np.fromiter(rows, dtype=np.int64, count=len(rows)))
        scores = self._matrix()[mask] @ q
        ids = ids[mask]
        top = np.argsort(-scores, kind="stable")[:k]
        return [(int(ids[i]), float(scores[i])) for i in top]

    def vectors_of(self, rows: list[int]) -> Vectors:
        """The stored vectors of `rows` (to copy an index elsewhere without re-embedding)."""
        ids = self._ids()
        position = {int(r): i for i, r in enumerate(ids.tolist())}
        matrix = self._matrix()
        return np.array(matrix[[position[r] for r in rows]], dtype=np.float32).reshape(len(rows), self.dim)

    def save(self, directory: Path) -> None:
        self._faiss.write_index(self._index, str(directory / self.FILE))
        if self._removed:
            np.save(directory / self.REMOVED, np.fromiter(sorted(self._removed), dtype=np.int64))

    @classmethod
    def load(cls, directory: Path, dim: int) -> FaissStore:
        import faiss

        index: Any = faiss.read_index(str(directory / cls.FILE))
        if index.d != dim:
            raise ValueError(f"vector index has dimension {index.d}, manifest says {dim}")
        removed_file = directory / cls.REMOVED
        removed = set(np.load(removed_file).tolist()) if removed_file.is_file() else set()
        if isinstance(faiss.downcast_index(index.index), faiss.IndexHNSWFlat):
            return cls(dim, index, removed)
        return cls._upgraded(dim, index)

    @classmethod
    def _upgraded(cls, dim: int, old: Any) -> FaissStore:
        """Earlier versions wrote exact indexes (float32 `IndexFlat`, then float16 scalar
        quantizer); their vectors go into a graph in memory, and the next save keeps it."""
        import faiss

        ids = faiss.vector_to_array(old.id_map).astype(np.int64)
        store = cls(dim)
        store.add(ids.tolist(), old.index.reconstruct_n(0, len(ids)))
        return store


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
