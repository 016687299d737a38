"""Keyword search in Postgres (German FTS: tsvector + GIN, ts_rank_cd) against the BM25 that the
Postgres store keeps in the process, on the news dev set (recall@k, MRR, latency).

    RAG_DATABASE_URL=… .venv/bin/rag eval retrieval --articles … --questions … --distractors …
    RAG_DATABASE_URL=… .venv/bin/python scripts/measure_fts.py ../shared/data/news_wikinews_de/questions_dev.jsonl

The first command copies the evaluation index into the database; this script adds a
temporary full-text table next to it (the product's schema has none: BM25 measured better).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from index.filters import Filters
from index.pgstore import PgCatalog
from rag.config import Settings
from rag.evaluate import evaluate_retrieval, read_jsonl, retrieval_targets
from rag.factory import build_archive, build_embedder, build_rag


def fts(cat: PgCatalog, query: str, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
    terms = " | ".join(f"'{w}'" for w in re.findall(r"\w+", query))  # any question word may match
    if not terms:
        return []
    with cat.pool.connection() as conn:
        found = conn.execute(
            "SELECT row_id, ts_rank_cd(keywords, q) AS score FROM fts_chunks, to_tsquery('german', %s) q "
            "WHERE keywords @@ q ORDER BY score DESC, row_id LIMIT %s",
            (terms, k),
        ).fetchall()
    return [(int(r), float(s)) for r, s in found if r in cat.chunks]


def main(questions: Path) -> None:
    settings = Settings(generator="none")
    embedder = build_embedder(settings)
    cat = build_archive(settings).load(embedder)
    assert isinstance(cat, PgCatalog), "set RAG_DATABASE_URL"
    with cat.pool.connection() as conn, conn.transaction():
        conn.execute("DROP TABLE IF EXISTS fts_chunks")
        conn.execute(
            "CREATE TABLE fts_chunks AS SELECT row_id, to_tsvector('german', "
            "coalesce(chunk->>'title', '') || ' ' || (chunk->>'text')) AS keywords FROM chunks"
        )
        conn.execute("CREATE INDEX ON fts_chunks USING gin (keywords)")
    rag = build_rag(settings, embedder=embedder, catalog=cat)
    targets = retrieval_targets(read_jsonl(questions), dict(cat.articles))
    out = {}
    try:
        for name in ("bm25", "fts"):
            if name == "fts":
                cat.keyword_search = lambda q, k, f=None: fts(cat, q, k, f)  # type: ignore[method-assign,assignment]
            for mode in ("bm25", "hybrid"):
                r = evaluate_retrieval(rag, targets, 10, mode)
                keys = ("recall_at_1", "recall_at_5", "recall_at_10", "mrr", "ms_per_query_p50")
                out[f"{name}/{mode}"] = {key: r[key] for key in keys}
    finally:
        with cat.pool.connection() as conn:
            conn.execute("DROP TABLE fts_chunks")
            conn.commit()
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
