"""Abstention at answer level: the requested detail must stand next to what the question names."""

from __future__ import annotations

import pytest

from index.article import Article
from index.build import upsert_articles
from index.embedder import Embedder
from rag.config import Settings
from rag.factory import build_rag
from rag.lang_de import abstain_text
from rag.pipeline import Rag
from rag.reader.onnx_reader import Reader

KIDNAPPING = Article(
    "entfuehrung",
    "Geiseln nach vier Monaten frei",
    "Die im April auf einer Insel entführten Urlauber sind nach vier Monaten wieder frei. "
    "Unter den Geiseln war eine Familie aus Kassel. "
    "Nach Angaben von Vermittlern wurde ein Lösegeld in Millionenhöhe bezahlt. "
    "Die Familie kehrte am Sonntag nach Deutschland zurück. "
    "Der Anführer der Entführer wird weiter gesucht. "
    "Auf seinen Kopf ist eine Belohnung von fünf Millionen Pesos ausgesetzt. "
    "Die Regierung kündigte an, die Insel stärker zu überwachen. "
    "Touristen wird von Reisen in die Region abgeraten.",
    "2025-09-01",
)

SATELLITE = Article(
    "satellit",
    "Wettersatellit im All",
    "Der Wettersatellit „Meteo 7“ ist am Dienstag vom Weltraumbahnhof Kourou ins All gestartet. "
    "Die Trägerrakete hob um 16:03 Uhr ab. "
    "16 Minuten nach der Trennung von der letzten Raketenstufe empfing die Bodenstation die ersten Signale. "
    "Der Satellit wiegt 2,3 Tonnen und soll zwölf Jahre lang Wetterdaten liefern. "
    "Die Betreiber wollen die ersten Bilder im Herbst veröffentlichen.",
    "2025-09-02",
)


@pytest.fixture(scope="module")
def rag(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, reader: Reader, model_settings: Settings) -> Rag:
    data = tmp_path_factory.mktemp("abstain-data")
    upsert_articles(data, [KIDNAPPING, SATELLITE], embedder)
    return build_rag(
        model_settings.model_copy(update={"data_dir": data, "generator": "none", "scorer": "off"}),
        embedder=embedder,
        reader=reader,
    )


def test_amount_from_another_context_does_not_answer_a_money_question(rag: Rag) -> None:
    # The article names an amount (the bounty) but not the ransom: quoting the bounty would
    # answer a different question.
    a = rag.ask("Wie viel Lösegeld wurde für die Freilassung der Familie bezahlt?")
    assert a.abstained and a.abstain_reason == "missing" and a.citations == []
    assert a.answer == abstain_text("missing")
    assert a.related and a.related[0].article_id == "entfuehrung"


def test_the_amount_is_quoted_when_it_belongs_to_what_is_asked(rag: Rag) -> None:
    a = rag.ask("Wie hoch ist das Kopfgeld für den Anführer der Entführer?")
    assert not a.abstained
    assert "fünf Millionen Pesos" in a.answer
    quoted = [KIDNAPPING.text[q.start : q.end] for c in a.citations for q in c.quotes]
    assert any("Belohnung von fünf Millionen Pesos" in q for q in quoted)


def test_a_number_of_another_kind_does_not_answer_a_cost_question(rag: Rag) -> None:
    # The article has minutes, a clock time, tonnes and years, but no amount of money.
    a = rag.ask("Wie viel kostete der Start des Wettersatelliten?")
    assert a.abstained and a.abstain_reason == "missing" and a.citations == []
    assert a.related and a.related[0].article_id == "satellit"


def test_a_number_of_the_asked_kind_answers(rag: Rag) -> None:
    a = rag.ask("Wie schwer ist der Wettersatellit?")
    assert not a.abstained and "2,3 Tonnen" in a.answer
    a = rag.ask("Wie lange soll der Satellit Wetterdaten liefern?")
    assert not a.abstained and "zwölf Jahre lang" in a.answer
