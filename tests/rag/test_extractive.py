"""How an extractive answer picks its sentences."""

from __future__ import annotations

from dataclasses import replace

from rag.evidence import Sentence
from rag.extractive import ExtractiveParams, select
from rag.question import Question


def test_factual_answer_quotes_the_neighbours_of_the_best_sentence() -> None:
    """The best-scored sentence often points back ("Er …") or forward; its neighbours are quoted too."""
    texts = ["Einleitung.", "Die Ministerin besuchte Kiel.", "Sie sprach dort über den Hafen.", "Dann reiste sie ab."]
    sentences, start = [], 0
    for text, score in zip(texts, [0.1, 0.3, 0.9, 0.2], strict=True):
        sentences.append(Sentence(0, "a", start, start + len(text), text, score=score))
        start += len(text) + 1
    params = ExtractiveParams(max_sentences=1)
    question = Question.parse("Wo sprach die Ministerin über den Hafen?")
    assert [s.text for s in select(question, sentences, params)] == texts[1:4]
    alone = select(question, sentences, replace(params, prev_of_best=0, next_of_best=0))
    assert [s.text for s in alone] == [texts[2]]
