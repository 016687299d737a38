"""Scoring (question, candidate) pairs at question time through the int8 ONNX reader.

No torch and no transformers: ONNX Runtime and the plain `tokenizers` tokenizer only
(`rag.reader.pairs.PairTokenizer`, which keeps no per-call state, so concurrent calls share it).

Each pair runs alone, unpadded. The int8 graph quantizes every activation with one scale per
tensor, computed at run time over the whole batch, padding included, so in a batch a sentence's
score depended on which other sentences were scored with it: by up to 0.29 on the seed article's
pairs, in batches of 16. Alone, a pair always gets the same score, and it is faster too, since
nothing is spent on padding: dev `reader_ms_p50` 1,088 ms in batches of 16, 831 ms alone (about
24 pairs a question, 2 threads, one run each).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from index.errors import ModelError
from index.onnx_embedder import load_session
from rag.reader.pairs import Candidate, PairTokenizer, encode_pairs

Scores = npt.NDArray[np.float32]


class Reader(Protocol):
    """Scores whether each candidate sentence answers the question: probabilities in [0, 1]."""

    name: str

    def score(self, question: str, candidates: list[Candidate]) -> Scores: ...


class OnnxReader:
    def __init__(self, onnx_file: Path, tokenizer_dir: Path, threads: int | None = None) -> None:
        if not onnx_file.is_file():
            raise ModelError(f"No reader at {onnx_file}: run `RAG_READER=on rag setup` (or `rag setup --all`)")
        self._session = load_session(onnx_file, threads)
        self._tokenizer = PairTokenizer(tokenizer_dir)
        self.name = onnx_file.stem

    def score(self, question: str, candidates: list[Candidate]) -> Scores:
        if not candidates:
            return np.zeros(0, np.float32)
        ids = encode_pairs(self._tokenizer, [question] * len(candidates), candidates)
        logits = np.zeros(len(ids), np.float32)
        for i, pair in enumerate(ids):
            x = np.asarray([pair], np.int64)
            (out,) = self._session.run(None, {"input_ids": x, "attention_mask": np.ones_like(x)})
            logits[i] = float(np.asarray(out).reshape(-1)[0])
        probabilities: Scores = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
        return probabilities
