"""The user-seen measures of `rag eval answers` (`rag.lab.measures`), on answers built by hand."""

from __future__ import annotations

from typing import Any

import pytest

from index.article import Article
from index.errors import InputError
from rag.answer import Answer, Citation, ModelInfo, Quote, Timings
from rag.lab.measures import Tally, auroc, evidence_spans, near_span

TEXT = "Erster Satz über Kiel. Zweiter Satz nennt 40 Euro. Dritter Satz nennt 12 Helfer. Vierter Satz."
ARTICLES = {"a": Article("a", "Titel", TEXT, None)}


def span(sentence: str) -> tuple[int, int]:
    start = TEXT.index(sentence)
    return start, start + len(sentence)


def answer(*sentences: str, abstained: bool = False) -> Answer:
    quotes = [Quote(start=s, end=e) for s, e in map(span, sentences)]
    cites = [
        Citation(n=1, article_id="a", title="Titel", date=None, url=None, chunk_id="a:0", text=TEXT, start=0,
                 end=len(TEXT), score=1.0, verified=True, quotes=quotes)
    ] if quotes else []  # fmt: skip
    return Answer(
        question="?",
        answer="…",
        abstain_reason="doubtful" if abstained else None,
        citations=cites,
        timings=Timings(),
        model=ModelInfo(embedder="e", generator="none"),
    )


def question(answerable: bool = True, **kw: Any) -> dict[str, Any]:
    return {"id": "q", "article_id": "a", "question": "?", "answerable": answerable, **kw}


def test_evidence_is_read_as_a_list_as_spans_as_offsets_and_as_one_string() -> None:
    two = ["Zweiter Satz nennt 40 Euro.", "Dritter Satz nennt 12 Helfer."]
    assert evidence_spans(question(evidence=two), ARTICLES) == [span(two[0]), span(two[1])]
    assert evidence_spans(question(evidence=two[0]), ARTICLES) == [span(two[0])]
    assert evidence_spans(question(evidence_spans=[[0, 5]], evidence=two), ARTICLES) == [(0, 5)]
    assert evidence_spans(question(evidence_start=3, evidence_end=9), ARTICLES) == [(3, 9)]
    assert evidence_spans(question(answerable=False, evidence=two), ARTICLES) == []


def test_a_span_outside_the_article_or_evidence_not_in_it_is_refused_by_question() -> None:
    with pytest.raises(InputError, match="question q: span 5-999"):
        evidence_spans(question(evidence_spans=[[5, 999]]), ARTICLES)
    with pytest.raises(InputError, match=r"question q: 'Nicht da\.' not found"):
        evidence_spans(question(evidence=["Nicht da."]), ARTICLES)


def test_the_near_miss_is_read_as_text_or_span_and_only_for_unanswerable_questions() -> None:
    near = "Dritter Satz nennt 12 Helfer."
    assert near_span(question(False, near=near), ARTICLES) == span(near)
    assert near_span(question(False, near_span=[1, 4]), ARTICLES) == (1, 4)
    assert near_span(question(True, near=near), ARTICLES) is None


def test_concise_hit_needs_the_evidence_within_two_quoted_sentences() -> None:
    ev = "Zweiter Satz nennt 40 Euro."
    q = question(evidence=[ev])
    t = Tally()
    t.add(answer(ev, "Vierter Satz."), q, [span(ev)], None, (0.9, "a", span(ev)))
    t.add(answer("Erster Satz über Kiel.", ev, "Vierter Satz."), q, [span(ev)], None, (0.8, "a", span("Vierter Satz.")))
    t.add(answer(abstained=True), q, [span(ev)], None, None)
    t.add(answer(ev), q, [span(ev)], None, (0.9, "other-article", span(ev)))
    s = t.summary()
    assert s["citation_hit"] == round(3 / 4, 4)
    assert s["concise_hit"] == round(2 / 4, 4)
    assert s["quote_precision"] == round(3 / 6, 4)
    # the second's best sentence is not the evidence, the third had none, and the fourth's lies at
    # the evidence's offsets in another article
    assert s["top1"] == round(1 / 4, 4)
    assert s["false_abstain"] == round(1 / 4, 4)


def test_a_near_miss_quoted_counts_and_an_abstention_does_not() -> None:
    near = "Dritter Satz nennt 12 Helfer."
    q = question(False, near=near)
    t = Tally()
    t.add(answer(near), q, [], span(near), (0.7, "a", span(near)))
    t.add(answer(abstained=True), q, [], span(near), (0.1, "a", span(near)))
    s = t.summary()
    assert s["near_quoted"] == 0.5 and s["abstain_unanswerable"] == 0.5


def test_auroc_is_the_share_of_answerable_over_unanswerable_pairs_ranked_right() -> None:
    assert auroc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert auroc([0.1], [0.9]) == 0.0
    assert auroc([0.5, 0.9], [0.5]) == 0.75  # a tie counts half
    assert auroc([], [0.3]) is None
