"""Decide when the articles do not answer the question.

Retrieval scores alone cannot tell (unanswerable news questions ask about a real article but a
missing detail), so the decision combines: the best dense similarity of a candidate sentence,
whether any sentence shares the question's content words, and whether the best sentences hold
the kind of answer asked for (a date for "Wann", a number for "Wie viel", a name for "Wer").
The thresholds are fitted on the whole news dev set (see `rag eval answers`).
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.extractive import Sentence, answer_kind


@dataclass(frozen=True)
class AbstainParams:
    min_dense: float = 0.80  # below this, and with no shared content word: unrelated
    min_lexical: float = 0.0  # best lexical overlap must exceed this...
    lexical_dense: float = 0.86  # ...unless a sentence is at least this similar
    kind_top: int = 3  # the answer kind must appear among this many best sentences


def should_abstain(question: str, sentences: list[Sentence], params: AbstainParams) -> bool:
    if not sentences:
        return True
    best_dense = max(s.dense for s in sentences)
    best_lex = max(s.lexical for s in sentences)
    if best_lex <= params.min_lexical and best_dense < params.lexical_dense:
        return True
    if best_dense < params.min_dense:
        return True
    kind = answer_kind(question)
    if kind:
        top = sorted(sentences, key=lambda s: -s.score)[: params.kind_top]
        if not any(s.typed for s in top):
            return True
    return False
