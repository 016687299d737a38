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
    assert hits[0][0] == 107 and abs(hits[0][1] - 1.0) < 1e-5
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
