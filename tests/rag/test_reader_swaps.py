"""Swapped-word questions: the reader's negatives of the kind "right topic, detail absent"."""

from __future__ import annotations

import random

from rag.reader.data import swapped_question

PARAGRAPH = [
    "Bei den Protesten in Frankfurt wurden 20 Polizisten verletzt.",
    "Die Veranstalter sprachen von friedlichen Demonstranten.",
    "Am Abend räumte die Polizei den Platz.",
]


def test_the_anchor_word_is_replaced_by_a_word_the_answer_does_not_hold() -> None:
    question = "Wie viele Polizisten wurden in Frankfurt verletzt?"
    seen = {swapped_question(question, PARAGRAPH[0], PARAGRAPH, random.Random(seed)) for seed in range(200)}
    # anchors: words the question shares with its answer sentence; replacements: words only other
    # sentences hold („Veranstalter“, „Demonstranten“, „Abend“, „Polizei“, „Platz“)
    assert seen == {
        question.replace(anchor, other)
        for anchor in ("Polizisten", "Frankfurt")
        for other in ("Veranstalter", "Demonstranten", "Abend", "Polizei", "Platz")
    }


def test_no_swap_without_a_shared_word_or_a_replacement() -> None:
    assert swapped_question("Wer räumte den Platz?", PARAGRAPH[0], PARAGRAPH, random.Random(1)) is None
    question = "Wie viele Polizisten wurden verletzt?"
    assert swapped_question(question, PARAGRAPH[0], PARAGRAPH[:1], random.Random(1)) is None
