"""The evidence of one question: the candidate sentences of its retrieved passages.

Each `Sentence` carries what the index stored for it (span, vector, the names in it resolved in
its article, its speaker) and, once scored, the parts of its score. `candidate_sentences` gathers
them from the passages, each once; `neighbours` and `reader_candidates` give a sentence its
context. Scoring and choosing among them is `rag.extractive`'s and `rag.scorer`'s.
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
from rag.lang_de import ANSWERS, mentions, name_keys
from rag.question import Question
from rag.reader.pairs import Candidate
from rag.retrieval import Passage
from rag.text import numbers

# Two candidates are neighbours in the text when at most this many characters part them: one
# space within a paragraph, a blank line ("\n\n") between two. More means a sentence between.
ADJACENT_GAP = 2


@dataclass
class Sentence:
    passage: int  # index into the passage list
    article: str
    start: int  # offsets in the article
    end: int
    text: str
    score: float = 0.0
    reread: float | None = None  # the reader's probability, for the scorer's best few (`rag.rerank`)
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
