"""`rag bench scale`: vector search of the file store (FAISS HNSW) and the Postgres store
(pgvector HNSW) at growing corpus sizes, against exact search.

- The real row holds the chunk vectors of an indexed archive (the three news corpora: 25k
  chunks). Larger rows are synthetic: real chunk vectors, each drawn at random and moved by
  Gaussian noise (σ = `NOISE` per dimension, about 0.55 in norm), then normalised, so the data
  keeps the clusters of news text rather than the uniform spread of pure noise, on which
  graphs behave differently.
- Queries are real questions embedded by the configured embedder; recall@10 is the share of
  the exact top 10 (numpy, all vectors) that the store returns.
- Both graphs are built with the same parameters (m 32, ef_construction 80, ef_search 256: the
  file store's) and searched one query at a time, as the API does.
- rss_mb: what holding the store costs the API process (the file store keeps its graph in the
  process; the Postgres store keeps none there, and the server's own memory is given as
  server_rss_mb).
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import psutil

from index.embedder import Vectors
from index.vectors import FaissStore
from rag.lab.bench_serve import rss_mb
from rag.lab.evaluate import percentile

NOISE = 0.02
SEED = 5
REPEAT = 3  # each query is timed this often; the median of all is p50


@dataclass
class Row:
    store: str
    vectors: int
    p50_ms: float
    p95_ms: float
    recall_at_10: float
    rss_mb: float
    build_s: float
    server_rss_mb: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def synthetic(base: Vectors, n: int, rng: np.random.Generator, block: int = 50_000) -> Iterator[Vectors]:
    """`n` vectors near the real ones, in blocks (1M × 768 float32 is 3 GB)."""
    done = 0
    while done < n:
        m = min(block, n - done)
        v = base[rng.integers(0, len(base), m)] + rng.standard_normal((m, base.shape[1]), dtype=np.float32) * NOISE
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        done += m
        yield v.astype(np.float32)


def corpus(base: Vectors, n: int) -> Vectors:
    if n <= len(base):
        return np.ascontiguousarray(base[:n], dtype=np.float32)
    rng = np.random.default_rng(SEED)
    return np.vstack([base, *synthetic(base, n - len(base), rng)])


def exact_top(matrix: Vectors, queries: Vectors, k: int = 10) -> list[set[int]]:
    out = []
    for q in queries:
        scores = matrix @ q
        top = np.argpartition(-scores, k)[:k]
        out.append({int(i) for i in top})
    return out


def _rss_mb() -> float:
    return float(psutil.Process().memory_info().rss) / 2**20


def _timed(
    search: Callable[[Vectors], list[int]], queries: Vectors, truth: list[set[int]]
) -> tuple[float, float, float]:
    times, hits = [], []
    for q, exact in zip(queries, truth, strict=True):
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            found = search(q)
            times.append((time.perf_counter() - t0) * 1000)
        hits.append(len(exact & set(found[:10])) / 10)
    return percentile(times, 0.5), percentile(times, 0.95), float(np.mean(hits))


def bench_file(matrix: Vectors, queries: Vectors, truth: list[set[int]]) -> Row:
    before = _rss_mb()
    t0 = time.perf_counter()
    store = FaissStore(matrix.shape[1])
    for start in range(0, len(matrix), 50_000):
        part = matrix[start : start + 50_000]
        store.add(list(range(start, start + len(part))), part)
    build = time.perf_counter() - t0
    rss = _rss_mb() - before
    p50, p95, recall = _timed(lambda q: [r for r, _ in store.search(q, 10)], queries, truth)
    return Row("file", len(matrix), p50, p95, recall, rss, build)


def _copy_rows(matrix: Vectors) -> Iterator[bytes]:
    """PostgreSQL's binary COPY format for (id bigint, embedding vector): pgvector's binary
    vector is dim (int16), an unused int16, then big-endian float4s. Text would be 8 GB at 1M."""
    yield b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
    dim = matrix.shape[1]
    for i, v in enumerate(matrix):  # per row: the field count, then each field's length and bytes
        fields = struct.pack("!hiq", 2, 8, i) + struct.pack("!ihh", 4 + 4 * dim, dim, 0)
        yield fields + v.astype(">f4").tobytes()
    yield struct.pack("!h", -1)


def bench_postgres(url: str, matrix: Vectors, queries: Vectors, truth: list[set[int]]) -> Row:
    import psycopg

    from index.pgpool import SESSION
    from index.pgstore import vector_text

    n, dim = matrix.shape
    table = f"bench_vectors_{n}"
    before = _rss_mb()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"CREATE TABLE {table} (id bigint PRIMARY KEY, embedding vector({dim}) NOT NULL)")
        t0 = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY {table} (id, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
            batch: list[bytes] = []
            for piece in _copy_rows(matrix):
                batch.append(piece)
                if len(batch) >= 2000:
                    copy.write(b"".join(batch))
                    batch = []
            copy.write(b"".join(batch))
        # the graph must fit in memory while it is built, or the build slows many times over
        conn.execute(f"SET maintenance_work_mem = '{max(256, int(n * dim * 4 * 2.2 / 2**20))}MB'")
        conn.execute("SET max_parallel_maintenance_workers = 1")  # 2 cores: the leader and one helper
        conn.execute(
            f"CREATE INDEX ON {table} USING hnsw (embedding vector_cosine_ops) WITH (m = 32, ef_construction = 80)"
        )
        build = time.perf_counter() - t0
        for stmt in SESSION:
            conn.execute(stmt)
        sql = f"SELECT id FROM {table} ORDER BY embedding <=> %s::vector LIMIT 10"
        conn.execute(sql, (vector_text(queries[0]),))  # warm the index pages
        p50, p95, recall = _timed(lambda q: [r[0] for r in conn.execute(sql, (vector_text(q),))], queries, truth)
        conn.execute(f"DROP TABLE {table}")
    return Row("postgres", n, p50, p95, recall, _rss_mb() - before, build, server_rss_mb(url))


def server_rss_mb(url: str) -> float | None:
    """Resident memory of the server's processes when it runs on this machine (else None)."""
    import psycopg

    # The backend exits when its connection closes, so its parent (the postmaster) is looked up
    # while the connection is still open; looked up after, it raced the exit (CI, stop 21).
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        if row is None:
            return None
        try:
            postmaster = psutil.Process(int(row[0])).parent()
        except psutil.Error:
            return None
    return rss_mb(postmaster) if postmaster is not None else None
