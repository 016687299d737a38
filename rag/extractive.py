"""Extractive answers: quote the sentences of the retrieved passages that answer the question.

Hallucination-free by construction: every sentence of the answer is a verbatim sentence of an
article, with its span. Scoring mixes dense similarity (question vs sentence), the share of the
question's content words the sentence contains, whether the sentence holds the *kind* of answer
the question asks for (Wann → a date, Wie viel → a number, Wer → a name), and the rank of its
passage. "Was wurde über X gesagt?" questions gather every sentence about X instead.

With a sentence scorer (`rag.scorer`, the default with EmbeddingGemma) these parts are its input
and its probability replaces the weighted sum; `select_scored` then chooses, best first. The
candidates themselves are gathered by `rag.evidence`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.embedder import Embedder
from rag.evidence import Sentence, has_kind, sentence_vectors
from rag.lang_de import CAUSE, SPEECH
from rag.question import Question
from rag.rerank import best_first
from rag.text import content_terms, on_topic, term_matches, term_overlap

# The lead is the article's first sentence: it starts at 0, or after a stray space or BOM.
LEAD_START = 3
# The length feature grows up to this many characters (about 45 words, a long news sentence)
# and is flat beyond; the rule score's weights were fitted with it so (ExtractiveParams).
LONG_SENTENCE = 300


@dataclass(frozen=True)
class ExtractiveParams:
    """Weights of the sentence score, fitted (logistic regression, then rounded and scaled to
    dense = 1) on all 48 answerable questions of the Wikinews dev set; see `rag eval answers`."""

    w_dense: float = 1.0
    w_lexical: float = 0.12
    w_rank: float = 0.18
    w_kind: float = 0.04
    w_lead: float = -0.09  # the lead restates the topic; the answer is usually further down
    w_novel: float = 0.08  # share of the sentence's words the question does not already contain
    w_speech: float = 0.09  # reported speech, for "Was sagte …" questions
    w_cause: float = 0.095  # causal connectives, for "Warum …" questions
    w_length: float = 0.03
    max_sentences: int = 3
    margin: float = 0.12
    next_of_best: int = 1  # the sentence after the best one often carries the answer
    prev_of_best: int = 1  # ...and the one before it often names what the best one refers to
    topic_max: int = 8
    # sentences quoted for „Was sagte X?“: the 159 annotated speakers have 1.9 quotes on average,
    # 9 or more for two of them; longer answers stop being read
    speaker_max: int = 12

    @property
    def weights(self) -> tuple[float, ...]:
        """The weights of `FEATURES`, in that order."""
        return tuple(getattr(self, f"w_{name}") for name in FEATURES)


# The parts of a sentence's score, in the order of `ExtractiveParams.weights`.
FEATURES = ("dense", "lexical", "rank", "kind", "lead", "novel", "speech", "cause", "length")


def sentence_features(question: Question, s: Sentence, q_terms: set[str], terms: set[str]) -> list[float]:
    """The numbers the score weighs, for a sentence whose `dense`, `lexical` and `typed` are set;
    `terms` are its `content_terms`, computed once by the caller for `lexical` too."""
    return [
        s.dense,
        s.lexical,
        1 / (1 + s.passage),
        float(s.typed and question.kind is not None),
        float(s.start < LEAD_START),
        sum(1 for t in terms if not term_matches(t, q_terms)) / max(len(terms), 1),
        float(question.speech and SPEECH.search(s.text) is not None),
        float(question.cause and CAUSE.search(s.text) is not None),
        min(len(s.text), LONG_SENTENCE) / LONG_SENTENCE,
    ]


def score_sentences(
    question: Question,
    query_vector: np.ndarray,
    sentences: list[Sentence],
    embedder: Embedder,
    params: ExtractiveParams,
) -> None:
    if not sentences:
        return
    dense = sentence_vectors(sentences, embedder) @ np.asarray(query_vector, dtype=np.float32)
    q_terms = set(question.terms)
    weights = params.weights
    for s, d in zip(sentences, dense.tolist(), strict=True):
        terms = content_terms(s.text)
        s.dense = float(d)
        s.lexical = term_overlap(q_terms, terms)
        s.typed = has_kind(question, s)
        s.score = sum(w * f for w, f in zip(weights, sentence_features(question, s, q_terms, terms), strict=True))


def select(question: Question, sentences: list[Sentence], params: ExtractiveParams) -> list[Sentence]:
    """Pick the answer sentences, in article order (passage rank, then position)."""
    if not sentences:
        return []
    if question.topic:
        t_terms = content_terms(question.topic)
        about = [s for s in sentences if on_topic(t_terms, s.text)]
        chosen = sorted(about, key=lambda s: -s.score)[: params.topic_max]
    else:
        # A factual question is answered from the article of the best sentence; quoting a
        # second article for a single fact mostly adds noise.
        best = max(sentences, key=lambda s: s.score)
        ranked = sorted((s for s in sentences if s.article == best.article), key=lambda s: -s.score)
        top = ranked[0]
        floor = top.score - params.margin
        chosen = [s for s in ranked[: params.max_sentences] if s.score >= floor]
        following = sorted((s for s in ranked if s.start > top.start), key=lambda s: s.start)
        chosen += [s for s in following[: params.next_of_best] if s not in chosen]
        preceding = sorted((s for s in ranked if s.start < top.start), key=lambda s: -s.start)
        chosen += [s for s in preceding[: params.prev_of_best] if s not in chosen]
    return sorted(chosen, key=lambda s: (s.passage, s.start))


def select_scored(question: Question, sentences: list[Sentence], second: float, topic_max: int) -> list[Sentence]:
    """Pick the answer sentences by the learned scorer's probabilities (`Sentence.score`), best
    first. A factual question gets its best sentence, and a second one of the same article only
    when that one too scores at least `second` (the evidence spans two sentences, or the first
    names its subject by a pronoun); a topic question („Was wurde über X gesagt?“) up to
    `topic_max` sentences about X, grouped by article, best first within each group. Whether the
    best one is good enough to answer at all is the caller's threshold."""
    if not sentences:
        return []
    if question.topic:
        t_terms = content_terms(question.topic)
        about = sorted((s for s in sentences if on_topic(t_terms, s.text)), key=lambda s: -s.score)
        return about[:topic_max]
    ranked = best_first(sentences)  # the reader's order of the scorer's best few, where it read them
    best = ranked[0]
    return [best, *[s for s in ranked[1:] if s.article == best.article and s.score >= second][:1]]
