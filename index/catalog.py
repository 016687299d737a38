"""The searchable index in memory: articles, chunks, dense vectors and BM25, kept in step.

Rows are integer ids shared by the chunk table, the FAISS store and BM25. Rows are never
reused, so a stale row can never point at another chunk.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from index import storage
from index.article import Article, Chunk
from index.chunking import ChunkingParams, chunk_article
from index.embedder import Embedder
from index.errors import IndexMismatchError, NoIndexError
from index.keyword import Bm25Index
from index.manifest import FORMAT_VERSION, Manifest
from index.vectors import FaissStore

ARTICLES = "articles.jsonl"
CHUNKS = "chunks.jsonl"


def embedding_text(chunk: Chunk) -> str:
    """Title and date help retrieval but are not part of the stored passage text."""
    head = " ".join(p for p in (chunk.title, f"({chunk.date})" if chunk.date else "") if p)
    return f"{head}\n{chunk.text}" if head and not chunk.text.startswith(chunk.title) else chunk.text


class Catalog:
    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.articles: dict[str, Article] = {}
        self.hashes: dict[str, str] = {}
        self.chunks: dict[int, Chunk] = {}
        self.rows_of: dict[str, list[int]] = {}
        self.vectors = FaissStore(manifest.dim)
        self.bm25 = Bm25Index()

    @classmethod
    def empty(cls, embedder: Embedder, chunking: ChunkingParams | None = None) -> Catalog:
        return cls(Manifest(embedder=embedder.name, dim=embedder.dim, chunking=chunking or ChunkingParams()))

    # -- changes ---------------------------------------------------------------------------

    def remove(self, article_ids: list[str]) -> list[str]:
        """Remove articles; returns the ids that existed."""
        removed = []
        for aid in article_ids:
            rows = self.rows_of.pop(aid, None)
            if rows is None:
                continue
            self.vectors.remove(rows)
            self.bm25.remove(rows)
            for r in rows:
                del self.chunks[r]
            del self.articles[aid]
            del self.hashes[aid]
            removed.append(aid)
        return removed

    def is_unchanged(self, article: Article) -> bool:
        return self.hashes.get(article.id) == article.content_hash

    def upsert(
        self,
        articles: list[Article],
        embedder: Embedder,
        progress: Callable[[int], None] | None = None,
        batch: int = 64,
    ) -> None:
        """Chunk and embed `articles`, replacing older versions with the same id."""
        self.check_embedder(embedder)
        for start in range(0, len(articles), batch):
            part = articles[start : start + batch]
            chunked = [(a, chunk_article(a, self.manifest.chunking)) for a in part]
            texts = [embedding_text(c) for _, cs in chunked for c in cs]
            vecs = embedder.embed_documents(texts)
            self.remove([a.id for a in part])
            offset = 0
            for article, chunks in chunked:
                rows = list(range(self.manifest.next_row, self.manifest.next_row + len(chunks)))
                self.manifest.next_row += len(chunks)
                self.vectors.add(rows, vecs[offset : offset + len(chunks)])
                for r, c, text in zip(rows, chunks, texts[offset : offset + len(chunks)], strict=True):
                    self.chunks[r] = c
                    self.bm25.add(r, text)
                offset += len(chunks)
                self.rows_of[article.id] = rows
                self.articles[article.id] = article
                self.hashes[article.id] = article.content_hash
            if progress:
                progress(len(part))

    def check_embedder(self, embedder: Embedder) -> None:
        if embedder.name != self.manifest.embedder or embedder.dim != self.manifest.dim:
            raise IndexMismatchError(
                f"The index was built with embedder {self.manifest.embedder!r} (dim {self.manifest.dim}), "
                f"but {embedder.name!r} (dim {embedder.dim}) is configured: run `rag reindex` "
                "to re-embed all articles, or configure the original embedder."
            )

    # -- persistence -----------------------------------------------------------------------

    def _write(self, folder: Path) -> None:
        self.manifest.articles = len(self.articles)
        self.manifest.chunks = len(self.chunks)
        with (folder / ARTICLES).open("w", encoding="utf-8") as f:
            for aid, a in self.articles.items():
                row = {**a.to_dict(), "content_hash": self.hashes[aid], "rows": self.rows_of[aid]}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        with (folder / CHUNKS).open("w", encoding="utf-8") as f:
            for r, c in self.chunks.items():
                f.write(json.dumps({"row": r, **c.to_dict()}, ensure_ascii=False) + "\n")
        self.vectors.save(folder)
        self.bm25.save(folder)
        self.manifest.save(folder)

    def save(self, data_dir: Path) -> Path:
        """Publish this state as the new current generation (atomic; caller holds the lock)."""
        self.manifest.generation += 1
        return storage.publish(data_dir, self.manifest.generation, self._write)

    @classmethod
    def load(cls, data_dir: Path, embedder: Embedder | None = None) -> Catalog:
        folder = storage.current_dir(data_dir)
        if folder is None:
            raise NoIndexError(f"No index at {data_dir}/: run `rag index seeds/` first")
        manifest = Manifest.load(folder)
        if manifest.format_version != FORMAT_VERSION:
            raise IndexMismatchError(
                f"The index at {folder} has format {manifest.format_version}, this version reads "
                f"{FORMAT_VERSION}: run `rag reindex`"
            )
        cat = cls(manifest)
        if embedder is not None:
            cat.check_embedder(embedder)
        with (folder / ARTICLES).open(encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                cat.hashes[d["id"]] = d.pop("content_hash")
                cat.rows_of[d["id"]] = d.pop("rows")
                cat.articles[d["id"]] = Article.from_dict(d)
        with (folder / CHUNKS).open(encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                row = d.pop("row")
                cat.chunks[row] = Chunk.from_dict(d)
        cat.vectors = FaissStore.load(folder, manifest.dim)
        cat.bm25 = Bm25Index.load(folder)
        if len(cat.vectors) != len(cat.chunks) or len(cat.bm25) != len(cat.chunks):
            raise IndexMismatchError(f"The index at {folder} is inconsistent: run `rag reindex`")
        return cat
