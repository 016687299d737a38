"""What a sentence must hold to state the kind of detail a question asks for (`rag.lang_de.ANSWERS`),
and that a detail the question already states is no answer (`rag.evidence.has_kind`)."""

from __future__ import annotations

import pytest

from rag.evidence import Sentence, has_kind
from rag.lang_de import ANSWERS, AnswerKind
from rag.question import Question


@pytest.mark.parametrize(
    ("kind", "holds", "lacks"),
    [
        ("money", "Die Studie soll 50 Millionen Euro kosten.", "16 Minuten nach dem Start kamen die Signale."),
        ("money", "Der Eintritt kostet zwanzig Euro.", "Zwanzig Besucher kamen zum Euro-Gipfel."),
        ("money", "Das Werk kostete eine Million Euro.", "Eine Million Menschen sahen zu."),
        ("money", "Die Hilfe umfasst eine Milliarde Dollar.", "Eine Milliarde Menschen sind betroffen."),
        ("percent", "Die Quote lag bei 11,7 Prozent.", "Die Quote wird im März veröffentlicht."),
        ("age", "Das verunglückte Flugzeug war 26 Jahre alt.", "Das Flugzeug kam aus Odessa."),
        ("age", "Der 44-jährige Mann wurde entlassen.", "Der Mann wurde entlassen."),
        # a span of years is no age, nor is a -jährig that counts no years
        ("age", "Er starb im Alter von 78 Jahren.", "In den vergangenen 25 Jahren lag er immer richtig."),
        ("age", "Er starb mit 78 Jahren.", "Er war seit 25 Jahren verheiratet."),
        ("age", "Die Fossilien entstanden vor 515 Millionen Jahren.", "Die diesjährige Wahl ging verloren."),
        ("age", "Der dreißigjährige Fahrer überlebte.", "Der langjährige Vorsitzende trat zurück."),
        ("duration", "Die Strecke blieb für mehrere Stunden gesperrt.", "Die Strecke wurde gesperrt."),
        ("distance", "Der Monteur fiel zehn Meter tief.", "Der Monteur kam mit einem Schrecken davon."),
        ("distance", "Die Kollision geschah in etwa 400 Metern Höhe.", "Er wiegt 630 Kilogramm."),
        ("weight", "Der Satellit wiegt 630 Kilogramm.", "Der Satellit ist 4,1 Meter lang."),
        ("date", "Das Treffen findet am 14. April 2010 statt.", "Die Version 1.0.6 ist betroffen."),
        ("amount", "Es kamen gut 20.000 Personen.", "Der Zug startete um 16:03 Uhr im Jahr 2005."),
    ],
)
def test_a_sentence_holds_the_kind_or_lacks_it(kind: AnswerKind, holds: str, lacks: str) -> None:
    assert ANSWERS[kind].search(holds), holds
    assert not ANSWERS[kind].search(lacks), lacks


def test_a_unit_stands_apart_from_the_word_before_it() -> None:
    # „einem“ ends in „m“ and „eine“ is a number word: together they are no distance
    assert not ANSWERS["distance"].search("Er kam mit einem Auto.")
    assert ANSWERS["distance"].search("Der Turm ist 20km hoch.")


def test_number_words_are_whole_words() -> None:
    assert ANSWERS["amount"].search("Zehntausende kamen zur Kundgebung.")
    assert not ANSWERS["amount"].search("Er kam mit einem Auto aus Leipzig.")  # „ein“ is an article, „zig“ a city's end
    assert ANSWERS["duration"].search("Das dauerte einen Tag.")  # before a unit, „ein“ counts
    # „dreißig“ is no „dreizig“
    assert ANSWERS["money"].search("Der Eintritt kostet dreißig Euro.")
    assert ANSWERS["amount"].search("Es kamen zweiunddreißig Menschen.")
    assert ANSWERS["amount"].search("Es kamen dreißigtausend Besucher.")


def sentence(text: str) -> Sentence:
    return Sentence(0, "a", 0, len(text), text)


def test_a_detail_the_question_states_does_not_answer_it() -> None:
    q = Question.parse("Wie alt ist der Täter, der die Bilder der 13-Jährigen verbreitete?")
    assert not has_kind(q, sentence("Die 13-Jährige schickte die Bilder per E-Mail."))
    assert has_kind(q, sentence("Der 31-jährige Täter wurde festgenommen."))
    # a word of the question inside a longer one is no echo: „Uhrzeit“ asked, „Uhr“ answers
    bus = Question.parse("Um welche Uhrzeit verunglückte der Bus?")
    assert has_kind(bus, sentence("Der Bus verunglückte gegen 4 Uhr."))
