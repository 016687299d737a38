"""Worked examples of the verifier with the real embedder."""

from __future__ import annotations

from index.article import Chunk
from index.embedder import Embedder
from rag.calibration import calibration_for
from rag.evidence import candidate_sentences
from rag.retrieval import Passage
from rag.verify import split_answer, verify_sentences

P1 = "Die Stadt Freiburg hat am Montag einen neuen Radweg eröffnet. Er ist 12 Kilometer lang."
P2 = "In Hamburg regnete es am Dienstag den ganzen Tag. Der Hafen blieb geöffnet."


def passages() -> list[Passage]:
    return [
        Passage(0, Chunk("a#0", "a", "Radweg", None, None, P1, 0, len(P1)), 1.0),
        Passage(1, Chunk("b#0", "b", "Wetter", None, None, P2, 0, len(P2)), 0.5),
    ]


def check(embedder: Embedder, text: str) -> list:  # type: ignore[type-arg]
    ps = passages()
    params = calibration_for(embedder.name).verify  # as the pipeline wires it
    return verify_sentences(split_answer(text), candidate_sentences(ps), [p.chunk.text for p in ps], embedder, params)


def test_citation_moves_to_the_passage_that_supports_the_sentence(embedder: Embedder) -> None:
    [c] = check(embedder, "Die Stadt Freiburg hat am Montag einen neuen Radweg eröffnet. [2]")
    assert c.passage == 0 and c.evidence is not None and c.evidence.start == 0


def test_a_sentence_with_a_wrong_number_is_dropped(embedder: Embedder) -> None:
    [c] = check(embedder, "Der neue Radweg ist 15 Kilometer lang. [1]")
    assert c.evidence is None and "15" in c.reason


def test_swapped_subject_or_added_negation_is_dropped(embedder: Embedder) -> None:
    [c1, c2] = check(
        embedder, "Die Stadt Hamburg hat einen neuen Radweg eröffnet. [1] Der Hafen blieb nicht geöffnet. [2]"
    )
    assert c1.evidence is None and c2.evidence is None


def test_english_is_unsupported(embedder: Embedder) -> None:
    [c] = check(embedder, "The city of Freiburg opened a new bike path on Monday. [1]")
    assert c.evidence is None and c.reason == "not German"
