"""Hybrid retrieval: dense and keyword ranks fused by reciprocal rank, with news filters.

Filters (dates, source) are applied by the store inside both searches, before top-k, so a
filtered question still gets k passages when they exist.
Overlapping windows of the same article are deduplicated: the better-ranked one stays.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

import numpy as np

from index.article import Chunk
from index.catalog import Catalog
from index.embedder import Embedder
from index.errors import InputError
from index.filters import Filters
from rag.config import DEFAULTS

Fusion = Literal["rrf", "blend"]

# A passage merged from overlapping windows of one article stays under this many characters: a
# window holds at most 1,200 (index.chunking.ChunkingParams.max_chars), so about two windows.
MAX_MERGED_CHARS = 2000
# Hits taken from each retriever per passage wanted: overlapping windows of one article merge
# into one passage, so k passages can take more than k hits.
HITS_PER_PASSAGE = 3
# With a recency half-life, an article without a usable date weighs as one a half-life old:
# neither favoured as new nor dropped as old.
UNDATED_WEIGHT = 0.5


def parse_date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name}: {value!r} is not an ISO date (YYYY-MM-DD)") from None


@dataclass
class Passage:
    row: int
    chunk: Chunk
    score: float
    dense: float | None = None
    bm25: float | None = None
    ranks: dict[str, int] = field(default_factory=dict)


def rrf(rankings: dict[str, list[int]], weights: dict[str, float], k: int) -> dict[int, float]:
    """Reciprocal-rank fusion: score(d) = sum_r w_r / (k + rank_r(d)), ranks from 1."""
    fused: dict[int, float] = {}
    for name, rows in rankings.items():
        w = weights.get(name, 1.0)
        for rank, row in enumerate(rows, start=1):
            fused[row] = fused.get(row, 0.0) + w / (k + rank)
    return fused


def blend(scores: dict[str, dict[int, float]], weights: dict[str, float]) -> dict[int, float]:
    """Min-max normalized score blend; a row missing from a list gets 0 for it."""
    fused: dict[int, float] = {}
    for name, s in scores.items():
        if not s:
            continue
        lo, hi = min(s.values()), max(s.values())
        span = hi - lo or 1.0
        for row, v in s.items():
            fused[row] = fused.get(row, 0.0) + weights.get(name, 1.0) * (v - lo) / span
    return fused


def overlaps(a: Chunk, b: Chunk) -> bool:
    return a.article_id == b.article_id and a.start < b.end and b.start < a.end


@dataclass
class RetrievalResult:
    passages: list[Passage]
    query_vector: np.ndarray
    embed_ms: float  # until the query vector is ready; BM25 runs meanwhile, so it is included
    search_ms: float


class HybridRetriever:
    def __init__(
        self,
        catalog: Catalog,
        embedder: Embedder,
        rrf_k: int = DEFAULTS.rrf_k,
        weights: dict[str, float] | None = None,
        candidates: int = DEFAULTS.candidates,
        fusion: Fusion = DEFAULTS.fusion,
        recency_half_life_days: float | None = DEFAULTS.recency_half_life_days,
    ) -> None:
        self.catalog = catalog
        self.embedder = embedder
        self.rrf_k = rrf_k
        self.weights = weights or {"dense": DEFAULTS.dense_weight, "bm25": DEFAULTS.bm25_weight}
        self.candidates = candidates
        self.fusion = fusion
        self.half_life = recency_half_life_days
        self.max_merged_chars = MAX_MERGED_CHARS
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed-query")

    def retrieve(
        self,
        query: str,
        k: int,
        filters: Filters | None = None,
        mode: Literal["hybrid", "dense", "bm25"] = "hybrid",
    ) -> RetrievalResult:
        t0 = time.perf_counter()
        # The query is embedded on a worker thread (ONNX Runtime and torch release the GIL)
        # while BM25 runs here; that hides the keyword search behind the embedding.
        pending = self._pool.submit(self.embedder.embed_query, query) if mode != "bm25" else None
        n = max(self.candidates, HITS_PER_PASSAGE * k)
        sparse = self.catalog.keyword_search(query, n, filters) if mode != "dense" else []
        qv = pending.result() if pending is not None else np.zeros(0, np.float32)
        t1 = time.perf_counter()
        dense = self.catalog.dense_search(qv, n, filters) if mode != "bm25" else []
        dense_s, sparse_s = dict(dense), dict(sparse)
        if self.fusion == "rrf":
            fused = rrf({"dense": [r for r, _ in dense], "bm25": [r for r, _ in sparse]}, self.weights, self.rrf_k)
        else:
            fused = blend({"dense": dense_s, "bm25": sparse_s}, self.weights)
        if self.half_life:
            fused = {r: s * self._recency(r) for r, s in fused.items()}
        ranked = sorted(fused.items(), key=lambda rs: (-rs[1], rs[0]))
        out: list[Passage] = []
        for row, score in ranked:
            chunk = self.catalog.chunks[row]
            twins = [p for p in out if overlaps(chunk, p.chunk)]
            if twins:
                # An overlapping window of the same article extends the better-ranked passage
                # (and joins any other passage it bridges) instead of taking a slot of its own.
                merged = self._merged([t.chunk for t in twins] + [chunk])
                if merged is not None:
                    twins[0].chunk = merged
                    out = [p for p in out if all(p is not t for t in twins[1:])]
                continue
            if len(out) == k:
                break
            out.append(Passage(row, chunk, score, dense_s.get(row), sparse_s.get(row)))
        t2 = time.perf_counter()
        return RetrievalResult(out, qv, (t1 - t0) * 1000, (t2 - t1) * 1000)

    def _merged(self, chunks: list[Chunk]) -> Chunk | None:
        """One passage spanning `chunks` (same article), or None if it would be too long."""
        start, end = min(c.start for c in chunks), max(c.end for c in chunks)
        if end - start > self.max_merged_chars:
            return None
        first = chunks[0]
        text = self.catalog.articles[first.article_id].text[start:end]
        return replace(first, text=text, start=start, end=end)

    def _recency(self, row: int) -> float:
        d = self.catalog.chunks[row].date
        if not d or not self.half_life:
            return UNDATED_WEIGHT
        try:
            age = (date.today() - date.fromisoformat(d[:10])).days
        except ValueError:
            return UNDATED_WEIGHT
        return float(math.pow(0.5, max(age, 0) / self.half_life))
