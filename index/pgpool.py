"""The connection to PostgreSQL and the schema Quellen keeps there: a pool whose sessions are
set up for pgvector's graph search, the migrations, and the change log's last number. The
catalog on top of it is `index.pgstore`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from index.errors import IndexMismatchError, StoreUnavailable
from index.urls import without_credentials
from index.vectors import FaissStore

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
# Each version's statements run once, in one transaction, in order; `{dim}` is the embedder's.
MIGRATIONS: dict[int, list[str]] = {
    1: [
        "CREATE EXTENSION IF NOT EXISTS vector",
        """CREATE TABLE quellen_meta (
            one boolean PRIMARY KEY DEFAULT true CHECK (one),
            embedder text NOT NULL, dim int NOT NULL, chunking jsonb NOT NULL, speech_version int NOT NULL)""",
        """CREATE TABLE articles (
            id text PRIMARY KEY, title text NOT NULL, text text NOT NULL, date text, url text, source text,
            extra jsonb NOT NULL, content_hash text NOT NULL,
            sentences jsonb NOT NULL, sentence_vectors bytea NOT NULL, speech jsonb NOT NULL)""",
        """CREATE TABLE chunks (
            row_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            article_id text NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            day date, source text, chunk jsonb NOT NULL, embedding vector({dim}) NOT NULL)""",
        "CREATE INDEX chunks_article ON chunks (article_id)",
        "CREATE INDEX chunks_day ON chunks (day)",
        "CREATE INDEX chunks_source ON chunks (lower(source))",
        # m and ef_construction as the file store's FAISS graph (index.vectors.FaissStore)
        "CREATE INDEX chunks_embedding ON chunks USING hnsw (embedding vector_cosine_ops) "
        f"WITH (m = {FaissStore.M}, ef_construction = {FaissStore.EF_CONSTRUCTION})",
        """CREATE TABLE changes (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, article_id text NOT NULL,
            at timestamptz NOT NULL DEFAULT now())""",
    ],
}
_MIGRATE_LOCK = 0x5175656C6C656E01  # advisory lock id: "Quellen" + 1 (pgstore's writers take + 2)
# As the file store's FAISS search (EF_SEARCH): the top 10 equal exact search's on the news
# dev set. Iterative scans keep a filtered search from returning fewer than k rows. The planner
# prices the graph with ef_search 256 above a sequential scan and sorted 25k vectors instead
# (193-199 ms a query; 7.7 ms through the graph), so these sessions do not scan whole tables;
# a narrow filter still uses the day/source indexes and sorts exactly.
SESSION = (
    f"SET hnsw.ef_search = {FaissStore.EF_SEARCH}",
    "SET hnsw.iterative_scan = relaxed_order",
    "SET enable_seqscan = off",
)


# A server on a LAN or the same machine accepts within milliseconds; past this it is down or
# overloaded, and a question gets 503 rather than waiting on.
CONNECT_TIMEOUT_S = 5.0


class Pool:
    """A small connection pool for one database URL (psycopg_pool), opened once per process."""

    def __init__(self, url: str, size: int = 4) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        self.url = url

        def configure(conn: psycopg.Connection[Any]) -> None:
            for stmt in SESSION:
                conn.execute(stmt)
            conn.commit()

        try:
            self._pool = ConnectionPool(
                url, min_size=1, max_size=size, configure=configure, open=True, timeout=CONNECT_TIMEOUT_S
            )
            self._pool.wait(timeout=CONNECT_TIMEOUT_S)
        except Exception as e:  # psycopg_pool.PoolTimeout, psycopg.OperationalError
            raise StoreUnavailable(f"RAG_DATABASE_URL: cannot connect to the database ({e})") from None

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """A pooled connection; a database that went away is a 503 naming it, not a hang or a 500."""
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            with self._pool.connection(timeout=CONNECT_TIMEOUT_S) as conn:
                yield conn
        except (PoolTimeout, psycopg.OperationalError) as e:
            raise StoreUnavailable(
                f"The database {without_credentials(self.url)} does not answer ({type(e).__name__}): is it running? "
                "(`rag db start` for a local one)"
            ) from None

    def close(self) -> None:
        self._pool.close()


def migrate(pool: Pool, dim: int) -> int:
    """Bring the schema to `SCHEMA_VERSION`; returns the version found before."""
    with pool.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS quellen_schema (version int NOT NULL)")
        row = conn.execute("SELECT max(version) FROM quellen_schema").fetchone()
        found = int(row[0]) if row and row[0] is not None else 0
        if found > SCHEMA_VERSION:
            raise IndexMismatchError(
                f"The database has schema version {found}, this Quellen reads up to {SCHEMA_VERSION}: upgrade Quellen"
            )
        for version in range(found + 1, SCHEMA_VERSION + 1):
            for stmt in MIGRATIONS[version]:
                conn.execute(stmt.format(dim=dim))
            conn.execute("INSERT INTO quellen_schema (version) VALUES (%s)", (version,))
            log.info("database schema migrated to version %d", version)
    return found


def last_change(pool: Pool) -> int | None:
    """The change log's last number (0: no writes yet); None while the schema does not exist."""
    with pool.connection() as conn:
        exists = conn.execute("SELECT to_regclass('changes') IS NOT NULL").fetchone()
        return last_seq(conn) if exists and exists[0] else None


def last_seq(conn: Any) -> int:
    row = conn.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()
    return int(row[0])
