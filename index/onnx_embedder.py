"""An embedder that runs an int8 ONNX export with ONNX Runtime and a plain tokenizer.

No torch and no transformers are imported, so a process that only asks questions starts in
about a second instead of loading PyTorch (the cold `rag ask` budget is 3 s).

The tokenizer is SentencePiece when the folder ships a `tokenizer.model` (EmbeddingGemma does),
else the `tokenizers` library on `tokenizer.json` (the converted e5). Gemma's tokenizer.json
holds 515k BPE merges and takes 2.4 s to load; its SentencePiece model gives the same ids (every
one of 1,180 German sentences, odd whitespace and emoji included; `tests/modelprep`) and loads
in a fraction of that.

Documents are sorted by token count and cut into batches of at most `batch_tokens` padded
tokens, because padding is wasted work. 4,096 was not tuned: with it, EmbeddingGemma indexes
the 968 news articles at 2.68 articles/s, above the target of 2. The
export either ends in the sentence embedding (EmbeddingGemma: pooling and both Dense layers
are in the graph) or in `last_hidden_state` (the e5 query encoder), which is mean-pooled here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.embedder import MAX_TOKENS, Vectors, folder_prompts
from index.errors import ModelError


def load_session(onnx_file: Path, threads: int | None) -> Any:
    """An ONNX Runtime session over a graph that set-up saved already optimized
    (`rag.modelprep.onnx_export`): optimizing again at every start took most of the embedder's
    cold start (4 s of 5 on a busy machine). The reader's session loads so in 0.22 s, 122 MB."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = threads or 0
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])


def pad_batch(ids: list[list[int]], batch: list[int], pad: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """input_ids and attention_mask of the sequences `batch` (indices into `ids`), padded to the longest."""
    width = max(len(ids[i]) for i in batch)
    x = np.full((len(batch), width), pad, np.int64)
    m = np.zeros((len(batch), width), np.int64)
    for row, i in enumerate(batch):
        x[row, : len(ids[i])] = ids[i]
        m[row, : len(ids[i])] = 1
    return x, m


class _Tokenizer:
    """Texts to id lists, truncated to `max_length` ids including the special tokens."""

    def __init__(self, model_dir: Path, max_length: int) -> None:
        sp_model = model_dir / "tokenizer.model"
        self._sp: Any = None
        self._fast: Any = None
        if sp_model.is_file():
            import sentencepiece

            self._sp = sentencepiece.SentencePieceProcessor(model_file=str(sp_model))
            self.pad_id = max(int(self._sp.pad_id()), 0)
        elif (model_dir / "tokenizer.json").is_file():
            from tokenizers import Tokenizer

            self._fast = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
            self._fast.no_padding()
            self._fast.enable_truncation(max_length)  # set once: the object is then only read
            self.pad_id = int(self._fast.token_to_id("<pad>") or 0)
        else:
            raise ModelError(f"{model_dir} has no tokenizer.model or tokenizer.json: run `rag setup`")
        self._max_length = max_length

    def __call__(self, texts: list[str]) -> list[list[int]]:
        if self._fast is not None:
            return [e.ids for e in self._fast.encode_batch(texts)]
        bos, eos, room = int(self._sp.bos_id()), int(self._sp.eos_id()), self._max_length - 2
        return [[bos, *ids[:room], eos] for ids in self._sp.encode(texts)]


class OnnxEmbedder:
    """`Embedder` over `onnx_file`, with the tokenizer and prompts of `model_dir`.

    Thread-safe: the tokenizers are only read after construction, and ONNX Runtime sessions
    may be run from several threads.
    """

    def __init__(
        self,
        model_dir: Path,
        onnx_file: Path,
        threads: int | None = None,
        max_length: int = MAX_TOKENS,
        batch_tokens: int = 4096,
    ) -> None:
        if not onnx_file.is_file():
            raise ModelError(f"{onnx_file} is missing: run `rag setup` (or `make setup`)")
        self._tokenizer = _Tokenizer(model_dir, max_length)
        self._session = load_session(onnx_file, threads)
        output = self._session.get_outputs()[0]
        self._pooled_in_graph = output.name != "last_hidden_state"
        self.name = f"{model_dir.name}+int8"  # its vectors differ from float32's: another index
        self.dim = int(output.shape[-1])
        self._prompts = folder_prompts(model_dir)
        self._batch_tokens = batch_tokens

    def _run(self, ids: list[list[int]], rows: list[int]) -> Vectors:
        input_ids, mask = pad_batch(ids, rows, self._tokenizer.pad_id)
        (out,) = self._session.run(None, {"input_ids": input_ids, "attention_mask": mask})
        if not self._pooled_in_graph:
            out = (out * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        vecs: Vectors = (out / np.where(norms == 0, 1.0, norms)).astype(np.float32)
        return vecs

    def _embed(self, texts: list[str], prompt: str) -> Vectors:
        ids = self._tokenizer([prompt + t for t in texts])
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = np.zeros((len(texts), self.dim), np.float32)
        start = 0
        while start < len(order):
            end = start + 1  # sorted ascending, so the last row sets the padded width
            while end < len(order) and (end - start + 1) * len(ids[order[end]]) <= self._batch_tokens:
                end += 1
            rows = order[start:end]
            out[rows] = self._run(ids, rows)
            start = end
        return out

    def embed_documents(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return self._embed(texts, self._prompts["document"])

    def embed_query(self, text: str) -> Vectors:
        vec: Vectors = self._embed([text], self._prompts["query"])[0]
        return vec
