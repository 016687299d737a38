"""The reader reorders the scorer's best five: which sentences it reads, and the order it gives."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from index.article import Chunk
from rag.evidence import Sentence
from rag.extractive import select_scored
from rag.question import Question
from rag.reader.pairs import Candidate
from rag.rerank import READER_WEIGHT, RERANK_TOP, best_first, mixed, rerank
from rag.retrieval import Passage

TEXTS = [f"Satz Nummer {i} steht hier." for i in range(8)]
TEXT = " ".join(TEXTS)


class TableReader:
    """Gives each sentence the probability listed for its text (0.5 for the rest) and records what it read."""

    name = "table-reader"

    def __init__(self, p: dict[str, float]) -> None:
        self.p = p
        self.read: list[Candidate] = []

    def score(self, question: str, candidates: list[Candidate]) -> npt.NDArray[np.float32]:
        self.read += candidates
        return np.array([self.p.get(c.sentence, 0.5) for c in candidates], np.float32)


def sentences(scores: list[float]) -> tuple[list[Passage], list[Sentence]]:
    passages = [Passage(0, Chunk("a#0", "a", "Titel", None, None, TEXT, 0, len(TEXT)), 1.0)]
    out, start = [], 0
    for text, score in zip(TEXTS, scores, strict=False):
        out.append(Sentence(0, "a", start, start + len(text), text, score=score))
        start += len(text) + 1
    return passages, out


def test_the_reader_reads_the_scorers_best_five_with_title_and_neighbours() -> None:
    passages, found = sentences([0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.05, 0.6])
    reader = TableReader({})
    rerank(reader, "Frage?", found, passages)
    assert [c.sentence for c in reader.read] == [TEXTS[i] for i in (1, 3, 5, 7, 4)]
    assert all(c.title == "Titel" for c in reader.read)
    assert reader.read[0].before == TEXTS[0] and reader.read[0].after == TEXTS[2]
    assert [s.reread is not None for s in found] == [i in (1, 3, 4, 5, 7) for i in range(8)]
    assert len(reader.read) == RERANK_TOP


def test_the_mix_weighs_both_logits_and_a_sure_scorer_outvotes_the_reader() -> None:
    assert math.isclose(mixed(0.5, 0.9), READER_WEIGHT * math.log(9))
    passages, found = sentences([0.40, 0.35, 0.02, 0.01, 0.01, 0.01])
    rerank(TableReader({TEXTS[1]: 0.95, TEXTS[0]: 0.05, TEXTS[2]: 0.99}), "Frage?", found, passages)
    # close on the scorer, the reader decides: 1 before 0; the scorer's 0.02 is too far below for 0.99
    assert [s.text for s in best_first(found)][:3] == [TEXTS[1], TEXTS[0], TEXTS[2]]
    # what is not reread keeps the scorer's order, behind what is
    assert [s.text for s in best_first(found)][5:] == [TEXTS[5]]


def test_the_answer_quotes_the_reranked_best_and_a_second_by_the_scorers_own_probability() -> None:
    passages, found = sentences([0.40, 0.35, 0.02, 0.30])
    rerank(TableReader({TEXTS[1]: 0.95, TEXTS[0]: 0.05, TEXTS[3]: 0.05}), "Frage?", found, passages)
    chosen = select_scored(Question.parse("Wo steht der Satz?"), found, second=0.32, topic_max=5)
    assert [s.text for s in chosen] == [TEXTS[1], TEXTS[0]]  # 0.40 ≥ second; 0.30 is not
