"""Build or update the index in a data directory: the write path's one entry point.

Unchanged articles (same content hash) are skipped, changed ones are re-embedded and replace
their old chunks, and the result is published atomically under the writer lock.

A long run publishes a checkpoint every `CHECKPOINT_S` seconds, so an interrupted `rag index`
resumes: the articles already published are unchanged the next time and skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from index.archive import Archive, as_archive
from index.article import Article
from index.chunking import ChunkingParams
from index.embedder import Embedder
from index.errors import IndexMismatchError
from index.manifest import FORMAT_VERSION, MIGRATABLE
from index.readers import Skipped

# A killed run loses at most this much work; a checkpoint of 1,000 articles takes about a
# second to write, so it costs under 2 % of the run.
CHECKPOINT_S = 60.0


@dataclass
class IndexSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    articles: int = 0
    chunks: int = 0


def upsert_articles(
    where: Path | Archive,
    articles: list[Article],
    embedder: Embedder,
    skipped: list[Skipped] | None = None,
    chunking: ChunkingParams | None = None,
    on_plan: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
    checkpoint_s: float = CHECKPOINT_S,
) -> IndexSummary:
    """Add or replace `articles` (a later duplicate id wins and the earlier is reported)."""
    summary = IndexSummary(skipped=list(skipped or []))
    by_id: dict[str, Article] = {}
    for a in articles:
        if a.id in by_id:
            summary.skipped.append(Skipped(a.id, "duplicate id in this batch; the later one is used"))
        by_id[a.id] = a
    archive = as_archive(where)
    with archive.writing():
        cat = archive.open_or_create(embedder, chunking)
        todo = []
        for a in by_id.values():
            if cat.is_unchanged(a):
                summary.unchanged.append(a.id)
            else:
                (summary.updated if a.id in cat.articles else summary.added).append(a.id)
                todo.append(a)
        if on_plan:
            on_plan(len(todo))
        if todo or archive.version() is None:
            last = time.monotonic()

            def step(done: int) -> None:
                nonlocal last
                if progress:
                    progress(done)
                if time.monotonic() - last >= checkpoint_s:
                    archive.publish(cat)  # between batches, so the checkpoint is consistent
                    last = time.monotonic()

            cat.upsert(todo, embedder, step)
            archive.publish(cat)
        summary.articles, summary.chunks = len(cat.articles), len(cat.chunks)
    return summary


def remove_articles(where: Path | Archive, article_ids: list[str], embedder: Embedder) -> IndexSummary:
    summary = IndexSummary()
    archive = as_archive(where)
    with archive.writing():
        # with no index yet, `load` says so; else the writer's catalog as for an upsert
        cat = archive.load(embedder) if archive.version() is None else archive.open_or_create(embedder, None)
        summary.removed = cat.remove(article_ids)
        if summary.removed:
            archive.publish(cat)
        summary.articles, summary.chunks = len(cat.articles), len(cat.chunks)
    return summary


def reembed_all(where: Path | Archive, embedder: Embedder) -> IndexSummary:
    """Rebuild the index from its own stored articles with `embedder` (atomic, like any write).

    This is the way out of an embedder mismatch: the old index stays current until the new
    one, built entirely with the new model, replaces it, so mixed vectors are never served.
    An index built with the same model is upgraded without re-embedding: an older format, or
    names and quotations found by older rules (`index.speech.VERSION`).
    """
    archive = as_archive(where)
    with archive.writing():
        # Only the articles are read: the old index may come from another model or format.
        articles, old = archive.stored_articles()
        same_model = (old.embedder, old.dim) == (embedder.name, embedder.dim)
        if same_model and old.format_version in (FORMAT_VERSION, *MIGRATABLE):
            try:
                upgraded = archive.load(embedder)
            except IndexMismatchError:
                pass  # inconsistent files: rebuilt from the articles below
            else:
                archive.publish(upgraded)
                return IndexSummary(updated=[], articles=len(upgraded.articles), chunks=len(upgraded.chunks))
        fresh = archive.rebuild(articles, embedder, old)
        return IndexSummary(updated=list(fresh.articles), articles=len(fresh.articles), chunks=len(fresh.chunks))
