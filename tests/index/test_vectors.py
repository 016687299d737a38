"""Contract test: every VectorStore behaves like exact brute-force search."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.vectors import FaissStore, NumpyStore, VectorStore, search_on_calling_thread


def unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def faiss_and_numpy(vecs: np.ndarray) -> tuple[FaissStore, NumpyStore]:
    """The product store and the brute-force reference, holding rows 0..n-1."""
    f, n = FaissStore(vecs.shape[1]), NumpyStore(vecs.shape[1])
    for s in (f, n):
        s.add(list(range(len(vecs))), vecs)
    return f, n


@pytest.mark.parametrize("make", [FaissStore, NumpyStore])
def test_store_contract(make: type, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    store: VectorStore = make(16)
    vecs = unit(rng, 50, 16)
    store.add(list(range(100, 150)), vecs)
    assert len(store) == 50
    hits = store.search(vecs[7], 5)
    assert hits[0][0] == 107 and abs(hits[0][1] - 1.0) < 1e-3
    assert [h[1] for h in hits] == sorted((h[1] for h in hits), reverse=True)
    store.remove([107])
    assert len(store) == 49 and all(r != 107 for r, _ in store.search(vecs[7], 49))
    allowed = {120, 121}
    assert {r for r, _ in store.search(vecs[7], 10, allowed)} == allowed
    assert store.search(vecs[7], 10, set()) == []


def test_faiss_matches_numpy_and_survives_save_load(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    f, n = faiss_and_numpy(unit(rng, 200, 32))
    q = unit(rng, 1, 32)[0]
    assert [r for r, _ in f.search(q, 10)] == [r for r, _ in n.search(q, 10)]
    f.save(tmp_path)
    g = FaissStore.load(tmp_path, 32)
    assert [r for r, _ in g.search(q, 10)] == [r for r, _ in n.search(q, 10)]
    allowed = set(range(0, 200, 3))
    assert [r for r, _ in g.search(q, 10, allowed)] == [r for r, _ in n.search(q, 10, allowed)]


@pytest.mark.parametrize("older", ["flat", "fp16"])
def test_exact_indexes_from_older_versions_are_upgraded_on_load(older: str, tmp_path: Path) -> None:
    import faiss

    rng = np.random.default_rng(2)
    vecs = unit(rng, 30, 16)
    inner = (
        faiss.IndexFlatIP(16)
        if older == "flat"
        else faiss.IndexScalarQuantizer(16, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
    )
    old = faiss.IndexIDMap2(inner)
    old.add_with_ids(vecs, np.arange(500, 530, dtype=np.int64))
    faiss.write_index(old, str(tmp_path / FaissStore.FILE))
    store = FaissStore.load(tmp_path, 16)
    assert len(store) == 30
    assert store.search(vecs[3], 1)[0][0] == 503
    store.save(tmp_path)
    assert type(faiss.downcast_index(faiss.read_index(str(tmp_path / FaissStore.FILE)).index)).__name__ == (
        "IndexHNSWFlat"
    )


def test_removed_rows_stay_gone_across_save_load_and_compaction(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    vecs = unit(rng, 100, 16)
    store = FaissStore(16)
    store.add(list(range(100)), vecs)
    store.remove([5])  # 1 % of the graph: a tombstone, no rebuild
    assert store.search(vecs[5], 100)[0][0] != 5 and len(store) == 99
    store.save(tmp_path)
    again = FaissStore.load(tmp_path, 16)
    assert len(again) == 99 and all(r != 5 for r, _ in again.search(vecs[5], 99))
    again.remove(list(range(10, 30)))  # past COMPACT_SHARE: the graph is rebuilt without them
    hits = {r for r, _ in again.search(vecs[12], 100)}
    assert len(again) == 79 and hits == set(range(100)) - {5} - set(range(10, 30))
    with pytest.raises(ValueError):
        again.add([40], vecs[40:41])  # a live row cannot be added twice


def test_filtered_search_is_exact_over_the_allowed_rows() -> None:
    rng = np.random.default_rng(4)
    f, n = faiss_and_numpy(unit(rng, 3000, 32))
    q = unit(rng, 1, 32)[0]
    allowed = set(range(0, 3000, 7))
    got, want = f.search(q, 20, allowed), n.search(q, 20, allowed)
    assert [r for r, _ in got] == [r for r, _ in want]
    assert np.allclose([s for _, s in got], [s for _, s in want], atol=1e-5)


def test_a_store_leaves_the_process_wide_thread_setting_to_the_process_owner(tmp_path: Path) -> None:
    """OpenMP's thread count is the process's: building or loading a store must not change it;
    `search_on_calling_thread` (called by the `rag` command and the API app) does."""
    import faiss

    before = faiss.omp_get_max_threads()
    try:
        faiss.omp_set_num_threads(2)
        store = FaissStore(8)
        store.add([1], unit(np.random.default_rng(1), 1, 8))
        store.save(tmp_path)
        FaissStore.load(tmp_path, 8)
        assert faiss.omp_get_max_threads() == 2
        search_on_calling_thread()
        assert faiss.omp_get_max_threads() == 1
    finally:
        faiss.omp_set_num_threads(before)
