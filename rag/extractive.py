"""Extractive answers: quote the sentences of the retrieved passages that answer the question.

Hallucination-free by construction: every sentence of the answer is a verbatim sentence of an
article, with its span. Scoring mixes dense similarity (question vs sentence), the share of the
question's content words the sentence contains, whether the sentence holds the *kind* of answer
the question asks for (Wann → a date, Wie viel → a number, Wer → a name), and the rank of its
passage. "Was wurde über X gesagt?" questions gather every sentence about X instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index.embedder import Embedder
from index.sentences import split_sentences
from rag.retrieval import Passage
from rag.text import content_terms, names, term_overlap

_MONTHS = (
    "januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|"
    "montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|jahr|woche|tag|uhr"
)
_DATE = re.compile(rf"\b(\d{{1,4}}|{_MONTHS})\b", re.I)
_AMOUNT = re.compile(
    r"\d|\b(zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|hundert|tausend|"
    r"dutzend|hälfte|drittel|viertel|prozent|millionen?|milliarden?)\b",
    re.I,
)
_TOPIC = re.compile(
    r"^\s*(was\s+(wurde|wird|ist)\s+(über|zu)|was\s+(sagt|sagte|sagten|berichtet|steht)\b.*\b(über|zu)|"
    r"was\s+gibt\s+es\s+(neues\s+)?(über|zu)|worüber)\s+(?P<topic>.+?)\s*(gesagt|berichtet|bekannt|geschrieben)?\s*\??\s*$",
    re.I,
)


@dataclass
class Sentence:
    passage: int  # index into the passage list
    start: int  # offsets in the article
    end: int
    text: str
    score: float = 0.0
    dense: float = 0.0
    lexical: float = 0.0
    typed: bool = True


def topic_of(question: str) -> str | None:
    """The X of "Was wurde über X gesagt?"-style questions, else None."""
    m = _TOPIC.match(question)
    return m.group("topic").strip(" ?.") if m else None


def answer_kind(question: str) -> str | None:
    q = question.strip().lower()
    if q.startswith(("wann", "seit wann", "bis wann", "in welchem jahr", "an welchem tag")):
        return "date"
    if q.startswith(("wie viel", "wieviel", "wie hoch", "wie viele", "wie groß", "wie lang", "wie alt", "wie teuer")):
        return "amount"
    if q.startswith(("wer ", "wem ", "wen ", "wessen ")):
        return "name"
    return None


def has_kind(kind: str | None, text: str) -> bool:
    if kind == "date":
        return bool(_DATE.search(text))
    if kind == "amount":
        return bool(_AMOUNT.search(text))
    if kind == "name":
        return bool(names(text))
    return True


def candidate_sentences(passages: list[Passage]) -> list[Sentence]:
    seen: set[tuple[str, int]] = set()
    out = []
    for i, p in enumerate(passages):
        c = p.chunk
        for s, e in split_sentences(c.text):
            key = (c.article_id, c.start + s)
            if key in seen:
                continue
            seen.add(key)
            out.append(Sentence(i, c.start + s, c.start + e, c.text[s:e]))
    return out


@dataclass(frozen=True)
class ExtractiveParams:
    w_dense: float = 1.0
    w_lexical: float = 0.5
    w_rank: float = 0.15
    w_kind: float = 0.1
    max_sentences: int = 3
    margin: float = 0.12
    topic_max: int = 8


def score_sentences(
    question: str,
    query_vector: np.ndarray,
    sentences: list[Sentence],
    embedder: Embedder,
    params: ExtractiveParams,
) -> None:
    if not sentences:
        return
    vecs = embedder.embed_documents([s.text for s in sentences])
    dense = vecs @ np.asarray(query_vector, dtype=np.float32)
    q_terms = content_terms(question)
    kind = answer_kind(question)
    for s, d in zip(sentences, dense.tolist(), strict=True):
        s.dense = float(d)
        s.lexical = term_overlap(q_terms, content_terms(s.text))
        s.typed = has_kind(kind, s.text)
        s.score = (
            params.w_dense * s.dense
            + params.w_lexical * s.lexical
            + params.w_rank / (1 + s.passage)
            + (params.w_kind if s.typed and kind else 0.0)
        )


def select(question: str, sentences: list[Sentence], params: ExtractiveParams) -> list[Sentence]:
    """Pick the answer sentences, in article order (passage rank, then position)."""
    if not sentences:
        return []
    topic = topic_of(question)
    if topic:
        t_terms = content_terms(topic)
        about = [s for s in sentences if t_terms and t_terms & content_terms(s.text)]
        chosen = sorted(about, key=lambda s: -s.score)[: params.topic_max]
    else:
        ranked = sorted(sentences, key=lambda s: -s.score)
        best = ranked[0].score
        chosen = [s for s in ranked[: params.max_sentences] if s.score >= best - params.margin]
    return sorted(chosen, key=lambda s: (s.passage, s.start))
