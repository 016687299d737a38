"""The searchable index in memory: articles, chunks, dense vectors and BM25, kept in step.

Rows are integer ids shared by the chunk table, the FAISS store and BM25. Rows are never
reused, so a stale row can never point at another chunk.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index import storage
from index.article import Article, Chunk
from index.chunking import ChunkingParams, chunk_article
from index.embedder import Embedder, Vectors
from index.errors import IndexMismatchError, NoIndexError
from index.evidence import SentenceTable, chunk_vector, within
from index.filters import Filters
from index.keyword import Bm25Index
from index.manifest import FORMAT_VERSION, MIGRATABLE, Manifest
from index.sentences import Span, split_sentences
from index.speech import VERSION as SPEECH_VERSION
from index.speech import ArticleSpeech, SpeakerIndex, annotate
from index.vectors import FaissStore

log = logging.getLogger(__name__)
ARTICLES = "articles.jsonl"
CHUNKS = "chunks.jsonl"


def keyword_text(chunk: Chunk) -> str:
    """Title and date help keyword search but are not part of the stored passage text."""
    head = " ".join(p for p in (chunk.title, f"({chunk.date})" if chunk.date else "") if p)
    return f"{head}\n{chunk.text}" if head and not chunk.text.startswith(chunk.title) else chunk.text


@dataclass(frozen=True)
class Prepared:
    """An article made ready for storing: what every store keeps of it, computed outside any
    lock or transaction (the embedding, the slow part, happened before)."""

    article: Article
    spans: list[Span]
    sentence_vectors: Vectors
    speech: ArticleSpeech
    chunks: list[Chunk]
    chunk_vectors: Vectors  # one row per chunk: the normalized mean of its sentences' vectors


def prepare(article: Article, spans: list[Span], sentence_vecs: Vectors, chunking: ChunkingParams) -> Prepared:
    chunks = chunk_article(article, chunking, spans)
    members = [sentence_vecs[within(spans, c.start, c.end)] for c in chunks]
    vectors = (
        np.stack([chunk_vector(m) for m in members]) if chunks else np.zeros((0, sentence_vecs.shape[-1]), np.float32)
    )
    return Prepared(article, list(spans), sentence_vecs, annotate(article.text, spans), chunks, vectors)


class Catalog:
    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.articles: dict[str, Article] = {}
        self.hashes: dict[str, str] = {}
        self.chunks: dict[int, Chunk] = {}
        self.rows_of: dict[str, list[int]] = {}
        self.vectors = FaissStore(manifest.dim)
        self.bm25 = Bm25Index()
        self.sentences = SentenceTable(manifest.dim)
        self.speech: dict[str, ArticleSpeech] = {}
        self.speakers = SpeakerIndex()
        self.stale_speech = False  # names and quotations were re-found on load: save to keep them

    @classmethod
    def empty(cls, embedder: Embedder, chunking: ChunkingParams | None = None) -> Catalog:
        chunking = chunking or ChunkingParams()
        return cls(Manifest(embedder=embedder.name, dim=embedder.dim, chunking=chunking, speech_version=SPEECH_VERSION))

    # -- changes ---------------------------------------------------------------------------

    def remove(self, article_ids: list[str]) -> list[str]:
        """Remove articles; returns the ids that existed."""
        removed = []
        for aid in article_ids:
            rows = self.forget(aid)
            if rows is not None:
                self.vectors.remove(rows)
                removed.append(aid)
        return removed

    def forget(self, aid: str) -> list[int] | None:
        """Drop an article from everything but the vector store; returns its rows (None: unknown)."""
        rows = self.rows_of.pop(aid, None)
        if rows is None:
            return None
        self.bm25.remove(rows)
        for r in rows:
            del self.chunks[r]
        del self.articles[aid]
        del self.hashes[aid]
        self.sentences.drop(aid)
        self.speech.pop(aid, None)
        self.speakers.drop(aid)
        return rows

    def copy_mirror(self, other: Catalog) -> None:
        """Take `other`'s articles, chunks, sentences, quotations and keyword index as copies that
        change independently (not its vectors): a new snapshot while questions read the old one."""
        self.articles, self.hashes = dict(other.articles), dict(other.hashes)
        self.chunks, self.rows_of = dict(other.chunks), dict(other.rows_of)
        self.sentences = other.sentences.copy()
        self.speech = dict(other.speech)
        self.speakers = other.speakers.copy()
        self.bm25 = other.bm25.copy()

    def is_unchanged(self, article: Article) -> bool:
        return self.hashes.get(article.id) == article.content_hash

    def upsert(
        self,
        articles: list[Article],
        embedder: Embedder,
        progress: Callable[[int], None] | None = None,
        batch: int = 64,
    ) -> None:
        """Split, embed and chunk `articles`, replacing older versions with the same id.

        Each sentence is embedded once, in one call per batch (so the embedder can sort the
        whole batch by length); chunk vectors are built from them (`index.evidence`).
        """
        self.check_embedder(embedder)
        for start in range(0, len(articles), batch):
            part = articles[start : start + batch]
            spans = [split_sentences(a.text) for a in part]
            texts = [a.text[s:e] for a, sp in zip(part, spans, strict=True) for s, e in sp]
            vecs = embedder.embed_documents(texts)
            offset = 0
            for article, sp in zip(part, spans, strict=True):
                sentence_vecs = vecs[offset : offset + len(sp)]
                offset += len(sp)
                self._replace(article, sp, sentence_vecs)
            if progress:
                progress(len(part))

    def _replace(self, article: Article, spans: list[Span], sentence_vecs: Vectors) -> None:
        """Store one embedded article in place of its older version (if any)."""
        self.remove([article.id])
        self._add(article, spans, sentence_vecs)

    def _add(self, article: Article, spans: list[Span], sentence_vecs: Vectors) -> None:
        prepared = prepare(article, spans, sentence_vecs, self.manifest.chunking)
        rows = list(range(self.manifest.next_row, self.manifest.next_row + len(prepared.chunks)))
        self.manifest.next_row += len(prepared.chunks)
        if prepared.chunks:
            self.vectors.add(rows, prepared.chunk_vectors)
        self._install(prepared, rows)

    def _install(self, p: Prepared, rows: list[int]) -> None:
        """Everything but the chunk vectors (which the store keeps where it searches them)."""
        aid = p.article.id
        self.sentences.put(aid, p.spans, p.sentence_vectors)
        self._put_speech(aid, p.speech)
        for r, c in zip(rows, p.chunks, strict=True):
            self.chunks[r] = c
            self.bm25.add(r, keyword_text(c))
        self.rows_of[aid] = rows
        self.articles[aid] = p.article
        self.hashes[aid] = p.article.content_hash

    def _put_speech(self, article_id: str, speech: ArticleSpeech) -> None:
        self.speech[article_id] = speech
        self.speakers.put(article_id, speech)

    # -- search --------------------------------------------------------------------------

    def allowed_rows(self, filters: Filters | None) -> set[int] | None:
        if filters is None or not filters.active():
            return None
        return {row for row, c in self.chunks.items() if filters.allows(c)}

    def dense_search(self, vector: Vectors, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        """(row, cosine) best first, among the rows `filters` allow (before top-k)."""
        return self.vectors.search(vector, k, self.allowed_rows(filters))

    def keyword_search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        """(row, BM25 score) best first, among the rows `filters` allow (before top-k)."""
        return self.bm25.search(query, k, self.allowed_rows(filters))

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
                spans = [list(span) for span in self.sentences.by_article[aid].spans]
                row = {
                    **a.to_dict(),
                    "content_hash": self.hashes[aid],
                    "rows": self.rows_of[aid],
                    "sentences": spans,
                    "speech": self.speech[aid].to_dict(),
                }
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        with (folder / CHUNKS).open("w", encoding="utf-8") as f:
            for r, c in self.chunks.items():
                f.write(json.dumps({"row": r, **c.to_dict()}, ensure_ascii=False) + "\n")
        self.vectors.save(folder)
        self.sentences.save(folder, list(self.articles))
        self.bm25.save(folder)
        self.manifest.save(folder)

    def save(self, data_dir: Path) -> Path:
        """Publish this state as the new current generation (atomic; caller holds the lock)."""
        self.manifest.generation += 1
        return storage.publish(data_dir, self.manifest.generation, self._write)

    @staticmethod
    def stored_articles(data_dir: Path) -> tuple[list[Article], Manifest]:
        """The articles and manifest of the current index, whatever its format version
        (what `rag reindex` needs to rebuild an index this version cannot load)."""
        folder = storage.current_dir(data_dir)
        if folder is None:
            raise NoIndexError(f"No index at {data_dir}/: run `rag index seeds/` first")
        with (folder / ARTICLES).open(encoding="utf-8") as f:
            articles = [Article.from_dict(json.loads(line)) for line in f]
        return articles, Manifest.load(folder)

    @classmethod
    def load(cls, data_dir: Path, embedder: Embedder | None = None) -> Catalog:
        folder = storage.current_dir(data_dir)
        if folder is None:
            raise NoIndexError(f"No index at {data_dir}/: run `rag index seeds/` first")
        manifest = Manifest.load(folder)
        if manifest.format_version not in (FORMAT_VERSION, *MIGRATABLE):
            raise IndexMismatchError(
                f"The index at {folder} has format {manifest.format_version}, this version reads "
                f"{FORMAT_VERSION}: run `rag reindex`"
            )
        cat = cls(manifest)
        if embedder is not None:
            cat.check_embedder(embedder)
        spans: list[tuple[str, list[tuple[int, int]]]] = []
        with (folder / ARTICLES).open(encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                cat.hashes[d["id"]] = d.pop("content_hash")
                cat.rows_of[d["id"]] = d.pop("rows")
                spans.append((d["id"], [(s, e) for s, e in d.pop("sentences")]))
                speech = d.pop("speech", None)
                article = cat.articles[d["id"]] = Article.from_dict(d)
                if speech is not None and manifest.speech_version == SPEECH_VERSION:
                    cat._put_speech(article.id, ArticleSpeech.from_dict(speech, article.text))
                else:  # format 2, or older rules: found again now, without re-embedding
                    cat._put_speech(article.id, annotate(article.text, spans[-1][1]))
                    cat.stale_speech = True
        if cat.stale_speech:
            log.warning(
                "names and quotations of %s were found again on load (index format %d, rules %d, now %d/%d); "
                "run `rag reindex` once to store them and load fast again",
                folder,
                manifest.format_version,
                manifest.speech_version,
                FORMAT_VERSION,
                SPEECH_VERSION,
            )
        manifest.format_version = FORMAT_VERSION
        manifest.speech_version = SPEECH_VERSION
        with (folder / CHUNKS).open(encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                row = d.pop("row")
                cat.chunks[row] = Chunk.from_dict(d)
        cat.vectors = FaissStore.load(folder, manifest.dim)
        cat.bm25 = Bm25Index.load(folder)
        try:
            cat.sentences = SentenceTable.load(folder, manifest.dim, spans)
        except (OSError, ValueError) as e:
            raise IndexMismatchError(f"The index at {folder} is inconsistent ({e}): run `rag reindex`") from e
        if len(cat.vectors) != len(cat.chunks) or len(cat.bm25) != len(cat.chunks):
            raise IndexMismatchError(f"The index at {folder} is inconsistent: run `rag reindex`")
        return cat
