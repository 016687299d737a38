"""The evaluation index cache (`rag.lab.evaluate.cached_index`) completes a build that was cut short
instead of measuring on the part that was embedded."""

from __future__ import annotations

from pathlib import Path

from index.article import Article
from index.build import upsert_articles
from index.embedder import Embedder
from rag.lab.eval_data import cached_index, index_folder

TEXTS = {
    "a": "Der Stadtrat von Kassel beschloss am Montag einen neuen Haushalt. Er sieht mehr Geld für Schulen vor.",
    "b": "In Bremen fiel am Dienstag der Strom aus. Die Versorger sprachen von einem defekten Kabel.",
    "c": "Die Polizei in Kiel meldete einen Einbruch in ein Museum. Gestohlen wurden zwei Gemälde.",
}


def test_an_index_cut_short_is_completed_and_what_was_embedded_is_kept(tmp_path: Path, embedder: Embedder) -> None:
    articles = [Article.from_dict({"id": k, "title": f"Meldung {k}", "text": t}) for k, t in TEXTS.items()]
    folder = index_folder(articles, embedder, tmp_path)
    upsert_articles(folder, articles[:1], embedder)  # what an interrupted build leaves: one of three
    said: list[str] = []
    catalog = cached_index(articles, embedder, tmp_path, said.append)
    assert sorted(catalog.articles) == ["a", "b", "c"]
    assert "2 of 3 articles to embed" in said[0]
    said.clear()
    again = cached_index(articles, embedder, tmp_path, said.append)
    assert sorted(again.articles) == ["a", "b", "c"] and said == []  # complete now: loaded, nothing built
