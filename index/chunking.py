"""Cut an article into overlapping windows of whole sentences.

Windows of `sentences_per_chunk` sentences overlap by `overlap` sentences, so a statement that
spans a window border is whole in one of them. A window also stops growing past `max_chars`
(long quotes), but never cuts inside a sentence: offsets always land on sentence borders.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.article import Article, Chunk
from index.sentences import Span, split_sentences


@dataclass(frozen=True)
class ChunkingParams:
    sentences_per_chunk: int = 3
    overlap: int = 1
    max_chars: int = 1200

    def __post_init__(self) -> None:
        if self.sentences_per_chunk < 1 or not 0 <= self.overlap < self.sentences_per_chunk:
            raise ValueError("need sentences_per_chunk >= 1 and 0 <= overlap < sentences_per_chunk")


def _windows(spans: list[Span], params: ChunkingParams) -> list[tuple[int, int]]:
    """Index ranges [i, j) into spans."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        j = i + 1
        while j < len(spans) and j - i < params.sentences_per_chunk and spans[j][1] - spans[i][0] <= params.max_chars:
            j += 1
        out.append((i, j))
        if j >= len(spans):
            break
        i = max(i + 1, j - params.overlap)
    return out


def chunk_article(
    article: Article, params: ChunkingParams | None = None, spans: list[Span] | None = None
) -> list[Chunk]:
    """`spans`: the article's sentences if already split (the index stores them too)."""
    params = params or ChunkingParams()
    spans = split_sentences(article.text) if spans is None else spans
    chunks = []
    for n, (i, j) in enumerate(_windows(spans, params)):
        start, end = spans[i][0], spans[j - 1][1]
        chunks.append(
            Chunk(
                id=f"{article.id}#{n}",
                article_id=article.id,
                title=article.title,
                date=article.date,
                url=article.url,
                text=article.text[start:end],
                start=start,
                end=end,
                source=article.source,
            )
        )
    return chunks
