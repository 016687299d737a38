"""Extractive answers: quote the sentences of the retrieved passages that answer the question.

Hallucination-free by construction: every sentence of the answer is a verbatim sentence of an
article, with its span. Scoring mixes dense similarity (question vs sentence), the share of the
question's content words the sentence contains, whether the sentence holds the *kind* of answer
the question asks for (Wann → a date, Wie viel → a number, Wer → a name), and the rank of its
passage. "Was wurde über X gesagt?" questions gather every sentence about X instead.

With a sentence scorer (`rag.scorer`, the default with EmbeddingGemma) these parts are its input
and its probability replaces the weighted sum; `select_scored` then chooses, best first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from index.embedder import Embedder
from index.evidence import SentenceTable
from index.names import Mention
from index.sentences import split_sentences
from index.speech import ArticleSpeech
from rag.lang_de import ANSWERS, CAUSE, SPEECH, mentions, name_keys
from rag.question import Question
from rag.reader.pairs import Candidate
from rag.retrieval import Passage
from rag.text import content_terms, numbers, term_matches, term_overlap

# Two candidates are neighbours in the text when at most this many characters part them: one
# space within a paragraph, a blank line ("\n\n") between two. More means a sentence between.
ADJACENT_GAP = 2
# The lead is the article's first sentence: it starts at 0, or after a stray space or BOM.
LEAD_START = 3
# The length feature grows up to this many characters (about 45 words, a long news sentence)
# and is flat beyond; the rule score's weights were fitted with it so (ExtractiveParams).
LONG_SENTENCE = 300


@dataclass
class Sentence:
    passage: int  # index into the passage list
    article: str
    start: int  # offsets in the article
    end: int
    text: str
    score: float = 0.0
    dense: float = 0.0
    lexical: float = 0.0
    typed: bool = True
    vector: np.ndarray | None = None  # stored at index time; None for text outside the index
    mentions: list[Mention] = field(default_factory=list)  # names in it, resolved in its article
    speaker: str | None = None  # who is quoted in it, when it holds a quotation
    sources: set[str] = field(default_factory=set)  # speakers it names as the source of a quotation

    @property
    def names(self) -> set[str]:
        return name_keys(self.mentions)


def has_kind(question: Question, s: Sentence) -> bool:
    """Does the sentence hold a detail of the kind asked for (`rag.lang_de.ANSWERS`)? For a
    name, any name; the abstention check asks for one the question does not already name. A
    detail the question itself states is no answer: „Wie alt ist der Täter, der die Bilder der
    13-Jährigen verbreitete?“ is not answered by „die 13-Jährige“."""
    kind = question.kind
    if kind is None:
        return True
    if kind == "name":
        return bool(s.names)
    asked = question.query.lower()
    return any(not _stated(m.group(0).strip().lower(), asked) for m in ANSWERS[kind].finditer(s.text))


def _stated(detail: str, asked: str) -> bool:
    """Does the question already state this detail? By its numbers where it has any („13“ of
    „13-Jährige“ and „13-Jährigen“), else as a whole word („Uhr“ is not in „Uhrzeit“)."""
    stated = numbers(detail)
    if stated:
        return stated <= numbers(asked)
    return re.search(rf"\b{re.escape(detail)}\b", asked) is not None


def candidate_sentences(
    passages: list[Passage], stored: SentenceTable | None = None, speech: dict[str, ArticleSpeech] | None = None
) -> list[Sentence]:
    """The passages' sentences, each once, with the spans, vectors, names and speakers the index
    stored; a passage from outside the index (the generator probe's) is split and tagged here."""
    seen: set[tuple[str, int]] = set()
    out = []
    for i, p in enumerate(passages):
        c = p.chunk
        table = stored.get(c.article_id) if stored is not None else None
        said = speech.get(c.article_id) if speech is not None else None
        if table is not None:
            members = [(table.spans[j], table.vectors[j]) for j in table.within(c.start, c.end)]
        else:
            members = [((c.start + s, c.start + e), None) for s, e in split_sentences(c.text)]
        for (start, end), vector in members:
            if (c.article_id, start) in seen:
                continue
            seen.add((c.article_id, start))
            text = c.text[start - c.start : end - c.start]
            if said is not None:
                found = said.names_within(start, end)
                speaker, sources = said.speaker_at(start, end), said.sources_within(start, end)
            else:
                found = [replace(m, start=m.start + start, end=m.end + start) for m in mentions(text)]
                speaker, sources = None, set()
            out.append(
                Sentence(
                    i, c.article_id, start, end, text, vector=vector, mentions=found, speaker=speaker, sources=sources
                )
            )
    return out


def sentence_vectors(sentences: list[Sentence], embedder: Embedder) -> np.ndarray:
    """float32 vectors of `sentences`: the stored ones, and the missing ones embedded now."""
    missing = [s for s in sentences if s.vector is None]
    if missing:
        for s, v in zip(missing, embedder.embed_documents([s.text for s in missing]), strict=True):
            s.vector = v
    if not sentences:
        return np.zeros((0, embedder.dim), np.float32)
    return np.stack([np.asarray(s.vector, dtype=np.float32) for s in sentences])


def neighbours(sentences: Sequence[Sentence]) -> dict[int, tuple[Sentence | None, Sentence | None]]:
    """Each candidate's candidate neighbours in its article (by `id`): the ones right before and
    after it, when at most `ADJACENT_GAP` characters part them; None where there is none."""
    by_article: dict[str, list[Sentence]] = {}
    for s in sentences:
        by_article.setdefault(s.article, []).append(s)
    out: dict[int, tuple[Sentence | None, Sentence | None]] = {}
    for group in by_article.values():
        group.sort(key=lambda s: s.start)
        for i, s in enumerate(group):
            before = group[i - 1] if i and group[i - 1].end + ADJACENT_GAP >= s.start else None
            after = group[i + 1] if i + 1 < len(group) and s.end + ADJACENT_GAP >= group[i + 1].start else None
            out[id(s)] = (before, after)
    return out


def reader_candidates(
    sentences: list[Sentence], passages: list[Passage], targets: list[Sentence] | None = None
) -> list[Candidate]:
    """Each of `targets` (default: every sentence) with its article title and the candidate
    sentences right before and after it (the passages are windows of whole sentences, so a
    sentence's neighbours are mostly there)."""
    around = neighbours(sentences)
    return [
        Candidate(s.text, passages[s.passage].chunk.title, *(n.text if n else "" for n in around[id(s)]))
        for s in (sentences if targets is None else targets)
    ]


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
        about = [s for s in sentences if t_terms and t_terms & content_terms(s.text)]
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
        about = sorted((s for s in sentences if t_terms and t_terms & content_terms(s.text)), key=lambda s: -s.score)
        return about[:topic_max]
    ranked = sorted(sentences, key=lambda s: -s.score)
    best = ranked[0]
    return [best, *[s for s in ranked[1:] if s.article == best.article and s.score >= second][:1]]
