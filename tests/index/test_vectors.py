"""Contract test: every VectorStore behaves like exact brute-force search."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.vectors import FaissStore, NumpyStore, VectorStore


def unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.parametrize("make", [FaissStore, NumpyStore])
def test_store_contract(make: type, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    store: VectorStore = make(16)
    vecs = unit(rng, 50, 16)
    store.add(list(range(100, 150)), vecs)
    assert len(store) == 50
    hits = store.search(vecs[7], 5)
    assert hits[0][0] == 107 and abs(hits[0][1] - 1.0) < 1e-3  # float16 storage
    assert [h[1] for h in hits] == sorted((h[1] for h in hits), reverse=True)
    store.remove([107])
    assert len(store) == 49 and all(r != 107 for r, _ in store.search(vecs[7], 49))
    allowed = {120, 121}
    assert {r for r, _ in store.search(vecs[7], 10, allowed)} == allowed
    assert store.search(vecs[7], 10, set()) == []


def test_faiss_matches_numpy_and_survives_save_load(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    vecs = unit(rng, 200, 32)
    f, n = FaissStore(32), NumpyStore(32)
    for s in (f, n):
        s.add(list(range(200)), vecs)
    q = unit(rng, 1, 32)[0]
    assert [r for r, _ in f.search(q, 10)] == [r for r, _ in n.search(q, 10)]
    f.save(tmp_path)
    g = FaissStore.load(tmp_path, 32)
    assert [r for r, _ in g.search(q, 10)] == [r for r, _ in n.search(q, 10)]


def test_float32_index_from_older_versions_is_upgraded_on_load(tmp_path: Path) -> None:
    import faiss

    rng = np.random.default_rng(2)
    vecs = unit(rng, 30, 16)
    old = faiss.IndexIDMap2(faiss.IndexFlatIP(16))
    old.add_with_ids(vecs, np.arange(500, 530, dtype=np.int64))
    faiss.write_index(old, str(tmp_path / FaissStore.FILE))
    store = FaissStore.load(tmp_path, 16)
    assert len(store) == 30
    assert store.search(vecs[3], 1)[0][0] == 503
    store.save(tmp_path)
    assert type(faiss.downcast_index(faiss.read_index(str(tmp_path / FaissStore.FILE)).index)).__name__ == (
        "IndexScalarQuantizer"
    )
