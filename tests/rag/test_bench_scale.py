"""`rag bench scale` measures what it says: both stores against exact search on the same vectors."""

from __future__ import annotations

import numpy as np

from rag.lab.bench_scale import bench_file, bench_postgres, corpus, exact_top


def test_both_stores_are_measured_against_exact_search(pg_url: str) -> None:
    rng = np.random.default_rng(3)
    base = rng.standard_normal((200, 32)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    matrix = corpus(base, 500)  # 200 real, 300 near them
    assert matrix.shape == (500, 32) and np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(matrix[:200], base)
    queries = matrix[[3, 250, 499]] + 0.01
    truth = exact_top(matrix, queries)
    assert all(len(t) == 10 for t in truth) and 3 in truth[0] and 499 in truth[2]
    file_row = bench_file(matrix, queries, truth)
    pg_row = bench_postgres(pg_url, matrix, queries, truth)  # binary COPY: wrong bytes would lose recall
    for row, store in ((file_row, "file"), (pg_row, "postgres")):
        assert row.store == store and row.vectors == 500
        assert row.recall_at_10 >= 0.9 and 0 < row.p50_ms <= row.p95_ms
    assert pg_row.server_rss_mb is not None and pg_row.server_rss_mb > 10
