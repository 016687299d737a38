"""An embedder that runs an int8 ONNX export with ONNX Runtime and the `tokenizers` library.

No torch and no transformers are imported, so a process that only asks questions starts in
about a second instead of loading PyTorch (the cold `rag ask` budget is 3 s).

Documents are sorted by token count and cut into batches of at most `batch_tokens` padded
tokens: padding is wasted work, and on 2 cores one batch of ~4k tokens keeps both busy. The
export either ends in the sentence embedding (EmbeddingGemma: pooling and both Dense layers
are in the graph) or in `last_hidden_state` (the e5 query encoder), which is mean-pooled here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from index.embedder import MAX_TOKENS, Vectors, folder_prompts
from index.errors import ModelError


class OnnxEmbedder:
    """`Embedder` over `onnx_file`, with the tokenizer and prompts of `model_dir`.

    Thread-safe: the tokenizer's truncation is set once here and never changed, and ONNX
    Runtime sessions may be run from several threads.
    """

    def __init__(
        self,
        model_dir: Path,
        onnx_file: Path,
        threads: int | None = None,
        max_length: int = MAX_TOKENS,
        batch_tokens: int = 4096,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        for need in (model_dir / "tokenizer.json", onnx_file):
            if not need.is_file():
                raise ModelError(f"{need} is missing: run `rag setup` (or `make setup`)")
        self._tokenizer: Any = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length)
        self._pad_id = int(self._tokenizer.token_to_id("<pad>") or 0)
        options = ort.SessionOptions()
        # Set-up saved the graph already optimized (`rag.modelprep.onnx_export`); optimizing
        # again at every start would take most of the cold start (4 s of 5 on a busy machine).
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        options.intra_op_num_threads = threads or 0
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        output = self._session.get_outputs()[0]
        self._pooled_in_graph = output.name != "last_hidden_state"
        self.name = f"{model_dir.name}+int8"  # its vectors differ from float32's: another index
        self.dim = int(output.shape[-1])
        self._prompts = folder_prompts(model_dir)
        self._batch_tokens = batch_tokens

    def _run(self, ids: list[list[int]]) -> Vectors:
        width = max(len(x) for x in ids)
        input_ids = np.full((len(ids), width), self._pad_id, np.int64)
        mask = np.zeros((len(ids), width), np.int64)
        for row, x in enumerate(ids):
            input_ids[row, : len(x)] = x
            mask[row, : len(x)] = 1
        (out,) = self._session.run(None, {"input_ids": input_ids, "attention_mask": mask})
        if not self._pooled_in_graph:
            out = (out * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        vecs: Vectors = (out / np.where(norms == 0, 1.0, norms)).astype(np.float32)
        return vecs

    def _embed(self, texts: list[str], prompt: str) -> Vectors:
        ids = [e.ids for e in self._tokenizer.encode_batch([prompt + t for t in texts])]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = np.zeros((len(texts), self.dim), np.float32)
        start = 0
        while start < len(order):
            end = start + 1  # sorted ascending, so the last row sets the padded width
            while end < len(order) and (end - start + 1) * len(ids[order[end]]) <= self._batch_tokens:
                end += 1
            rows = order[start:end]
            out[rows] = self._run([ids[i] for i in rows])
            start = end
        return out

    def embed_documents(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return self._embed(texts, self._prompts["document"])

    def embed_query(self, text: str) -> Vectors:
        vec: Vectors = self._embed([text], self._prompts["query"])[0]
        return vec
