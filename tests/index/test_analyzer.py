from __future__ import annotations

from pathlib import Path

from index.analyzer import analyze
from index.keyword import Bm25Index


def test_german_forms_meet() -> None:
    assert analyze("Bundesländer") == analyze("Bundesland")
    assert analyze("Straße") == analyze("Strasse")
    assert analyze("Gespräche") == analyze("Gespräch")
    assert analyze("und der die das über") == []


def test_bm25_is_incremental_and_persists(tmp_path: Path) -> None:
    idx = Bm25Index()
    idx.add(1, "Der Hafen von Hamburg wächst.")
    idx.add(2, "In Köln fährt ein Zug.")
    assert idx.search("Häfen Hamburgs", 5)[0][0] == 1
    idx.add(3, "Gespräche über den Hafen in Kiel.")
    assert {r for r, _ in idx.search("Gespräch Kiel", 5)} == {3}
    idx.remove([1])
    assert all(r != 1 for r, _ in idx.search("Hamburg Hafen", 5))
    idx.save(tmp_path)
    again = Bm25Index.load(tmp_path)
    assert again.search("Hafen", 5) == idx.search("Hafen", 5)
    assert again.search("Hafen", 5, allowed={2}) == []


def test_bm25_scores_follow_updates_after_searches() -> None:
    """A search caches its terms' postings as arrays; later adds and removes must not see stale ones."""
    texts = {
        1: "Der Hafen von Hamburg wächst.",
        2: "Der Hafen von Kiel schrumpft, sagt der Hafen.",
        3: "Hamburg baut einen neuen Hafen.",
        4: "In Köln fährt ein Zug.",
    }
    live = Bm25Index()
    for row in (1, 2, 4):
        live.add(row, texts[row])
    live.search("Hafen Hamburg", 5)  # fills the caches
    live.add(3, texts[3])
    live.remove([2])
    live.add(2, texts[2])  # re-adding a row replaces it
    live.remove([4])
    fresh = Bm25Index()
    for row in (1, 3, 2):
        fresh.add(row, texts[row])
    for query in ("Hafen Hamburg", "Kiel", "Köln Zug"):
        assert live.search(query, 5) == fresh.search(query, 5)
    assert [r for r, _ in live.search("Hafen Hamburg", 5)][:2] in ([1, 3], [3, 1])
