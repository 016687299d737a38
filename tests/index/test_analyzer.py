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
