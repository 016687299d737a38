"""Swapped-word questions: the reader's negatives of the kind "right topic, detail absent"."""

from __future__ import annotations

import random

from rag.lab.reader_data import build_examples, swapped_question
from tests.conftest import FIXTURES

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


def test_training_data_gain_swapped_negatives_only_when_asked() -> None:
    plain = build_examples(FIXTURES / "reader_data", seed=13, swaps=0)
    assert not [e for e in plain.train + plain.held_out if e.source == "swap"]
    split = build_examples(FIXTURES / "reader_data", seed=13, swaps=2)
    swaps = [e for e in split.train if e.source == "swap"]
    positives = {e.group: e for e in split.train if e.source == "qa" and e.label == 1}
    assert swaps and all(e.label == 0 for e in swaps)
    for e in swaps:
        original = positives[e.group.rsplit("-swap", 1)[0]]
        assert e.candidate == original.candidate  # the answer sentence itself, now not an answer
        changed = set(e.question.split()) ^ set(original.question.split())
        assert len(changed) == 2, (e.question, original.question)  # one word out, one word in
