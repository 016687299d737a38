"""„Wer sagte was über X?“ and GET /speakers (issue #42 item 3): people quoted about X, by person."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from index.article import Article
from index.build import upsert_articles
from index.catalog import Catalog
from index.embedder import Embedder
from index.filters import Filters
from rag.config import Settings
from rag.factory import build_rag
from rag.pipeline import Rag
from rag.speaker_view import speaker_view
from tests.conftest import SEED_ID


@pytest.fixture(scope="module")
def seed_rag(seed_data_dir: Path, embedder: Embedder, model_settings: Settings) -> Rag:
    return build_rag(
        model_settings.model_copy(update={"data_dir": seed_data_dir, "generator": "none"}), embedder=embedder
    )


def test_who_said_what_about_taiwan_on_the_seed_lists_trump_with_his_statement(seed_rag: Rag) -> None:
    view = speaker_view(seed_rag.catalog, "Taiwan")
    assert [p.name for p in view.people] == ["Donald Trump"]  # Xi is named, Hegseth speaks, not about Taiwan
    (st,) = view.people[0].statements
    text = seed_rag.catalog.articles[SEED_ID].text
    assert st.text == text[st.start : st.end] == "Die heikle Taiwan-Frage sei laut Trump nicht angesprochen worden."

    a = seed_rag.ask("Wer sagte was über Taiwan?")
    assert not a.abstained and a.about == "Taiwan"
    lines = a.answer.splitlines()
    assert lines[0] == "Donald Trump:" and lines[1].startswith("Die heikle Taiwan-Frage sei laut Trump"), a.answer
    (c,) = a.citations
    assert [(q.start, q.end, q.speaker) for q in c.quotes] == [(st.start, st.end, "Donald Trump")]


def test_nobody_quoted_about_it_is_an_abstention(seed_rag: Rag) -> None:
    a = seed_rag.ask("Wer sagte was über Seltene Erden?")  # the article says it, nobody is quoted on it
    assert a.abstained and a.abstain_reason == "missing" and a.citations == []


ARTICLES = [
    Article("a-2020", "Merkel zu Taiwan", "Angela Merkel sagte, Taiwan sei für Europa wichtig.", "2020-03-01"),
    Article(
        "b-2021",
        "Taiwan im Bundestag",
        "Merkel erklärte, Taiwan bleibe ein wichtiger Partner. Olaf Scholz sagte, mit Taiwan wolle er reden. "
        "Laut Polizei ist die Botschaft Taiwans sicher. Olaf Scholz sagte außerdem, die Rente sei sicher.",
        "2021-05-02",
    ),
]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Catalog:
    data = tmp_path_factory.mktemp("people") / "data"
    upsert_articles(data, ARTICLES, embedder)
    return Catalog.load(data)


def test_people_are_merged_across_articles_ordered_by_how_much_they_said(small: Catalog) -> None:
    view = speaker_view(small, "Taiwan")
    assert [(p.name, [s.article_id for s in p.statements]) for p in view.people] == [
        ("Angela Merkel", ["a-2020", "b-2021"]),  # „Merkel“ in b-2021 is the same person, oldest first
        ("Olaf Scholz", ["b-2021"]),  # his statement on the pension is not about Taiwan
    ]  # „die Polizei“ is no named speaker


def test_the_date_filter_narrows_the_statements(small: Catalog) -> None:
    view = speaker_view(small, "Taiwan", Filters(since=date(2021, 1, 1)))
    # within 2021 only „Merkel“ is named: the view does not borrow a full name from outside the filter
    assert [(p.name, len(p.statements)) for p in view.people] == [("Merkel", 1), ("Olaf Scholz", 1)]


def test_get_speakers_over_http(seed_data_dir: Path, embedder: Embedder, model_settings: Settings) -> None:
    settings = model_settings.model_copy(update={"data_dir": seed_data_dir, "generator": "none"})
    client = TestClient(create_app(settings, build_rag(settings, embedder=embedder)), base_url="http://localhost")
    r = client.get("/speakers", params={"about": "Taiwan"})
    assert r.status_code == 200
    assert [p["name"] for p in r.json()["people"]] == ["Donald Trump"]
    for bad in ("", "   "):
        r = client.get("/speakers", params={"about": bad})
        assert r.status_code == 422 and "about" in r.text, (bad, r.text)
    assert client.get("/speakers", params={"about": "und"}).json() == {"about": "und", "people": []}
