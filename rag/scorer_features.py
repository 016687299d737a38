"""What the learned sentence scorer reads about one candidate sentence (`rag.scorer`).

Three groups, all computed from what retrieval and the index already hold, so scoring costs no
model call:
- the sentence against the question: the dense similarity, the shared words, whether it holds
  the kind of detail asked for (`rag.extractive.sentence_features`, the old rule score's parts)
  and the noun the question asks for (`asked_noun`: on the held-out writer top-1 0.667 -> 0.727,
  AUROC 0.713 -> 0.759; docs/experiments/2026-12-07-sentence-scorer.md, second entry);
- the sentence against the other candidates: how far its similarity and word overlap stand
  below the best ones, its rank, how its neighbours score (the evidence often names its subject
  in the sentence before), and an IDF-weighted overlap over its article's candidates, so a word
  that every sentence shares (the topic) counts less than a rare one (the asked detail);
- the question alone: the kind of detail it asks for, so the weights of the rest can depend on it,
  and whether the abstention rules find that detail (and in which sentences).

The elementwise product of the question's and the sentence's EmbeddingGemma vectors (768 more
columns) was tried and left out: it fits the training writers (top1 0.96-1.0) and loses on the
held-out one (C4 top1 0.60, AUROC 0.64, against 0.60 and 0.69 without it; dev AUROC 0.67 against
0.80), also with strong regularisation (docs/experiments/2026-12-07-sentence-scorer.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from index.analyzer import fold
from index.names import tag_words, tokens
from rag.abstain import Decision
from rag.evidence import Sentence, neighbours
from rag.extractive import sentence_features
from rag.lang_de import KINDS, PLACE_QUESTION
from rag.question import Question
from rag.text import content_terms, term_matches

FEATURES: tuple[str, ...] = (
    "dense",
    "lexical",
    "rank",
    "kind",
    "lead",
    "novel",
    "speech",
    "cause",
    "length",
    "dense_gap",  # best dense similarity among the candidates minus this one's
    "dense_rank",  # 1 / (1 + its place among the candidates by dense similarity)
    "lexical_gap",
    "focus",  # IDF-weighted share of the question's words it holds, IDF over its article's candidates
    "lemmas",  # share of the question's content lemmas it holds („trafen“ and „getroffen“ are „treffen“)
    "verbs",  # ...of its full verbs: the relation asked about („vereinbarten“ → „vereinbart“)
    "noun_held",  # it holds the noun the question asks for („Welcher Stückpreis …“ → „Stückpreis“)
    "noun_asked",  # the question names such a noun
    "prev_dense",
    "next_dense",
    "prev_lexical",
    "next_lexical",
    "new_name",  # names a person or organisation the question does not
    "new_place",
    "place_asked",
    "person_place",  # the sentence names a new place and the question asks where
    "speech_asked",
    "cause_asked",
    "topic_asked",
    "rules_found",  # the abstention rules (`rag.abstain.decide`) find the detail asked for
    "rules_detail",  # ...and this sentence is one that states it
    *(f"kind_{k}" for k in KINDS),
    "question_words",
)


# Content words by their STTS tag (HanTa): nouns, names, full verbs, adjectives; not auxiliaries.
_CONTENT_TAGS = ("NN", "NE", "VV", "ADJ")
# Sentences recur across questions (the same article answers many), and tagging one takes about
# 2 ms: 20,000 entries hold the candidates of a few thousand questions in a few MB.
_LEMMA_CACHE = 20_000


@lru_cache(maxsize=_LEMMA_CACHE)
def lemmas(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The folded lemmas of `text`'s content words, and of its full verbs."""
    tagged = tag_words([t for _, _, t in tokens(text)])
    content = frozenset(fold(lemma) for _, lemma, tag in tagged if tag.startswith(_CONTENT_TAGS) and len(lemma) > 1)
    verbs = frozenset(fold(lemma) for _, lemma, tag in tagged if tag.startswith("VV"))
    return content, verbs


# What may stand between the interrogative and the noun it asks for: „welchem rumänischen
# Luftwaffenstützpunkt“, „wie viele Soldaten“, „wer ist der Chefunterhändler“.
_BEFORE_NOUN = ("ADJ", "PIAT", "ART", "ADV", "CARD")


@lru_cache(maxsize=1024)  # asked per scoring of a question (answer, rag eval): 1,024 recent ones, a few KB
def asked_noun(query: str) -> str | None:
    """The stem of the noun a question asks for, the head of a compound with a hyphen: „Welche
    US-Behörde …“ → „behord“, „Wie viele Soldaten …“, „Wer ist Chefunterhändler …“; None when
    the question names none. Long questions restate the article's first sentence and ask for one
    detail of another; the asked noun often stands in that other one."""
    tagged = tag_words([t for _, _, t in tokens(query)])
    for i, (word, _, tag) in enumerate(tagged):
        nxt = tagged[i + 1][2] if i + 1 < len(tagged) else ""
        if tag == "PWAT":
            start = i + 1
        elif (tag == "PWAV" and word.lower() == "wie" and nxt == "PIAT") or (tag == "PWS" and nxt.startswith("VA")):
            start = i + 2
        else:
            continue
        for w, _, t in tagged[start : start + 4]:
            if t.startswith("NN"):
                return max(content_terms(w.rsplit("-", 1)[-1]), key=len, default=None)
            if not t.startswith(_BEFORE_NOUN):
                break
        return None
    return None


def _share(asked: frozenset[str], found: frozenset[str]) -> float:
    return len(asked & found) / len(asked) if asked else 0.0


def _focus(question: Question, sentences: Sequence[Sentence], terms: list[set[str]]) -> list[float]:
    """IDF-weighted overlap of each sentence with the question, the IDF over the candidates of its article."""
    index: dict[str, list[int]] = {}
    for i, s in enumerate(sentences):
        index.setdefault(s.article, []).append(i)
    out = [0.0] * len(sentences)
    for members in index.values():
        n = len(members)
        hits = {q: [term_matches(q, terms[i], compound_heads=True) for i in members] for q in question.terms}
        idf = {q: math.log((n + 1) / (sum(row) + 0.5)) for q, row in hits.items()}
        total = sum(idf.values()) or 1.0
        for j, i in enumerate(members):
            out[i] = sum(w for q, w in idf.items() if hits[q][j]) / total
    return out


def feature_rows(question: Question, sentences: Sequence[Sentence], rules: Decision) -> np.ndarray:
    """float32 [len(sentences), len(FEATURES)]. The sentences carry `dense`, `lexical` and `typed`
    (`rag.extractive.score_sentences`); `rules` is what the abstention rules decided on them (an
    input, so the scorer weighs them)."""
    if not sentences:
        return np.zeros((0, len(FEATURES)), np.float32)
    q_terms = set(question.terms)
    terms = [content_terms(s.text) for s in sentences]
    best_dense = max(s.dense for s in sentences)
    best_lexical = max(s.lexical for s in sentences)
    order = sorted(range(len(sentences)), key=lambda i: -sentences[i].dense)
    dense_rank = {i: r for r, i in enumerate(order)}
    focus = _focus(question, sentences, terms)
    around = neighbours(sentences)
    q_lemmas, q_verbs = lemmas(question.query)
    noun = asked_noun(question.query)
    place_asked = PLACE_QUESTION.search(question.query.strip()) is not None
    asked = {
        "place_asked": float(place_asked),
        "speech_asked": float(question.speech),
        "cause_asked": float(question.cause),
        "topic_asked": float(question.topic is not None),
    }
    kinds = [float(question.kind == k) for k in KINDS]
    found = float(rules.verdict == "found")
    details = {id(s) for s in rules.details}
    rows = []
    for i, s in enumerate(sentences):
        prev, nxt = around[id(s)]
        named = {m.name for m in s.mentions if m.kind != "place"} - question.names
        places = {m.name for m in s.mentions if m.kind == "place"} - question.names
        s_lemmas, s_verbs = lemmas(s.text)
        rows.append(
            [
                *sentence_features(question, s, q_terms, terms[i]),
                best_dense - s.dense,
                1 / (1 + dense_rank[i]),
                best_lexical - s.lexical,
                focus[i],
                _share(q_lemmas, s_lemmas),
                _share(q_verbs, s_verbs),  # as a verb: „das Treffen“ is no meeting that took place
                float(noun is not None and term_matches(noun, terms[i])),
                float(noun is not None),
                prev.dense if prev else 0.0,
                nxt.dense if nxt else 0.0,
                prev.lexical if prev else 0.0,
                nxt.lexical if nxt else 0.0,
                float(bool(named)),
                float(bool(places)),
                asked["place_asked"],
                float(place_asked and bool(places)),
                asked["speech_asked"],
                asked["cause_asked"],
                asked["topic_asked"],
                found,
                float(id(s) in details),
                *kinds,
                len(q_terms) / 10,
            ]
        )
    return np.asarray(rows, dtype=np.float32)
