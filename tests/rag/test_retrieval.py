from __future__ import annotations

from datetime import date
from pathlib import Path

from index.article import Article
from index.build import upsert_articles
from index.catalog import Catalog
from index.embedder import HashEmbedder
from index.filters import Filters
from rag.retrieval import HybridRetriever, blend, rrf


def test_rrf_worked_example() -> None:
    # dense ranks a, b, c; bm25 ranks c, a.  k=60:
    # a = 1/61 + 1/62, b = 1/62, c = 1/63 + 1/61
    fused = rrf({"dense": [1, 2, 3], "bm25": [3, 1]}, {"dense": 1.0, "bm25": 1.0}, 60)
    assert abs(fused[1] - (1 / 61 + 1 / 62)) < 1e-12
    assert abs(fused[3] - (1 / 63 + 1 / 61)) < 1e-12
    assert sorted(fused, key=lambda r: -fused[r]) == [1, 3, 2]
    weighted = rrf({"dense": [1, 2], "bm25": [2, 1]}, {"dense": 2.0, "bm25": 1.0}, 60)
    assert weighted[1] > weighted[2]


def test_blend_normalizes_each_list() -> None:
    fused = blend({"dense": {1: 0.9, 2: 0.5}, "bm25": {2: 12.0, 3: 2.0}}, {"dense": 1.0, "bm25": 1.0})
    assert fused == {1: 1.0, 2: 1.0, 3: 0.0}


def make(tmp_path: Path) -> HybridRetriever:
    emb = HashEmbedder()
    arts = [
        Article("alt", "Hafen 2019", "Der Hamburger Hafen meldet Rekordumschlag.", "2019-05-01", source="A"),
        Article("neu", "Hafen 2024", "Der Hamburger Hafen meldet wieder Rekordumschlag.", "2024-05-01", source="B"),
        Article("ohne", "Hafen ohne Datum", "Der Hamburger Hafen meldet Rekordumschlag erneut.", None, source="A"),
    ]
    upsert_articles(tmp_path, arts, emb)
    return HybridRetriever(Catalog.load(tmp_path, emb), emb)


def ids(r: HybridRetriever, filters: Filters | None) -> set[str]:
    return {p.chunk.article_id for p in r.retrieve("Hamburger Hafen Rekordumschlag", 5, filters).passages}


def test_filters_apply_before_top_k(tmp_path: Path) -> None:
    r = make(tmp_path)
    assert ids(r, None) == {"alt", "neu", "ohne"}
    assert ids(r, Filters(since=date(2020, 1, 1))) == {"neu"}
    assert ids(r, Filters(until=date(2020, 1, 1), include_undated=True)) == {"alt", "ohne"}
    assert ids(r, Filters(source="a")) == {"alt", "ohne"}
    assert ids(r, Filters(since=date(2030, 1, 1))) == set()


def test_overlapping_windows_of_one_article_merge_into_one_passage(tmp_path: Path) -> None:
    emb = HashEmbedder()
    text = " ".join(f"Satz {i} über den Hafen von Hamburg." for i in range(6))
    upsert_articles(tmp_path, [Article("a", "Hafen", text)], emb)
    r = HybridRetriever(Catalog.load(tmp_path, emb), emb)
    passages = r.retrieve("Hafen Hamburg", 5).passages
    spans = [(p.chunk.start, p.chunk.end) for p in passages]
    assert all(a[1] <= b[0] or b[1] <= a[0] for i, a in enumerate(spans) for b in spans[i + 1 :])
    for p in passages:
        assert text[p.chunk.start : p.chunk.end] == p.chunk.text
