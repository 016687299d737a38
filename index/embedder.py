"""Text embedders behind one Protocol.

`SentenceTransformerEmbedder` wraps a sentence-transformers folder (the converted
multilingual-e5-small or EmbeddingGemma-300M) in float32; torch and sentence-transformers are
imported only when it is constructed, so importing this module is cheap. The int8 path with no
torch at all is `index.onnx_embedder.OnnxEmbedder`. `HashEmbedder` is a deterministic fake for unit tests of logic.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
# Tokens an embedder reads: e5's limit, and where EmbeddingGemma's sliding-window attention
# (window 512) still equals plain bidirectional attention, so its ONNX export stays exact
# (`rag.modelprep.onnx_export`). A chunk of at most 1,200 characters is about 300 tokens.
MAX_TOKENS = 512


class Embedder(Protocol):
    """Maps texts to unit-length float32 vectors of size `dim`.

    Documents and queries have separate methods because the models need different prefixes
    (e5: "passage: " / "query: "; EmbeddingGemma: "title: none | text: " / "task: search
    result | query: "). `name` names the model and the document path, so an index records
    what made its vectors.
    """

    name: str
    dim: int

    def embed_documents(self, texts: list[str]) -> Vectors: ...

    def embed_query(self, text: str) -> Vectors: ...


def quiet_transformers() -> Any:
    """Import transformers with its warnings and progress bars off (set-up and model loads
    would otherwise print generic advice that does not apply); returns the module."""
    import transformers

    transformers.logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    transformers.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    return transformers


def folder_prompts(model_dir: Path) -> dict[str, str]:
    """The folder's own "query" and "document" prefixes (e5 calls the latter "passage")."""
    path = model_dir / "config_sentence_transformers.json"
    prompts = json.loads(path.read_text(encoding="utf-8")).get("prompts", {}) if path.is_file() else {}
    return {"query": prompts.get("query", ""), "document": prompts.get("document", prompts.get("passage", ""))}


class SentenceTransformerEmbedder:
    """Documents go through sentence-transformers in float32; queries too, or through `query_via`
    (the int8 ONNX embedder of the same model) if given.

    Thread-safe: a fast tokenizer keeps its truncation and padding settings as state, and two
    threads that tokenize at once can see each other's (a batch padded to another batch's
    length: "expected sequence of length 59 at dim 1 (got 57)"). One lock guards every use of
    the tokenizer.
    """

    def __init__(
        self, path: Path, batch_size: int = 32, max_length: int = MAX_TOKENS, query_via: Embedder | None = None
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from index.errors import ModelError

        if not (path / "modules.json").is_file():
            raise ModelError(f"No embedding model at {path}: run `make setup` (or `rag setup`)")
        quiet_transformers()
        from sentence_transformers import SentenceTransformer

        self._model: Any = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self._batch_size = batch_size
        self._lock = threading.Lock()
        self.name = path.name
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim() or 0)
        self._model.max_seq_length = min(int(self._model.max_seq_length or max_length), max_length)
        # The folder's own prefixes, not sentence-transformers' prompt table: version 6 adds an
        # empty "document" prompt there, which silently dropped e5's "passage: " (cosine 0.987).
        self._prompts = folder_prompts(path)
        self._query = query_via

    def _encode(self, texts: list[str], role: str) -> Vectors:
        with self._lock:
            vecs = self._model.encode(
                texts,
                prompt=self._prompts[role],
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_documents(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return self._encode(texts, "document")

    def embed_query(self, text: str) -> Vectors:
        if self._query is not None:
            return self._query.embed_query(text)
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
