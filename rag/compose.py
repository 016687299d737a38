"""Turn chosen sentences into the answer text and its numbered citations.

Citations are numbered in order of first use; every [n] in the text has a citation and every
citation is used. Sentences are grouped by article (title and date as a header when more than
one article speaks), then ordered by position in the article. A sentence that holds a
quotation names its speaker after its marker („… [2] – Donald Trump“); the audit reads only
text before a marker as the claim, so the name is never taken for quoted text.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.answer import Citation, Quote
from rag.evidence import Sentence
from rag.retrieval import Passage
from rag.text import defuse_markers


def citation_for(n: int, p: Passage, quotes: list[Quote], verified: bool) -> Citation:
    c = p.chunk
    return Citation(
        n=n,
        article_id=c.article_id,
        title=c.title,
        date=c.date,
        url=c.url,
        source=c.source,
        chunk_id=c.id,
        text=c.text,
        start=c.start,
        end=c.end,
        score=round(p.score, 6),
        verified=verified,
        quotes=quotes,
    )


@dataclass
class Composed:
    text: str
    citations: list[Citation]


def _numbering(passages: list[Passage], used: list[int]) -> dict[int, int]:
    numbers: dict[int, int] = {}
    for idx in used:
        numbers.setdefault(idx, len(numbers) + 1)
    return numbers


def compose_quotes(
    passages: list[Passage], chosen: list[Sentence], with_headers: bool, by_rank: bool = False, by_person: bool = False
) -> Composed:
    """Quote `chosen` verbatim, each sentence followed by its [n]. Grouped by article in order of
    first appearance, or with `by_person` by speaker (their name as the header); within a group
    by position, or with `by_rank` in the order given (the scorer's, best first)."""

    def group(s: Sentence) -> str:
        return (s.speaker or "") if by_person else passages[s.passage].chunk.article_id

    group_order: dict[str, int] = {}
    for s in chosen:
        group_order.setdefault(group(s), len(group_order))
    rank = {id(s): i for i, s in enumerate(chosen)}
    ordered = sorted(chosen, key=lambda s: (group_order[group(s)], rank[id(s)] if by_rank else s.start))
    numbers = _numbering(passages, [s.passage for s in ordered])
    lines: list[str] = []
    current: str | None = None
    for s in ordered:
        chunk = passages[s.passage].chunk
        if with_headers and group(s) != current:
            current = group(s)
            date = f" ({chunk.date})" if chunk.date else ""
            title = f"„{defuse_markers(chunk.title or chunk.article_id)}“{date}"
            header = f"{defuse_markers(current)}:" if by_person else f"{title}:"
            lines.append(f"\n{header}" if lines else header)
        # who is quoted, after the marker; under a person's header their name is said already
        said = f" – {defuse_markers(s.speaker)}" if s.speaker and not by_person else ""
        lines.append(f"{defuse_markers(s.text.strip())} [{numbers[s.passage]}]{said}")
    quotes: dict[int, list[Quote]] = {}
    for s in ordered:
        quotes.setdefault(s.passage, []).append(Quote(start=s.start, end=s.end, speaker=s.speaker))
    cites = [citation_for(n, passages[i], quotes[i], True) for i, n in numbers.items()]
    return Composed("\n".join(lines).strip(), cites)


def compose_generated(passages: list[Passage], supported: list[tuple[str, Sentence]]) -> Composed:
    """Generated sentences that passed verification, each cited to its supporting passage."""
    numbers = _numbering(passages, [ev.passage for _, ev in supported])
    quotes: dict[int, list[Quote]] = {}
    parts = []
    for claim, ev in supported:
        parts.append(f"{claim} [{numbers[ev.passage]}]")  # verify_sentences stripped every [n] from claims
        q = Quote(start=ev.start, end=ev.end)
        if q not in quotes.setdefault(ev.passage, []):
            quotes[ev.passage].append(q)
    cites = [citation_for(n, passages[i], quotes[i], True) for i, n in numbers.items()]
    return Composed(" ".join(parts), cites)


def related(passages: list[Passage], limit: int = 3) -> list[Citation]:
    return [citation_for(i + 1, p, [], False) for i, p in enumerate(passages[:limit])]


def further(passages: list[Passage], ranked: list[Sentence], chosen: list[Sentence], limit: int = 3) -> list[Citation]:
    """„Weitere Stellen“: the best-scored candidate sentences the answer does not quote, each as
    its passage with the sentence as its one quote (not verified: nothing claims they answer).
    As many as an abstention shows closest passages (`related`), so the page's list keeps its size."""
    quoted = {(s.article, s.start) for s in chosen}
    rest = [s for s in ranked if (s.article, s.start) not in quoted][:limit]
    return [
        citation_for(i + 1, passages[s.passage], [Quote(start=s.start, end=s.end, speaker=s.speaker)], False)
        for i, s in enumerate(rest)
    ]
