"""Text embedders behind one Protocol.

`SentenceTransformerEmbedder` wraps the converted multilingual-e5-small folder; torch and
sentence-transformers are imported only when it is constructed, so importing this module is
cheap. `HashEmbedder` is a deterministic fake for unit tests of logic.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Maps texts to unit-length float32 vectors of size `dim`.

    Documents and queries have separate methods because e5-style models need different
    prefixes ("passage: " / "query: ").
    """

    name: str
    dim: int

    def embed_documents(self, texts: list[str]) -> Vectors: ...

    def embed_query(self, text: str) -> Vectors: ...


class OnnxQueryEncoder:
    """One query through ONNX Runtime (see `index.onnx_export`), pooled like the model's own modules.

    Mean pooling over the attention mask and L2 normalization, as in the converted e5 folder.
    The tokenizer is shared with sentence-transformers, so it is only used under `lock`.
    """

    def __init__(
        self, file: Path, tokenizer: Any, prefix: str, max_length: int, threads: int | None, lock: threading.Lock
    ) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 0
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])
        self._tokenizer = tokenizer
        self._prefix = prefix
        self._max_length = max_length
        self._lock = lock

    def __call__(self, text: str) -> Vectors:
        with self._lock:
            enc = self._tokenizer(
                self._prefix + text, return_tensors="np", truncation=True, max_length=self._max_length
            )
        mask = enc["attention_mask"].astype(np.int64)
        (hidden,) = self._session.run(None, {"input_ids": enc["input_ids"].astype(np.int64), "attention_mask": mask})
        pooled = (hidden[0] * mask[0, :, None]).sum(0) / max(int(mask.sum()), 1)
        out: Vectors = (pooled / (np.linalg.norm(pooled) or 1.0)).astype(np.float32)
        return out


class SentenceTransformerEmbedder:
    """Documents go through sentence-transformers; queries too, or through `query_onnx` if given.

    Thread-safe: a fast tokenizer keeps its truncation and padding settings as state, and two
    threads that tokenize at once can see each other's (a batch padded to another batch's
    length: "expected sequence of length 59 at dim 1 (got 57)"). One lock guards every use of
    the tokenizer, by sentence-transformers and by the ONNX query encoder alike.
    """

    def __init__(
        self, path: Path, threads: int | None = None, batch_size: int = 32, query_onnx: Path | None = None
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from index.errors import ModelError

        if not (path / "modules.json").is_file():
            raise ModelError(f"No embedding model at {path}: run `make setup` (or `rag setup`)")
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        transformers.logging.disable_progress_bar()  # type: ignore[no-untyped-call]

        self._model: Any = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self._batch_size = batch_size
        self._lock = threading.Lock()
        self.name = path.name
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim() or 0)
        self._query: OnnxQueryEncoder | None = None
        if query_onnx is not None:
            if not query_onnx.is_file():
                raise ModelError(
                    f"No ONNX query encoder at {query_onnx}: run `rag setup` (or set RAG_QUERY_ENCODER=torch)"
                )
            prefix = str(self._model.prompts.get("query") or "")
            max_length = int(self._model.max_seq_length or 512)
            self._query = OnnxQueryEncoder(query_onnx, self._model.tokenizer, prefix, max_length, threads, self._lock)
        self.query_backend = "onnx-int8" if self._query else "torch"

    def _encode(self, texts: list[str], prompt_name: str) -> Vectors:
        with self._lock:
            vecs = self._model.encode(
                texts,
                prompt_name=prompt_name,
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_documents(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return self._encode(texts, "passage")

    def embed_query(self, text: str) -> Vectors:
        if self._query is not None:
            return self._query(text)
        vec: Vectors = self._encode([text], "query")[0]
        return vec


class HashEmbedder:
    """Bag of hashed lower-cased words: similar wording gives similar vectors. Tests only."""

    def __init__(self, dim: int = 64, name: str = "hash") -> None:
        self.dim = dim
        self.name = f"{name}-{dim}"

    def _one(self, text: str) -> Vectors:
        v = np.zeros(self.dim, np.float32)
        for word in re.findall(r"\w+", text.lower()):
            h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
            v[h % self.dim] += 1.0
        n = float(np.linalg.norm(v))
        out: Vectors = v / n if n else v
        return out

    def embed_documents(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([self._one(t) for t in texts]).astype(np.float32)

    def embed_query(self, text: str) -> Vectors:
        return self._one(text)
