"""Question forms that decide how an extractive answer is gathered."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rag.extractive import ExtractiveParams, Sentence, select, topic_of


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("Was wurde über Taiwan gesagt?", "Taiwan"),
        ("Was steht in den Artikeln über die Seltenen Erden?", "die Seltenen Erden"),
        ("Was sagt man über Hegseth?", "Hegseth"),
        ("Was gibt es Neues zu Taiwan?", "Taiwan"),
        # a named speaker: what one person said is a factual question, not a survey of the archive
        ("Was sagte Giuliana Sgrena über die Schüsse auf ihren Wagen?", None),
        ("Was sagte Kathrin Passig nach ihrem Sieg über das Schreiben?", None),
        ("Wo trafen sich die Minister?", None),
    ],
)
def test_topic_questions_are_told_from_speaker_questions(question: str, topic: str | None) -> None:
    assert topic_of(question) == topic


def test_factual_answer_quotes_the_neighbours_of_the_best_sentence() -> None:
    """The best-scored sentence often points back ("Er …") or forward; its neighbours are quoted too."""
    texts = ["Einleitung.", "Die Ministerin besuchte Kiel.", "Sie sprach dort über den Hafen.", "Dann reiste sie ab."]
    sentences, start = [], 0
    for text, score in zip(texts, [0.1, 0.3, 0.9, 0.2], strict=True):
        sentences.append(Sentence(0, "a", start, start + len(text), text, score=score))
        start += len(text) + 1
    params = ExtractiveParams(max_sentences=1)
    question = "Wo sprach die Ministerin über den Hafen?"
    assert [s.text for s in select(question, sentences, params)] == texts[1:4]
    alone = select(question, sentences, replace(params, prev_of_best=0, next_of_best=0))
    assert [s.text for s in alone] == [texts[2]]


def test_the_reader_weight_moves_the_choice() -> None:
    texts = ["Die Ministerin besuchte Kiel.", "Sie sprach dort über den Hafen."]
    first = Sentence(0, "a", 0, 28, texts[0], score=0.5, reader=0.1)
    second = Sentence(0, "a", 29, 60, texts[1], score=0.45, reader=0.9)
    alone = ExtractiveParams(max_sentences=1, margin=0.0, prev_of_best=0, next_of_best=0)
    assert select("Wo war die Ministerin?", [first, second], alone) == [first]
    weighted = replace(alone, w_reader=0.2)
    assert select("Wo war die Ministerin?", [first, second], weighted) == [second]
