"""Decide when the articles do not answer the question.

Retrieval scores alone cannot tell (unanswerable news questions ask about a real article but a
missing detail), so the decision combines: the best dense similarity of a candidate sentence,
whether any sentence shares the question's content words, and whether the best sentences hold
the kind of answer asked for (a date for "Wann", a number for "Wie viel", a name for "Wer").
The thresholds are fitted on the whole news dev set (see `rag eval answers`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.extractive import Sentence, answer_kind
from rag.text import names

_MONEY_Q = re.compile(
    r"\b(preis|preisgeld|euro|dollar|geld|kostet|kosten|gekostet|lohn|gehalt|lösegeld|kopfgeld|betrag|summe|"
    r"gebühr\w*|sachschaden|einbringen|einnahmen|bezahlt|gezahlt)\b",
    re.I,
)
_MONEY = re.compile(
    r"(\d[\d.,]*|\b(ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|hundert|tausend)\w*)\s*"
    r"(millionen\s+|milliarden\s+|mio\.?\s+|mrd\.?\s+)?"
    r"(euro|€|dollar|us-dollar|\$|pesos?|franken|pfund|yuan|rubel|kronen|cent)\b|[€$]\s*\d",
    re.I,
)


_HOW_MUCH = re.compile(r"\b(wie viel|wieviel|wie hoch|welche\w* (preis|summe|betrag)|zu welchem preis|auf wie viel)")


def asks_money(question: str) -> bool:
    q = question.lower()
    return bool(_MONEY_Q.search(q)) and bool(
        re.search(r"\b(wie viel|wieviel|wie hoch|welche\w* (preis|summe|betrag)|zu welchem preis|auf wie viel)", q)
    )


def has_requested_detail(question: str, sentences: list[Sentence]) -> bool:
    """Does any of `sentences` hold the kind of detail the question asks for?"""
    if asks_money(question):
        return any(_MONEY.search(s.text) for s in sentences)
    kind = answer_kind(question)
    if kind == "name":
        asked = names(question)
        return any(names(s.text) - asked for s in sentences)
    return not kind or any(s.typed for s in sentences)


@dataclass(frozen=True)
class AbstainParams:
    min_dense: float = 0.80  # below this, and with no shared content word: unrelated
    min_lexical: float = 0.0  # best lexical overlap must exceed this...
    lexical_dense: float = 0.86  # ...unless a sentence is at least this similar


def should_abstain(question: str, sentences: list[Sentence], params: AbstainParams) -> bool:
    if not sentences:
        return True
    best_dense = max(s.dense for s in sentences)
    best_lex = max(s.lexical for s in sentences)
    if best_lex <= params.min_lexical and best_dense < params.lexical_dense:
        return True
    return best_dense < params.min_dense
