"""Sentences stored at index time: each article's SoMaJo spans and one vector per sentence.

Why: the answer path used to split every retrieved passage with SoMaJo and embed each
candidate sentence per question, and the verifier embedded them again; with EmbeddingGemma
that is about 30 ms per sentence. Now a question embeds only itself.

Each sentence is embedded once, and a chunk's vector is the normalized mean of its sentences'
vectors, so indexing embeds every token once instead of ~2.5 times (3-sentence windows
overlapping by one, plus the sentences). Measured dense-only, chunk text vs mean of sentences,
recall@1/@5 on MLQA-de dev (344 questions): EmbeddingGemma 0.770/0.913 vs 0.753/0.919,
e5-small 0.677/0.840 vs 0.640/0.831. On the 48 answerable Wikinews dev questions over 968
articles, EmbeddingGemma's mean gives 0.979/1.000, and adding the title's vector to the mean
changed nothing, so titles only go to keyword search.

Vectors are stored as float16: half the disk and memory, and a cosine moves by under 1e-3.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from index.embedder import Vectors
from index.sentences import Span

FILE = "sentence_vectors.npy"
Half = npt.NDArray[np.float16]


@dataclass(frozen=True)
class ArticleSentences:
    spans: list[Span]
    vectors: Half

    def within(self, start: int, end: int) -> list[int]:
        return within(self.spans, start, end)


def within(spans: list[Span], start: int, end: int) -> list[int]:
    """Indices of the sentences inside [start, end) (a chunk is whole sentences). The spans are in
    order and never overlap (`index.sentences.split_sentences`), so their starts and their ends
    both ascend and two binary searches bound them. The scan over all spans that this replaces
    grew with chunks × sentences: 0.032 s against 0.001 s for the 720 chunks and 1,440 sentences
    of a 20-page PDF, a hundred times that for one ten times as long."""
    first = bisect_left(spans, start, key=lambda span: span[0])
    past = bisect_right(spans, end, key=lambda span: span[1])
    return list(range(first, past))


def chunk_vector(sentence_vectors: Vectors) -> Vectors:
    """The normalized mean of a chunk's sentence vectors."""
    mean = sentence_vectors.mean(axis=0)
    out: Vectors = (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)
    return out


class SentenceTable:
    """Article id -> its sentences; saved as one float16 matrix in the given article order."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.by_article: dict[str, ArticleSentences] = {}

    def put(self, article_id: str, spans: list[Span], vectors: Vectors) -> None:
        if len(spans) != len(vectors):
            raise ValueError(f"{article_id}: {len(spans)} sentences but {len(vectors)} vectors")
        self.by_article[article_id] = ArticleSentences(list(spans), vectors.astype(np.float16))

    def drop(self, article_id: str) -> None:
        self.by_article.pop(article_id, None)

    def copy(self) -> SentenceTable:
        table = SentenceTable(self.dim)
        table.by_article = dict(self.by_article)  # entries are replaced, never changed
        return table

    def get(self, article_id: str) -> ArticleSentences | None:
        return self.by_article.get(article_id)

    def save(self, folder: Path, order: list[str]) -> None:
        blocks = [self.by_article[a].vectors for a in order]
        matrix = np.vstack(blocks) if blocks else np.zeros((0, self.dim), np.float16)
        np.save(folder / FILE, matrix, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, dim: int, spans: list[tuple[str, list[Span]]]) -> SentenceTable:
        """`spans` in the order `save` wrote them (the articles file's order)."""
        matrix = np.load(folder / FILE, allow_pickle=False)
        table = cls(dim)
        expected = (sum(len(s) for _, s in spans), dim)
        if matrix.shape != expected:
            raise ValueError(f"{folder / FILE} has shape {matrix.shape}, not {expected}")
        row = 0
        for article_id, article_spans in spans:
            table.by_article[article_id] = ArticleSentences(article_spans, matrix[row : row + len(article_spans)])
            row += len(article_spans)
        return table
