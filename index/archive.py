"""Where an index lives: a data folder (the default, one process owns it) or a Postgres database
(`RAG_DATABASE_URL`, shared by several API workers). Both give the read path a `Catalog`;
`index.build` writes through this seam, and the API's holder asks it whether another process
wrote since the catalog it answers from was read.
"""

from __future__ import annotations

from collections.abc import Hashable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from index import storage
from index.article import Article
from index.catalog import Catalog
from index.chunking import ChunkingParams
from index.embedder import Embedder
from index.errors import IndexMismatchError, InputError, NoIndexError
from index.manifest import Manifest

if TYPE_CHECKING:
    from index.pgstore import PgCatalog


class Archive(Protocol):
    name: str  # for messages: a folder, or the database URL without password

    def version(self) -> Hashable | None:
        """Changes whenever any process wrote; None while there is no index."""
        ...

    def load(self, embedder: Embedder | None = None) -> Catalog: ...

    def reload(self, old: Catalog, embedder: Embedder) -> Catalog:
        """A catalog with everything written since `old` was read; `old` stays unchanged."""
        ...

    def writing(self) -> AbstractContextManager[None]:
        """Held around a whole write (read, change, publish)."""
        ...

    def open_or_create(self, embedder: Embedder, chunking: ChunkingParams | None) -> Catalog: ...

    def publish(self, catalog: Catalog) -> None:
        """Make the catalog's changes visible to readers (a checkpoint when called mid-write)."""
        ...

    def stored_articles(self) -> tuple[list[Article], Manifest]: ...

    def rebuild(self, articles: list[Article], embedder: Embedder, old: Manifest) -> Catalog:
        """All `articles` embedded anew by `embedder`, replacing the index at once when done."""
        ...


class FileArchive:
    """Generations of files under `data_dir` (`index.storage`): one writer at a time (flock)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.name = f"{data_dir}/"

    def version(self) -> Hashable | None:
        return storage.current_dir(self.data_dir)

    def load(self, embedder: Embedder | None = None) -> Catalog:
        return Catalog.load(self.data_dir, embedder)

    def reload(self, old: Catalog, embedder: Embedder) -> Catalog:
        return Catalog.load(self.data_dir, embedder)

    def writing(self) -> AbstractContextManager[None]:
        return storage.write_lock(self.data_dir)

    def open_or_create(self, embedder: Embedder, chunking: ChunkingParams | None) -> Catalog:
        try:
            return Catalog.load(self.data_dir, embedder)
        except NoIndexError:
            return Catalog.empty(embedder, chunking)

    def publish(self, catalog: Catalog) -> None:
        catalog.save(self.data_dir)

    def stored_articles(self) -> tuple[list[Article], Manifest]:
        return Catalog.stored_articles(self.data_dir)

    def rebuild(self, articles: list[Article], embedder: Embedder, old: Manifest) -> Catalog:
        fresh = Catalog.empty(embedder, old.chunking)
        fresh.manifest.generation = old.generation
        fresh.upsert(articles, embedder)
        fresh.save(self.data_dir)
        return fresh


class PgArchive:
    """A PostgreSQL + pgvector database (`index.pgstore`): every article is committed in its own
    transaction as it is written, so `publish` has nothing left to do, and writers need no lock
    around a whole run (each transaction takes the store's write lock)."""

    def __init__(self, url: str, pool_size: int = 4) -> None:
        from index.pgpool import Pool
        from index.urls import without_credentials

        self.pool = Pool(url, pool_size)
        self.name = without_credentials(url)
        self._latest: PgCatalog | None = None  # the newest mirror read here: writers start from it

    def version(self) -> Hashable | None:
        from index.pgpool import last_change

        return last_change(self.pool)

    def load(self, embedder: Embedder | None = None) -> Catalog:
        from index.pgstore import PgCatalog

        self._latest = PgCatalog.open(self.pool, embedder)
        return self._latest

    def reload(self, old: Catalog, embedder: Embedder) -> Catalog:
        from index.pgstore import PgCatalog

        if not isinstance(old, PgCatalog):
            return self.load(embedder)
        self._latest = old.refreshed()
        return self._latest

    def writing(self) -> AbstractContextManager[None]:
        return nullcontext()

    def open_or_create(self, embedder: Embedder, chunking: ChunkingParams | None) -> Catalog:
        """A writer's own copy of the newest mirror (reading only what changed since), so the
        snapshot that questions read is never changed under them."""
        from index.pgstore import PgCatalog

        if self._latest is None:
            self._latest = PgCatalog.open_or_create(self.pool, embedder, chunking)
        else:
            self._latest.check_embedder(embedder)
            self._latest = self._latest.refreshed()
        return self._latest.fork()

    def publish(self, catalog: Catalog) -> None:
        from index.pgstore import PgCatalog

        if isinstance(catalog, PgCatalog) and catalog.stale_speech:
            catalog.store_speech()

    def stored_articles(self) -> tuple[list[Article], Manifest]:
        cat = self.load()
        return list(cat.articles.values()), cat.manifest

    def rebuild(self, articles: list[Article], embedder: Embedder, old: Manifest) -> Catalog:
        raise IndexMismatchError(
            f"The database {self.name} holds vectors of {old.embedder!r} (dim {old.dim}); re-embedding it in "
            f"place with {embedder.name!r} is not supported: create a new database, set RAG_DATABASE_URL to it "
            "and `rag index` the articles again, or configure the original embedder."
        )


def as_archive(where: Path | Archive) -> Archive:
    return FileArchive(where) if isinstance(where, Path) else where


def copy_into(archive: Archive, source: Catalog, embedder: Embedder) -> tuple[int, int]:
    """Copy a file index into a database archive, vectors, names and quotations included (nothing
    is embedded again); returns (articles copied, articles there now)."""
    from index.pgstore import PgCatalog

    target = archive.open_or_create(embedder, source.manifest.chunking)
    if not isinstance(target, PgCatalog):
        raise InputError(f"{archive.name} is not a database: set RAG_DATABASE_URL to a postgresql:// URL")
    return len(target.import_from(source)), len(target.articles)
