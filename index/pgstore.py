"""The index in PostgreSQL + pgvector, shared by every API worker that names the same database.

Postgres is the truth: articles with their sentence spans, sentence vectors and quotations,
chunks with their vectors (pgvector, HNSW, cosine), and a change log. Each process keeps a
read mirror of what answering reads per sentence (articles, chunks, sentences, quotations,
the speaker index, BM25) and asks Postgres for the dense search, with the date and source
filters in its WHERE clause, before top-k. Before each question the process reads the change
log's last number (one indexed query); when another worker wrote, it builds a new mirror
snapshot from the old one plus the changed articles, so questions already running keep theirs
(as with the file store's generations).

Keyword search stays BM25 in the process, not Postgres' German full-text search: on the 48
answerable news dev questions among 2,917 articles (25k chunks), keyword-only recall@1/@5/MRR
was 0.79/0.90/0.84 with BM25 against 0.31/0.58/0.42 with `tsvector` + GIN ranked by
`ts_rank_cd` (any question word matching), hybrid MRR 0.93 against 0.84, at 0.6 ms against
22 ms a query (`git show be57336:scripts/measure_fts.py`).

Writes: an article's sentences are embedded before any transaction; then the article, its
chunks and its change-log entry are written in one transaction. Writers take one advisory
lock per transaction, so the log's numbers are in commit order and a reader that has seen
number n has seen every change up to n.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

from index.article import Article, Chunk
from index.catalog import Catalog, Prepared, prepare
from index.chunking import ChunkingParams
from index.embedder import Embedder, Vectors
from index.errors import IndexMismatchError, NoIndexError
from index.filters import Filters, day_of
from index.manifest import Manifest
from index.pgpool import Pool, last_change, last_seq, migrate
from index.sentences import Span
from index.speech import VERSION as SPEECH_VERSION
from index.speech import ArticleSpeech, annotate
from index.urls import without_credentials

log = logging.getLogger(__name__)

_WRITE_LOCK = 0x5175656C6C656E02  # advisory lock id: "Quellen" + 2 (pgpool's is + 1)


def vector_text(v: Vectors) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in np.asarray(v, dtype=np.float32).ravel()) + "]"


def filter_sql(filters: Filters | None) -> tuple[str, list[Any]]:
    """`filters` as a SQL condition on chunks.day/source (the same rule as `Filters.allows`)."""
    if filters is None or not filters.active():
        return "true", []
    parts: list[str] = []
    params: list[Any] = []
    if filters.source:
        parts.append("lower(source) = lower(%s)")
        params.append(filters.source)
    if filters.since or filters.until:
        bounds = ["day IS NOT NULL"]
        if filters.since:
            bounds.append("day >= %s")
            params.append(filters.since)
        if filters.until:
            bounds.append("day <= %s")
            params.append(filters.until)
        dated = "(" + " AND ".join(bounds) + ")"
        parts.append(f"({dated} OR day IS NULL)" if filters.include_undated else dated)
    return " AND ".join(parts), params


def _manifest(pool: Pool) -> Manifest | None:
    with pool.connection() as conn:
        exists = conn.execute("SELECT to_regclass('quellen_meta') IS NOT NULL").fetchone()
        if not exists or not exists[0]:
            return None
        row = conn.execute("SELECT embedder, dim, chunking, speech_version FROM quellen_meta").fetchone()
    if row is None:
        return None
    return Manifest(embedder=row[0], dim=row[1], chunking=ChunkingParams(**row[2]), speech_version=row[3])


class PgCatalog(Catalog):
    """A `Catalog` whose truth is Postgres (see the module docstring). Its `vectors` stay empty:
    the chunk vectors live in Postgres and `dense_search` asks there."""

    def __init__(self, pool: Pool, manifest: Manifest, seq: int = 0) -> None:
        super().__init__(manifest)
        self.pool = pool
        self.seq = seq  # the change-log number this mirror includes

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, pool: Pool, embedder: Embedder | None = None) -> PgCatalog:
        manifest = _manifest(pool)
        if manifest is None:
            raise NoIndexError(
                f"No articles in the database {without_credentials(pool.url)}: run `rag index seeds/` first"
            )
        migrate(pool, manifest.dim)
        cat = cls(pool, manifest)
        if embedder is not None:
            cat.check_embedder(embedder)
        cat._load()
        return cat

    @classmethod
    def open_or_create(cls, pool: Pool, embedder: Embedder, chunking: ChunkingParams | None = None) -> PgCatalog:
        if _manifest(pool) is None:
            migrate(pool, embedder.dim)
            with pool.connection() as conn, conn.transaction():
                conn.execute(
                    "INSERT INTO quellen_meta (embedder, dim, chunking, speech_version) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT DO NOTHING",
                    (embedder.name, embedder.dim, json.dumps(asdict(chunking or ChunkingParams())), SPEECH_VERSION),
                )
        return cls.open(pool, embedder)

    def _load(self) -> None:
        """The whole mirror, from one snapshot of the database."""
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            self.seq = last_seq(conn)
            self._fetch(conn, None)

    def _fetch(self, conn: Any, ids: list[str] | None) -> None:
        """Install the stored articles `ids` (all if None) and their chunks into the mirror."""
        where, params = ("WHERE id = ANY(%s)", [ids]) if ids is not None else ("", [])
        rows = conn.execute(
            "SELECT id, title, text, date, url, source, extra, content_hash, sentences, sentence_vectors, speech "
            f"FROM articles {where}",
            params,
        ).fetchall()
        cwhere = "WHERE article_id = ANY(%s)" if ids is not None else ""
        chunks: dict[str, list[tuple[int, Chunk]]] = {}
        for row_id, aid, data in conn.execute(
            f"SELECT row_id, article_id, chunk FROM chunks {cwhere} ORDER BY row_id", params
        ):
            chunks.setdefault(aid, []).append((row_id, Chunk.from_dict(data)))
        stale = self.manifest.speech_version != SPEECH_VERSION
        for aid, title, text, date, url, source, extra, _hash, spans_json, blob, speech_json in rows:
            article = Article(aid, title, text, date, url, source, extra)
            spans: list[Span] = [(s, e) for s, e in spans_json]
            vectors = np.frombuffer(blob, dtype=np.float16).reshape(len(spans), self.manifest.dim)
            speech = annotate(text, spans) if stale else ArticleSpeech.from_dict(speech_json, text)
            own = chunks.get(aid, [])
            empty = np.zeros((0, self.manifest.dim), np.float32)
            prepared = Prepared(article, spans, vectors.astype(np.float32), speech, [c for _, c in own], empty)
            self._install(prepared, [r for r, _ in own])
        if stale and rows:
            self.stale_speech = True

    # -- staying current -------------------------------------------------------------------

    def fork(self) -> PgCatalog:
        """A copy of this mirror that changes independently (for a writer, or the next snapshot)."""
        new = PgCatalog(self.pool, replace(self.manifest), self.seq)
        new.copy_mirror(self)
        return new

    def refreshed(self) -> PgCatalog:
        """This mirror if nothing changed since it was read, else a new snapshot with the changes."""
        if last_change(self.pool) == self.seq:
            return self
        new = self.fork()
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            seq = last_seq(conn)
            found = conn.execute(
                "SELECT DISTINCT article_id FROM changes WHERE seq > %s AND seq <= %s", (self.seq, seq)
            )
            changed = [r[0] for r in found]
            for aid in changed:
                new.forget(aid)
            new._fetch(conn, changed)
            new.seq = seq
        return new

    # -- writes ----------------------------------------------------------------------------

    def _replace(self, article: Article, spans: list[Span], sentence_vecs: Vectors) -> None:
        """The embedding happened before (`Catalog.upsert`); the article, its chunks and its
        change-log entry are written in one transaction."""
        prepared = prepare(article, spans, sentence_vecs, self.manifest.chunking)
        rows = self._store(prepared)
        self.forget(article.id)
        self._install(prepared, rows)

    def import_from(self, source: Catalog, progress: Callable[[int], None] | None = None) -> list[str]:
        """Copy the articles of a file index that this database lacks or holds in another version,
        with their vectors, names and quotations: nothing is embedded again. Returns their ids."""
        theirs, ours = (source.manifest.embedder, source.manifest.dim), (self.manifest.embedder, self.manifest.dim)
        if theirs != ours:
            raise IndexMismatchError(f"The file index holds vectors of {theirs}, the database of {ours}: not copied")
        copied = []
        for aid, article in source.articles.items():
            if self.is_unchanged(article):
                continue
            stored = source.sentences.get(aid)
            if stored is None:
                continue
            rows = source.rows_of[aid]
            chunks = [source.chunks[r] for r in rows]
            vectors = source.vectors.vectors_of(rows) if rows else np.zeros((0, self.manifest.dim), np.float32)
            sentence_vectors = stored.vectors.astype(np.float32)
            prepared = Prepared(article, list(stored.spans), sentence_vectors, source.speech[aid], chunks, vectors)
            new_rows = self._store(prepared)
            self.forget(aid)
            self._install(prepared, new_rows)
            copied.append(aid)
            if progress:
                progress(1)
        return copied

    def _store(self, p: Prepared) -> list[int]:
        a = p.article
        blob = np.ascontiguousarray(p.sentence_vectors, dtype=np.float16).tobytes()
        rows: list[int] = []
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
            conn.execute("DELETE FROM articles WHERE id = %s", (a.id,))
            conn.execute(
                "INSERT INTO articles (id, title, text, date, url, source, extra, content_hash, sentences, "
                "sentence_vectors, speech) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    a.id,
                    a.title,
                    a.text,
                    a.date,
                    a.url,
                    a.source,
                    json.dumps(a.extra),
                    a.content_hash,
                    json.dumps(p.spans),
                    blob,
                    json.dumps(p.speech.to_dict(), ensure_ascii=False),
                ),
            )
            for c, v in zip(p.chunks, p.chunk_vectors, strict=True):
                row = conn.execute(
                    "INSERT INTO chunks (article_id, day, source, chunk, embedding) "
                    "VALUES (%s, %s, %s, %s, %s::vector) RETURNING row_id",
                    (a.id, day_of(c.date), c.source, json.dumps(c.to_dict()), vector_text(v)),
                ).fetchone()
                rows.append(int(row[0]))
            conn.execute("INSERT INTO changes (article_id) VALUES (%s)", (a.id,))
        return rows

    def remove(self, article_ids: list[str]) -> list[str]:
        if not article_ids:
            return []
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
            gone = [r[0] for r in conn.execute("DELETE FROM articles WHERE id = ANY(%s) RETURNING id", (article_ids,))]
            for aid in gone:
                conn.execute("INSERT INTO changes (article_id) VALUES (%s)", (aid,))
        for aid in gone:
            self.forget(aid)
        return [a for a in article_ids if a in set(gone)]

    def store_speech(self) -> None:
        """Write the names and quotations found again on load (older rules), as `rag reindex` does."""
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
            for aid, speech in self.speech.items():
                conn.execute(
                    "UPDATE articles SET speech = %s WHERE id = %s",
                    (json.dumps(speech.to_dict(), ensure_ascii=False), aid),
                )
            conn.execute("UPDATE quellen_meta SET speech_version = %s", (SPEECH_VERSION,))
        self.manifest.speech_version = SPEECH_VERSION
        self.stale_speech = False

    # -- search ----------------------------------------------------------------------------

    def dense_search(self, vector: Vectors, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        where, params = filter_sql(filters)
        q = vector_text(vector)
        with self.pool.connection() as conn:
            found = conn.execute(
                f"SELECT row_id, 1 - (embedding <=> %s::vector) FROM chunks WHERE {where} "
                "ORDER BY embedding <=> %s::vector LIMIT %s",
                [q, *params, q, k],
            ).fetchall()
        # A row written after this mirror was read is left for the next question.
        hits = [(int(r), float(s)) for r, s in found if r in self.chunks]
        return sorted(hits, key=lambda rs: (-rs[1], rs[0]))  # iterative scans may return a row late

    def save(self, data_dir: Path) -> Path:
        raise TypeError("the database store commits every write as it happens; there is no file index to save")
