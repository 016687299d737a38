"""Who said what, on the seed article through the real path (EmbeddingGemma, stored quotations)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from index.catalog import Catalog
from index.embedder import Embedder
from rag.config import Settings
from rag.factory import build_rag
from rag.lang_de import abstain_text
from rag.pipeline import Rag
from tests.conftest import SEED_ID


@pytest.fixture(scope="module")
def rag(seed_data_dir: Path, embedder: Embedder, model_settings: Settings) -> Rag:
    settings = model_settings.model_copy(update={"data_dir": seed_data_dir, "generator": "none"})
    return build_rag(settings, embedder=embedder)


@pytest.fixture(scope="module")
def text(seed_data_dir: Path) -> str:
    return Catalog.load(seed_data_dir).articles[SEED_ID].text


def quoted(rag: Rag, question: str, text: str) -> list[tuple[str, str | None]]:
    answer = rag.ask(question)
    return [(text[q.start : q.end], q.speaker) for c in answer.citations for q in c.quotes]


def test_a_speaker_question_quotes_only_that_speaker_in_article_order(rag: Rag, text: str) -> None:
    quotes = quoted(rag, "Was sagte Hegseth?", text)
    assert quotes and all(speaker == "Pete Hegseth" for _, speaker in quotes)
    assert any("Konflikte entschärfen" in q for q, _ in quotes)
    assert any("noch nie besser" in q for q, _ in quotes)
    assert not any("den Dialog auf politischer Ebene" in q for q, _ in quotes)  # Dong's words
    starts = [text.index(q) for q, _ in quotes]
    assert starts == sorted(starts)


def test_a_speaker_question_about_a_topic_is_narrowed_to_it(rag: Rag, text: str) -> None:
    quotes = quoted(rag, "Was sagte Dong Jun über den Dialog?", text)
    assert quotes and all(speaker == "Dong Jun" for _, speaker in quotes)
    assert any("den Dialog auf politischer Ebene verstärken" in q for q, _ in quotes)
    assert not any("Konflikte entschärfen" in q for q, _ in quotes)


def test_a_speaker_who_is_not_in_the_articles_gets_the_abstention(rag: Rag) -> None:
    answer = rag.ask("Was sagte Olaf Scholz über Taiwan?")
    assert answer.abstained and answer.abstain_reason == "missing" and answer.citations == []
    assert answer.answer == abstain_text("missing")  # „… nennen aber offenbar nicht, wonach gefragt ist.“
    assert answer.related  # the closest passages are still offered


def test_what_was_said_about_taiwan_is_grouped_by_article_and_attributed(rag: Rag, text: str) -> None:
    answer = rag.ask("Was wurde über Taiwan gesagt?")
    title = rag.catalog.articles[SEED_ID].title
    assert answer.answer.splitlines()[0].startswith(f"„{title}“")  # the article's title heads its quotes
    quotes = [(text[q.start : q.end], q.speaker) for c in answer.citations for q in c.quotes]
    assert ("Die heikle Taiwan-Frage sei laut Trump nicht angesprochen worden.", "Donald Trump") in quotes
    # attributed in the text too, after the marker, so the quoted words stay verbatim
    assert any(
        line.startswith("Die heikle Taiwan-Frage") and line.endswith("] – Donald Trump")
        for line in answer.answer.splitlines()
    )


def test_the_speaker_reaches_the_answer_json_of_post_ask(rag: Rag, model_settings: Settings) -> None:
    client = TestClient(create_app(model_settings, rag=rag), base_url="http://localhost")
    r = client.post("/ask", json={"question": "Was sagte Dong Jun?"})
    assert r.status_code == 200
    speakers = {q["speaker"] for c in r.json()["citations"] for q in c["quotes"]}
    assert speakers == {"Dong Jun"}
