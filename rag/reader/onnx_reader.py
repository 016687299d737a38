"""Scoring (question, candidate) pairs at question time through the int8 ONNX reader.

No torch: ONNX Runtime and the tokenizer only. The tokenizer is this reader's own and is used
under a lock, because a fast tokenizer keeps its truncation and padding settings as state that
concurrent calls would change under each other.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from index.errors import ModelError
from index.onnx_embedder import pad_batch
from rag.reader.pairs import Candidate, by_length, encode_pairs

Scores = npt.NDArray[np.float32]


class Reader(Protocol):
    """Scores whether each candidate sentence answers the question: probabilities in [0, 1]."""

    name: str

    def score(self, question: str, candidates: list[Candidate]) -> Scores: ...


class OnnxReader:
    def __init__(self, onnx_file: Path, tokenizer_dir: Path, threads: int | None = None, batch_size: int = 16) -> None:
        if not onnx_file.is_file():
            raise ModelError(f"No reader at {onnx_file}: run `rag setup` (or `make setup`)")
        import onnxruntime as ort
        from transformers import AutoTokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 0
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self._tokenizer: Any = AutoTokenizer.from_pretrained(str(tokenizer_dir), local_files_only=True)
        self._lock = threading.Lock()
        self._batch_size = batch_size
        self.name = onnx_file.stem

    def score(self, question: str, candidates: list[Candidate]) -> Scores:
        if not candidates:
            return np.zeros(0, np.float32)
        with self._lock:
            ids = encode_pairs(self._tokenizer, [question] * len(candidates), candidates)
        out = np.zeros(len(ids), np.float32)
        pad = int(self._tokenizer.pad_token_id)
        for batch in by_length(ids, self._batch_size):
            x, m = pad_batch(ids, batch, pad)
            (logits,) = self._session.run(None, {"input_ids": x, "attention_mask": m})
            out[batch] = 1.0 / (1.0 + np.exp(-np.asarray(logits, np.float32).reshape(-1)))
        return out
