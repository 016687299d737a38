"""Okapi BM25 over chunks with an inverted index that is updated in place.

bm25s builds an immutable sparse matrix; a news archive adds and removes articles every day,
so this keeps postings per term and document lengths instead. Adding or removing a chunk
touches only its own terms; a query reads only the postings of its terms.

The dicts are the mutable truth; a query uses numpy copies of its terms' postings (made on
first use, dropped when a term changes) and a dense score array, so scoring holds no Python
loop over postings: 0.3–0.65 ms instead of 1.7–2.0 ms at 25k chunks. That matters also because the
query is embedded on another thread meanwhile, which needs the GIL to tokenize and pool.
"""

from __future__ import annotations

import math
import pickle
from collections import Counter
from pathlib import Path

import numpy as np
import numpy.typing as npt

from index.analyzer import analyze

FILE = "bm25.pkl"


class Bm25Index:
    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self.postings: dict[str, dict[int, int]] = {}
        self.lengths: dict[int, int] = {}
        self.terms: dict[int, list[str]] = {}
        self.total_length = 0
        self._arrays: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] = {}
        self._length_array: npt.NDArray[np.float64] | None = None

    def __len__(self) -> int:
        return len(self.lengths)

    def add(self, row: int, text: str) -> None:
        if row in self.lengths:
            self.remove([row])
        counts = Counter(analyze(text))
        for term, tf in counts.items():
            self.postings.setdefault(term, {})[row] = tf
            self._arrays.pop(term, None)
        self._length_array = None
        self.terms[row] = list(counts)
        self.lengths[row] = sum(counts.values())
        self.total_length += self.lengths[row]

    def remove(self, rows: list[int]) -> None:
        for row in rows:
            for term in self.terms.pop(row, []):
                self._arrays.pop(term, None)
                plist = self.postings[term]
                del plist[row]
                if not plist:
                    del self.postings[term]
            self.total_length -= self.lengths.pop(row, 0)
        self._length_array = None

    def copy(self) -> Bm25Index:
        """An independent copy (the posting dicts are copied; cached arrays are never changed)."""
        other = Bm25Index(self.k1, self.b)
        other.postings = {t: dict(p) for t, p in self.postings.items()}
        other.lengths, other.terms = dict(self.lengths), dict(self.terms)
        other.total_length = self.total_length
        other._arrays = dict(self._arrays)
        return other

    def _postings(self, term: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]] | None:
        cached = self._arrays.get(term)
        if cached is None:
            plist = self.postings.get(term)
            if not plist:
                return None
            rows = np.fromiter(plist.keys(), dtype=np.int64, count=len(plist))
            tfs = np.fromiter(plist.values(), dtype=np.float64, count=len(plist))
            cached = self._arrays[term] = (rows, tfs)
        return cached

    def _lengths(self) -> npt.NDArray[np.float64]:
        if self._length_array is None:
            arr = np.zeros(max(self.lengths, default=-1) + 1, dtype=np.float64)
            arr[np.fromiter(self.lengths.keys(), dtype=np.int64, count=len(self.lengths))] = np.fromiter(
                self.lengths.values(), dtype=np.float64, count=len(self.lengths)
            )
            self._length_array = arr
        return self._length_array

    def search(self, query: str, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        n = len(self.lengths)
        if not n or k <= 0:
            return []
        avg = self.total_length / n or 1.0
        lengths = self._lengths()
        scores = np.zeros(len(lengths), dtype=np.float64)
        for term in set(analyze(query)):
            found = self._postings(term)
            if found is None:
                continue
            rows, tfs = found
            idf = math.log(1 + (n - len(rows) + 0.5) / (len(rows) + 0.5))
            norm = self.k1 * (1 - self.b + self.b * lengths[rows] / avg)
            scores[rows] += idf * tfs * (self.k1 + 1) / (tfs + norm)  # rows are unique within a term
        hits = np.flatnonzero(scores)
        if allowed is not None:
            hits = hits[np.isin(hits, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))]
        order = np.lexsort((hits, -scores[hits]))[:k]  # best score first, then lowest row
        return [(int(r), float(scores[r])) for r in hits[order]]

    def save(self, directory: Path) -> None:
        with (directory / FILE).open("wb") as f:
            pickle.dump((self.k1, self.b, self.postings, self.lengths, self.terms, self.total_length), f)

    @classmethod
    def load(cls, directory: Path) -> Bm25Index:
        with (directory / FILE).open("rb") as f:
            k1, b, postings, lengths, terms, total = pickle.load(f)
        idx = cls(k1, b)
        idx.postings, idx.lengths, idx.terms, idx.total_length = postings, lengths, terms, total
        return idx
