"""Decide whether the articles answer the question by rules: unrelated, missing, or found.

Retrieval scores alone cannot tell: an unanswerable news question is about a real article but
asks for a detail it lacks (a price, a date, a name), so its passages are as close as those of an
answerable one. With EmbeddingGemma the learned sentence scorer (`rag.scorer`) decides, and these
rules are two of its inputs; for an embedder without a scorer (e5-small) they decide. The checks:

1. unrelated: no candidate sentence is close to the question (best dense similarity low, and no
   shared content word);
2. missing detail: the question asks for a kind of detail (an amount of money for "Wie viel
   kostet", an age for "Wie alt", a span of time for "Wie lange", a date for "Wann", a number
   for "Wie viele", a new name for "Wer"; `rag.lang_de.ANSWERS`) and no sentence of the best
   article holds that detail *together with* a focus term of the question
   (`detail_sentences`). The narrow kinds (an age, a weight, a share, …) need no focus term:
   a sentence holding one answers, however it words the rest;
3. missing answer (without a scorer and with the reader on, in `Rag.stream` once the answer's
   sentences are chosen): the reader (`rag.reader`) gives none of the sentences the answer would
   quote a probability of at least `min_reader`. With a scorer the reader only orders its best
   candidates (`rag.rerank`).

Focus terms are the question's words that occur in few sentences of the best article (at most
`focus_share` of them, or in one): "Lösegeld" or "verurteilt" rather than the article's topic,
"Wallert" or "Augsburg". The ransom question then no longer counts the bounty's "fünf Millionen
Pesos" elsewhere in the article as its answer. The rule thresholds are fitted on the whole news
dev set, `min_reader` on it and the reader's kept-back data (tables in docs/experiments/measuring-it.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from index.speech import ArticleSpeech
from rag.evidence import Sentence, has_kind
from rag.lang_de import AnswerKind, name_keys
from rag.question import Question
from rag.text import content_terms, term_matches


@dataclass(frozen=True)
class AbstainParams:
    min_dense: float = 0.80  # below this, and with no shared content word: unrelated
    min_lexical: float = 0.0  # best lexical overlap must exceed this...
    lexical_dense: float = 0.86  # ...unless a sentence is at least this similar
    focus_share: float = 0.25  # a focus term occurs in at most this share of the article's sentences
    named_in_article: bool = True  # answer only from articles naming every person the question names
    # Kinds narrow enough that a sentence holding one answers without sharing a focus word: an
    # age or a weight rarely stands in an article for anything but what is asked, and paraphrase
    # hides the focus word („Wie schwer …“ / „wiegt“). Asking a focus word of these too: dev
    # false_abstain 0.021 -> 0.042; the 971 hand-written questions abstain 0.442 -> 0.446 at
    # false_abstain 0.096 -> 0.105; held-out sets 1-3 abstain on 4 more of 37 at the same false
    # rate (docs/experiments/measuring-it.md, „The kind of detail asked for“). Dev and the larger set decide.
    unaligned: frozenset[AnswerKind] = frozenset(
        {"percent", "age", "duration", "distance", "weight", "speed", "length"}
    )
    # With the reader on (RAG_READER=on): 0.0 keeps the rules' results. 0.05, the largest level
    # with dev false_abstain <= 0.10, makes the four held-out sets abstain on 0.11 more of their
    # unanswerable questions but on 0.16 more of the answerable ones (docs/experiments/measuring-it.md,
    # measured over the answer kinds of 2026-12-04).
    min_reader: float = 0.0
    # below: an answer is marked uncertain. 0.5 is the reader's own decision boundary (kept-back
    # accuracy there: QA 0.869, quotes 0.890, topics 0.936).
    sure_reader: float = 0.5


@dataclass(frozen=True)
class Decision:
    verdict: Literal["unrelated", "missing", "doubtful", "found"]  # doubtful: the scorer's, `Rag`
    details: list[Sentence]  # sentences that state the requested detail, best first

    @property
    def abstain(self) -> bool:
        return self.verdict != "found"


def decide(question: Question, sentences: list[Sentence], params: AbstainParams) -> Decision:
    """Checks 1 and 2 above; the reader's check comes after the choice."""
    if unrelated(sentences, params):
        return Decision("unrelated", [])
    details = detail_sentences(question, sentences, params)
    if details == []:
        return Decision("missing", [])
    return Decision("found", details or [])


def unrelated(sentences: list[Sentence], params: AbstainParams) -> bool:
    """Check 1: no candidate sentence is close to the question. The sentence scorer keeps this
    check before its threshold: it learned from questions about the right article, and so never
    saw one that no article is about (it gave „Wer gewann die Fußball-Weltmeisterschaft 2014?“
    0.7 on the seed article)."""
    if not sentences:
        return True
    best_dense = max(s.dense for s in sentences)
    best_lex = max(s.lexical for s in sentences)
    return best_dense < params.min_dense or (best_lex <= params.min_lexical and best_dense < params.lexical_dense)


def best_article(sentences: list[Sentence]) -> list[Sentence]:
    """The candidate sentences of the article that holds the best-scored one (what the rules read)."""
    best = max(sentences, key=lambda s: s.score).article
    return [s for s in sentences if s.article == best]


def naming_articles(
    question: Question, sentences: list[Sentence], speech: Mapping[str, ArticleSpeech], params: AbstainParams
) -> list[Sentence]:
    """Only the sentences of articles that name every person the question names, so „Welche
    Strafe erhielt Hu Jia?“ is answered from an article about Hu Jia, not from the closest
    sentence of a report that never names him. The whole article counts, not only its
    candidate sentences."""
    asked = [name_keys([m]) for m in question.mentions if m.kind == "person"]
    if not asked or not params.named_in_article:
        return sentences
    keep = set()
    for aid in {s.article for s in sentences}:
        said = speech.get(aid)
        if said is not None:
            named = name_keys(said.mentions)
        else:  # text from outside the index: what its candidate sentences name
            named = set().union(*(s.names for s in sentences if s.article == aid))
        if all(keys & named for keys in asked):
            keep.add(aid)
    return [s for s in sentences if s.article in keep]


def _holds_detail(question: Question, sentence: Sentence) -> bool:
    if question.kind == "name":
        # A person or organisation the question does not already name. A place answers no
        # "Wer", nor does the source of a report („nach Angaben von Interfax“), unless the
        # question asks who said something.
        candidates = [
            m for m in sentence.mentions if m.kind != "place" and (question.speech or m.name not in sentence.sources)
        ]
        return bool(name_keys(candidates) - question.names)
    return has_kind(question, sentence)


def detail_sentences(question: Question, sentences: list[Sentence], params: AbstainParams) -> list[Sentence] | None:
    """Sentences of the best article that hold the detail asked for and share a focus term with
    the question, best first; None when the question asks for no particular kind of detail."""
    if not question.asks_detail:
        return None
    if not sentences:
        return []
    article = best_article(sentences)
    terms = [content_terms(s.text) for s in article]
    # which question word occurs in which sentence, computed once for both uses below
    hits = {q: [term_matches(q, t, compound_heads=True) for t in terms] for q in question.terms}
    limit = max(1.0, params.focus_share * len(article))  # a word of one sentence is always specific
    focus = [q for q, row in hits.items() if sum(row) <= limit]
    found = [
        s
        for i, s in enumerate(article)
        # without a focus word (every word of the question is everywhere) alignment cannot be judged
        if _holds_detail(question, s)
        and (not focus or question.kind in params.unaligned or any(hits[q][i] for q in focus))
    ]
    return sorted(found, key=lambda s: -s.score)
