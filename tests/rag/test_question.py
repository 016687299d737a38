"""A question parsed once: kind, topic, speaker, names, time words and the follow-up query."""

from __future__ import annotations

import pytest

from rag.generator import Message
from rag.question import Question, same_person


@pytest.mark.parametrize(
    ("question", "topic", "speaker", "about"),
    [
        ("Was wurde über Taiwan gesagt?", "Taiwan", None, None),
        ("Was steht in den Artikeln über die Seltenen Erden?", "die Seltenen Erden", None, None),
        ("Was sagt man über Hegseth?", "Hegseth", None, None),  # impersonal: the archive, not a speaker
        ("Was gibt es Neues zu Taiwan?", "Taiwan", None, None),
        ("Was sagte Olaf Scholz über die Rente?", None, "Olaf Scholz", "die Rente"),
        ("Was sagte Hegseth?", None, "Hegseth", None),
        ("Was hat Donald Trump zu Taiwan gesagt?", None, "Donald Trump", "Taiwan"),
        ("Was sagte Kathrin Passig nach ihrem Sieg über das Schreiben?", None, "Kathrin Passig", "das Schreiben"),
        ("Was sagte Mark Toner?", None, "Mark Toner", None),  # „Mark“ and „Toner“ are nouns to the tagger
        ("Was sagte die Regierung?", None, None, None),  # no name: answered like any question
        ("Wo trafen sich die Minister?", None, None, None),
    ],
)
def test_topic_and_speaker_questions_are_told_apart(
    question: str, topic: str | None, speaker: str | None, about: str | None
) -> None:
    q = Question.parse(question)
    assert (q.topic, q.speaker, q.about) == (topic, speaker, about)


def test_kinds_of_detail_and_time_words() -> None:
    assert Question.parse("Wann trafen sich Trump und Xi?").kind == "date"
    assert Question.parse("Wie viele Menschen starben?").kind == "amount"
    wer = Question.parse("Wer gewann am Montag 2008 in Klagenfurt?")
    assert wer.kind == "name" and wer.time_words == ("Montag", "2008")
    money = Question.parse("Wie viel Lösegeld wurde gezahlt?")
    assert money.kind == "money" and money.asks_detail
    assert Question.parse("Warum wurde der Flug gestrichen?").cause
    assert Question.parse("Was kritisierte die Opposition?").speech
    assert not Question.parse("Was geschah in Kiel?").asks_detail


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Wie viel kostete der Start des Satelliten?", "money"),  # „kostete“, not only „kostet“
        ("Was soll das neue Medikament kosten?", "money"),
        ("Was kostet der Notbremsassistent?", "money"),
        ("Zu welchem Preis wurde eine Tonne CO2 gehandelt?", "money"),
        ("Wie hoch wurde der Schaden geschätzt?", "money"),
        ("Wie viele Nominierungen für den Preis gab es?", "amount"),  # a count of nominations
        ("Wie viele Stücke umfasst die Kostümsammlung?", "amount"),  # „Kostüm“ is no cost
        ("Mit wie vielen Arbeitslosen rechnet der Ombudsrat?", "amount"),
        ("Wie hoch war die Arbeitslosenquote im März?", "percent"),
        ("Welcher Anteil der Mitglieder muss zustimmen?", "percent"),
        ("Wie alt war das Flugzeug?", "age"),
        ("Wie lange hatte er in Stadelheim eingesessen?", "duration"),
        ("Wie lang staute sich der Verkehr?", "length"),
        ("Aus welcher Höhe fiel der Monteur?", "distance"),
        ("Wie viel Gewicht verlor der Wanderer?", "weight"),
        ("Wie schnell verlor die Maschine an Höhe?", "speed"),
        ("Um welche Uhrzeit verunglückte der Bus?", "date"),
        ("Seit wann gilt das Gesetz?", "date"),
        ("Gegen wen verlor sie im Finale?", "name"),
        ("Wie heißt das Pferd des Olympiasiegers?", "name"),
        ("Welchem Unternehmen gehört die Anlage?", "name"),
        ("Was wurde über die Kosten gesagt?", None),
        ("Was benannte die Konferenz für Maß und Gewicht nach Tesla?", None),
    ],
)
def test_the_kind_of_detail_asked_for(question: str, kind: str | None) -> None:
    assert Question.parse(question).kind == kind


def test_names_are_names_not_capitalised_nouns() -> None:
    q = Question.parse("Wie viel kostete der Bau für Olaf Scholz in Berlin?")
    assert {(m.name, m.kind) for m in q.mentions} == {("Olaf Scholz", "person"), ("Berlin", "place")}
    assert q.names == {"olaf", "scholz", "berlin"}


def test_a_follow_up_is_parsed_from_its_completed_query() -> None:
    history: list[Message] = [
        {"role": "user", "content": "Was wurde über Taiwan gesagt?"},
        {"role": "assistant", "content": "…"},
    ]
    q = Question.parse("Und was sagte China dazu?", history)
    assert q.text == "Und was sagte China dazu?" and q.query == "Und was sagte China dazu? Taiwan"
    assert "taiwan" in q.terms


def test_same_person_matches_surnames_but_not_namesakes() -> None:
    text = "Olaf Scholz sprach in Berlin. Scholz sagte, die Rente sei sicher."
    assert same_person("Scholz", "Olaf Scholz", text) and same_person("Olaf Scholz", "Scholz", text)
    assert same_person("Olaf Scholz", "Olaf Scholz", text)
    assert not same_person("Olaf Scholz", "Olaf Müller", text)
    assert not same_person("Olaf Scholz", "Anna Scholz", text)
    assert not same_person("Olaf Scholz", "Olaf", text)  # a first name alone is not the person
    assert same_person("Randy Henderson", "Commander Randy Henderson", text)


def test_a_shorter_stored_speaker_is_the_asked_person_only_where_the_whole_name_stands() -> None:
    # the UCL article quotes „University“; „Aga Khan University“ is not named there
    ucl = "Am Donnerstag teilte dann das University College London den Rückzug mit."
    assert not same_person("Aga Khan University", "University", ucl)
    assert same_person("Aga Khan University", "University", "Forscher der Aga Khan University warnen.")
    assert not same_person("Anna Scholz", "Scholz", "Olaf Scholz sprach. Scholz sagte, die Rente sei sicher.")
