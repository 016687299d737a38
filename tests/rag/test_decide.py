"""The abstention decision on scored candidates: unrelated, missing, found."""

from __future__ import annotations

from rag.abstain import AbstainParams, decide
from rag.extractive import Sentence


def sentence(reader: float, dense: float = 0.9, lexical: float = 0.5) -> Sentence:
    return Sentence(0, "a", 0, 10, "Ein Satz.", dense=dense, lexical=lexical, reader=reader)


def test_no_candidates_is_unrelated() -> None:
    d = decide("Was geschah?", [], AbstainParams())
    assert d.abstain and d.verdict == "unrelated"


def test_far_from_the_question_is_unrelated_whatever_the_reader_says() -> None:
    d = decide("Was geschah?", [sentence(0.99, dense=0.5)], AbstainParams())
    assert d.abstain and d.verdict == "unrelated" and d.confidence == 0.99


def test_no_shared_word_and_only_moderately_close_is_unrelated() -> None:
    d = decide("Was geschah?", [sentence(0.9, dense=0.83, lexical=0.0)], AbstainParams())
    assert d.verdict == "unrelated"


def test_related_but_no_sentence_answers_is_missing() -> None:
    params = AbstainParams(min_reader=0.5)
    d = decide("Was geschah?", [sentence(0.2), sentence(0.49)], params)
    assert d.abstain and d.verdict == "missing" and d.confidence == 0.49


def test_one_answering_sentence_is_enough() -> None:
    d = decide("Was geschah?", [sentence(0.1), sentence(0.8)], AbstainParams(min_reader=0.5))
    assert not d.abstain and d.verdict == "found" and d.confidence == 0.8


def test_a_question_for_a_missing_detail_is_missing_whatever_the_reader_says() -> None:
    # "Wie viel kostet …" needs an amount of money next to a focus word of the question
    s = Sentence(0, "a", 0, 40, "Der Pass wird ab Herbst ausgegeben.", dense=0.9, lexical=0.5, reader=0.95)
    d = decide("Wie viel kostet der Pass?", [s], AbstainParams(min_reader=0.5))
    assert d.abstain and d.verdict == "missing"
