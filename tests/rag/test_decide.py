"""The abstention decision on scored candidates: unrelated, missing, found."""

from __future__ import annotations

from rag.abstain import AbstainParams, decide
from rag.evidence import Sentence
from rag.question import Question


def sentence(dense: float = 0.9, lexical: float = 0.5) -> Sentence:
    return Sentence(0, "a", 0, 10, "Ein Satz.", dense=dense, lexical=lexical)


def test_no_candidates_is_unrelated() -> None:
    d = decide(Question.parse("Was geschah?"), [], AbstainParams())
    assert d.abstain and d.verdict == "unrelated"


def test_far_from_the_question_is_unrelated() -> None:
    d = decide(Question.parse("Was geschah?"), [sentence(dense=0.5)], AbstainParams())
    assert d.abstain and d.verdict == "unrelated"


def test_no_shared_word_and_only_moderately_close_is_unrelated() -> None:
    d = decide(Question.parse("Was geschah?"), [sentence(dense=0.83, lexical=0.0)], AbstainParams())
    assert d.verdict == "unrelated"


def test_close_and_asking_for_no_particular_detail_is_found() -> None:
    d = decide(Question.parse("Was geschah?"), [sentence(dense=0.83), sentence()], AbstainParams())
    assert not d.abstain and d.verdict == "found" and d.details == []


def test_a_question_for_a_missing_detail_is_missing() -> None:
    # "Wie viel kostet …" needs an amount of money next to a focus word of the question
    s = Sentence(0, "a", 0, 40, "Der Pass wird ab Herbst ausgegeben.", dense=0.9, lexical=0.5)
    d = decide(Question.parse("Wie viel kostet der Pass?"), [s], AbstainParams())
    assert d.abstain and d.verdict == "missing"


def named(text: str, article: str = "a", start: int = 0, sources: set[str] | None = None) -> Sentence:
    from index.names import NameFinder

    found = NameFinder().mentions(text)
    s = Sentence(0, article, start, start + len(text), text, dense=0.9, lexical=0.5, mentions=found)
    s.sources = sources or set()
    return s


def test_only_articles_naming_the_asked_person_answer() -> None:
    from index.speech import ArticleSpeech
    from rag.abstain import naming_articles

    q = Question.parse("Welche Strafe erhielt der Aktivist Hu Jia?")
    about_hu = named("Ein Gericht verurteilte ihn zu Haft.", "hu")
    other = named("Der Blogger Zarganar erhielt 59 Jahre Haft.", "rog")
    speech = {
        "hu": ArticleSpeech(mentions=named("Der Aktivist Hu Jia wurde verhaftet.").mentions),
        "rog": ArticleSpeech(mentions=other.mentions),
    }
    assert naming_articles(q, [other, about_hu], speech, AbstainParams()) == [about_hu]
    assert naming_articles(q, [other], speech, AbstainParams()) == []
    assert naming_articles(q, [other], speech, AbstainParams(named_in_article=False)) == [other]


def test_a_who_question_is_not_answered_by_the_source_of_a_report() -> None:
    q = Question.parse("Wer zündete den Sprengsatz in der U-Bahn?")
    source_only = named("Der Sprengsatz explodierte in der U-Bahn, berichtete die Agentur Interfax.")
    assert [m.name for m in source_only.mentions] == ["Interfax"]  # a name, so only `sources` excludes it
    source_only.sources = {"Interfax"}
    assert decide(q, [source_only], AbstainParams()).verdict == "missing"
    culprit = named("Den Sprengsatz in der U-Bahn zündete Akbarschon Dschalilow.", start=200)
    assert decide(q, [source_only, culprit], AbstainParams()).verdict == "found"
