"""„Was sagte X (über Y)?“: X's quotations, read from what the index stored, not guessed.

The quotations and their resolved speakers were found at index time (`index.speech`), so the
answer is a lookup: every article where X is quoted, X's quotations in article order, narrowed
to the statements closest to the question when it names a Y. A speaker who is quoted nowhere
gets no answer, so someone else's quote can never stand in for theirs. When the quotation finder
attributed none of X's statements (it finds about three quarters of the annotated quotations,
docs/experiments/who-said-what.md), the sentences that name X are quoted instead: a person who
is in the articles is not answered with nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from index.catalog import Catalog
from index.filters import Filters
from rag.evidence import Sentence
from rag.question import Question, same_person
from rag.retrieval import Passage


@dataclass(frozen=True)
class Said:
    article_id: str
    start: int  # a whole stored sentence that holds (part of) the quotation
    end: int
    speaker: str


def statements(
    catalog: Catalog,
    question: Question,
    filters: Filters | None,
    query_vector: np.ndarray,
    limit: int,
    margin: float,
) -> list[Said]:
    """The sentences in which the question's speaker is quoted, by article (newest first), in
    article order within one; at most `limit`. With a Y („über Y“), only the statements closest
    to the question: those within `margin` (sentence choice's margin) of the best one."""
    assert question.speaker is not None
    asked = question.speaker

    def allowed(aid: str) -> bool:
        a = catalog.articles[aid]
        return filters is None or not filters.active() or filters.allows_meta(a.date, a.source)

    # the surname asked for is part of every matching name (`same_person`), so only the articles
    # whose quoted or named persons carry it are read
    naming = sorted(aid for aid in catalog.speakers.articles(asked.split()[-1]) if allowed(aid))
    found: dict[str, list[Said]] = {}
    for aid in naming:
        text = catalog.articles[aid].text
        quoted = [q for q in catalog.speech[aid].quotations if q.speaker and same_person(asked, q.speaker, text)]
        spans = _sentence_spans(catalog, aid) if quoted else []
        said = [
            Said(aid, s, e, q.speaker)
            for q in quoted
            if q.speaker is not None
            for qs, qe in q.spans()
            for s, e in spans
            if s < qe and qs < e
        ]
        if said:
            found[aid] = said
    if not found:
        # a name the tagger missed („Mark Toner“) is found by its spelling
        spelled = {aid for aid, a in catalog.articles.items() if asked in a.text and allowed(aid)}
        for aid in sorted(spelled.union(naming)):
            text = catalog.articles[aid].text
            named = [m for m in catalog.speech[aid].mentions if m.kind == "person" and same_person(asked, m.name, text)]
            spans = [
                (s, e)
                for s, e in _sentence_spans(catalog, aid)
                if any(s <= m.start < e for m in named) or asked in text[s:e]
            ]
            said = [Said(aid, s, e, named[0].name if named else asked) for s, e in spans]
            if said:
                found[aid] = said
    if question.about and found:
        closeness = {x: _closeness(catalog, x, query_vector) for xs in found.values() for x in xs}
        floor = max(closeness.values()) - margin
        found = {aid: kept for aid, xs in found.items() if (kept := [x for x in xs if closeness[x] >= floor])}
    ordered = sorted(found, key=lambda a: catalog.articles[a].date or "", reverse=True)
    return [x for aid in ordered for x in _dedupe(found[aid])][:limit]


def speaker_evidence(
    catalog: Catalog, question: Question, filters: Filters | None, query_vector: np.ndarray, limit: int, margin: float
) -> tuple[list[Passage], list[Sentence]]:
    """The speaker's `statements` as sentences, with the passages (chunks) that hold them."""
    return quoted_sentences(catalog, statements(catalog, question, filters, query_vector, limit, margin))


def quoted_sentences(catalog: Catalog, said: Iterable[Said]) -> tuple[list[Passage], list[Sentence]]:
    """Stored statements as candidate sentences (their speaker set), in the given order, with
    the passages (chunks) that hold them, each passage once."""
    passages: list[Passage] = []
    index: dict[int, int] = {}
    sentences = []
    for x in said:
        rows = catalog.rows_of[x.article_id]
        row = next(r for r in rows if catalog.chunks[r].start <= x.start < catalog.chunks[r].end)
        if row not in index:
            index[row] = len(passages)
            passages.append(Passage(row, catalog.chunks[row], 1.0))
        chunk = catalog.chunks[row]
        text = chunk.text[x.start - chunk.start : x.end - chunk.start]
        sentences.append(Sentence(index[row], x.article_id, x.start, x.end, text, speaker=x.speaker))
    return passages, sentences


def _sentence_spans(catalog: Catalog, article_id: str) -> list[tuple[int, int]]:
    stored = catalog.sentences.get(article_id)
    return list(stored.spans) if stored is not None else []


def _closeness(catalog: Catalog, said: Said, query_vector: np.ndarray) -> float:
    """Dense similarity of the stored sentence vector to the question."""
    stored = catalog.sentences.get(said.article_id)
    assert stored is not None
    row = stored.spans.index((said.start, said.end))
    return float(np.asarray(stored.vectors[row], dtype=np.float32) @ query_vector)


def _dedupe(items: list[Said]) -> list[Said]:
    seen: set[tuple[int, int]] = set()
    out = []
    for x in sorted(items, key=lambda x: x.start):
        if (x.start, x.end) not in seen:
            seen.add((x.start, x.end))
            out.append(x)
    return out
