"""One contract for both stores: the data folder (default) and PostgreSQL + pgvector.

The Postgres store runs for real (the embedded server from its wheel, a fresh database per
test). The embedder is the deterministic HashEmbedder: these tests are about storage, which is
the same code the real embedder goes through (the real one is in tests/api/test_workers.py).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from index.archive import Archive, FileArchive, PgArchive
from index.article import Article
from index.build import remove_articles, upsert_articles
from index.catalog import Catalog
from index.chunking import ChunkingParams, chunk_article
from index.embedder import HashEmbedder
from index.errors import NoIndexError
from index.filters import Filters
from index.sentences import split_sentences
from rag.retrieval import HybridRetriever
from tests.conftest import wait_for_line

ROOT = Path(__file__).resolve().parents[2]
CITIES = ["Hamburg", "Köln", "Leipzig", "Bremen", "Kiel", "Mainz"]


def article(i: int, version: int = 0) -> Article:
    c = CITIES[i % len(CITIES)]
    text = " ".join(f"In {c} meldete Quelle {i} am Tag {j} den Wert {i * 7 + j + version} Euro." for j in range(7))
    day = f"2025-01-{1 + i % 28:02d}" if i % 5 else None
    return Article(f"art-{i:04d}", f"Bericht {i} aus {c}", text, day, None, ["dpa", "AFP", None][i % 3])


@pytest.fixture(params=["file", "postgres"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the index lives: a folder, or a database URL."""
    return str(tmp_path / "data") if request.param == "file" else str(request.getfixturevalue("pg_url"))


def open_archive(where: str) -> Archive:
    """What a process opens (each call: another process's view, with its own connections)."""
    return PgArchive(where) if where.startswith("postgresql://") else FileArchive(Path(where))


@pytest.fixture()
def archive(where: str) -> Iterator[Archive]:
    a = open_archive(where)
    yield a
    close(a)


def close(a: Archive) -> None:
    if isinstance(a, PgArchive):
        a.pool.close()


def check_consistent(cat: Catalog) -> None:
    """Whole articles only: each has exactly the chunks its text gives, and each chunk is its text."""
    assert set(cat.rows_of) == set(cat.articles) == set(cat.hashes) == set(cat.speech)
    assert sum(len(r) for r in cat.rows_of.values()) == len(cat.chunks) == len(cat.bm25)
    for aid, rows in cat.rows_of.items():
        a = cat.articles[aid]
        expected = chunk_article(a, cat.manifest.chunking, split_sentences(a.text))
        assert [(cat.chunks[r].start, cat.chunks[r].end) for r in rows] == [(c.start, c.end) for c in expected]
        for r in rows:
            c = cat.chunks[r]
            assert c.article_id == aid and a.text[c.start : c.end] == c.text
        stored = cat.sentences.get(aid)
        assert stored is not None and len(stored.spans) == len(stored.vectors)


def test_upsert_is_idempotent_an_update_replaces_and_a_delete_removes(
    archive: Archive, hash_embedder: HashEmbedder
) -> None:
    with pytest.raises(NoIndexError):
        archive.load(hash_embedder)
    s = upsert_articles(archive, [article(1), article(2)], hash_embedder)
    assert (sorted(s.added), s.articles) == (["art-0001", "art-0002"], 2)
    version = archive.version()
    s = upsert_articles(archive, [article(1), article(2)], hash_embedder)
    assert (s.added, s.updated, sorted(s.unchanged)) == ([], [], ["art-0001", "art-0002"])
    assert archive.version() == version  # nothing written

    s = upsert_articles(archive, [article(1, version=100)], hash_embedder)
    assert s.updated == ["art-0001"]
    cat = archive.load(hash_embedder)
    check_consistent(cat)
    assert cat.articles["art-0001"] == article(1, version=100)
    assert "Wert 107" in " ".join(c.text for c in cat.chunks.values() if c.article_id == "art-0001")
    # every chunk says "Wert": the keyword index holds exactly the current chunks, no stale row
    assert {r for r, _ in cat.keyword_search("Wert", 100)} == set(cat.chunks)

    s = remove_articles(archive, ["art-0001", "nope"], hash_embedder)
    assert s.removed == ["art-0001"]
    cat = archive.load(hash_embedder)
    check_consistent(cat)
    assert list(cat.articles) == ["art-0002"]
    q = hash_embedder.embed_query(article(1).text)
    assert {cat.chunks[r].article_id for r, _ in cat.dense_search(q, 10)} == {"art-0002"}
    assert {cat.chunks[r].article_id for r, _ in cat.keyword_search("Hamburg Köln Quelle", 10)} == {"art-0002"}


FILTERS = [
    Filters(source="dpa"),
    Filters(since=date(2025, 1, 10)),
    Filters(until=date(2025, 1, 8), source="afp"),
    Filters(since=date(2025, 1, 5), until=date(2025, 1, 20), include_undated=True),
    Filters(since=date(2025, 1, 27)),
]


@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_filters_apply_before_top_k_like_the_reference(
    archive: Archive, hash_embedder: HashEmbedder, filters: Filters
) -> None:
    """Top-k among the allowed chunks, checked against brute force over `Filters.allows`."""
    upsert_articles(archive, [article(i) for i in range(30)], hash_embedder)
    cat = archive.load(hash_embedder)
    allowed = {r for r, c in cat.chunks.items() if filters.allows(c)}
    assert allowed, "the fixture articles must leave something for every filter"
    question = "Was meldete Quelle 12 in Kiel?"
    q = hash_embedder.embed_query(question)
    rows = list(allowed)
    vectors = hash_embedder.embed_documents([cat.chunks[r].text for r in rows])
    exact = sorted(zip(rows, (vectors @ q).tolist(), strict=True), key=lambda rs: -rs[1])[:3]
    dense = cat.dense_search(q, 3, filters)
    assert len(dense) == min(3, len(allowed))
    assert {r for r, _ in dense} <= allowed
    # stored vectors are the float16 sentence mean: same ranking, scores within 1e-2
    assert np.allclose([s for _, s in dense], [s for _, s in exact], atol=1e-2)
    matching = {r for r in allowed if "Kiel" in cat.chunks[r].text or "Kiel" in cat.chunks[r].title}
    keyword = cat.keyword_search("Kiel", 100, filters)
    assert {r for r, _ in keyword} == matching


def test_readers_see_whole_articles_while_another_process_writes(where: str, hash_embedder: HashEmbedder) -> None:
    writer, reader = open_archive(where), open_archive(where)
    try:
        upsert_articles(writer, [article(i) for i in range(10)], hash_embedder)
        done = threading.Event()
        problems: list[BaseException] = []

        def write() -> None:
            try:
                for round_ in range(6):
                    upsert_articles(
                        writer, [article(i, round_) for i in range(10 + round_ * 3, 20 + round_ * 3)], hash_embedder
                    )
                    remove_articles(writer, [f"art-{10 + round_:04d}"], hash_embedder)
            except BaseException as e:  # reported by the main thread
                problems.append(e)
            finally:
                done.set()

        thread = threading.Thread(target=write)
        cat = reader.load(hash_embedder)
        seen = set()
        thread.start()
        while not done.is_set() or not seen:
            cat = reader.reload(cat, hash_embedder)
            check_consistent(cat)
            hits = HybridRetriever(cat, hash_embedder).retrieve("Quelle 12 Kiel", 5).passages
            assert hits and all(p.chunk.article_id in cat.articles for p in hits)
            seen.add(len(cat.articles))
        thread.join()
        assert not problems, problems
        final = reader.reload(cat, hash_embedder)
        check_consistent(final)
        assert len(final.articles) == 29  # art-0000 … art-0034, less the six removed
        assert len(seen) > 1, "the reader never saw a write in progress; nothing was tested"
    finally:
        close(writer)
        close(reader)


def test_a_write_through_one_process_is_read_by_another_at_once(where: str, hash_embedder: HashEmbedder) -> None:
    one, two = open_archive(where), open_archive(where)
    try:
        upsert_articles(one, [article(1)], hash_embedder)
        cat = two.load(hash_embedder)
        v = two.version()
        t0 = time.perf_counter()
        upsert_articles(one, [article(2)], hash_embedder)
        assert two.version() != v
        cat = two.reload(cat, hash_embedder)
        assert "art-0002" in cat.articles and time.perf_counter() - t0 < 1.0
        remove_articles(one, ["art-0001"], hash_embedder)
        cat = two.reload(cat, hash_embedder)
        assert list(cat.articles) == ["art-0002"]
    finally:
        close(one)
        close(two)


CHILD = r"""
import sys, time
from index.build import upsert_articles
from index.embedder import HashEmbedder
from index import catalog, pgstore
from tests.index.test_stores import article, open_archive

# a slow disk or network: each chunk's write takes a while, so kills land inside writes
_vector_text = pgstore.vector_text
def vector_text(v):
    time.sleep(0.05)
    return _vector_text(v)
pgstore.vector_text = vector_text
_save = catalog.Catalog._write
def write(self, folder):
    time.sleep(0.3)
    _save(self, folder)
catalog.Catalog._write = write

archive = open_archive(sys.argv[1])
emb = HashEmbedder()
start, batches = int(sys.argv[2]), int(sys.argv[3])
for n, b in enumerate(range(start, start + 4 * batches, 4)):
    upsert_articles(archive, [article(i, b) for i in range(b, b + 4)], emb)
    if n == 0:
        print("started", flush=True)  # after the first write: imports and the tagger are loaded
print("finished", flush=True)
"""


def test_sigkill_mid_write_leaves_a_consistent_answerable_store(where: str, hash_embedder: HashEmbedder) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rng = random.Random(11)
    archive = open_archive(where)
    try:
        upsert_articles(archive, [article(i) for i in range(4)], hash_embedder)
        for k in range(4):
            child = subprocess.Popen(
                [sys.executable, "-c", CHILD, where, str(4 + 8 * k), "40"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            wait_for_line(child, b"started\n")
            time.sleep(rng.uniform(0.2, 2.5))
            assert child.poll() is None, "the child finished before the kill; nothing was tested"
            child.send_signal(signal.SIGKILL)
            child.wait()
            cat = archive.load(hash_embedder)
            check_consistent(cat)
            some = cat.articles[max(cat.articles)]
            hits = HybridRetriever(cat, hash_embedder).retrieve(some.text[:120], 3).passages
            assert hits and hits[0].chunk.article_id == some.id
        # the killed writers left no lock behind: a whole run completes
        again = subprocess.run(
            [sys.executable, "-c", CHILD, where, "200", "2"], env=env, capture_output=True, timeout=300
        )
        assert again.returncode == 0, again.stderr.decode()
        check_consistent(archive.load(hash_embedder))
    finally:
        close(archive)


def test_chunking_of_the_fixture_spans_several_chunks() -> None:
    """The kill and reader tests only mean something if an article is several chunks."""
    a = article(3)
    assert len(chunk_article(a, ChunkingParams(), split_sentences(a.text))) >= 3


def test_the_database_refuses_another_embedders_vectors_and_keeps_its_own(pg_url: str) -> None:
    from index.build import reembed_all
    from index.errors import IndexMismatchError

    archive = PgArchive(pg_url)
    try:
        upsert_articles(archive, [article(1), article(2)], HashEmbedder())
        other = HashEmbedder(dim=32)
        with pytest.raises(IndexMismatchError, match="is configured"):
            upsert_articles(archive, [article(3)], other)
        with pytest.raises(IndexMismatchError, match="create a new database"):
            reembed_all(archive, other)
        cat = archive.load(HashEmbedder())
        check_consistent(cat)
        assert sorted(cat.articles) == ["art-0001", "art-0002"]
        assert reembed_all(archive, HashEmbedder()).articles == 2  # the same model: kept as it is
    finally:
        close(archive)
