"""Where the read path finds what set-up prepared: file names and the checksums of committed
weights. `rag/modelprep/` (the preparing, the reader's training network among it) imports
these; `rag.config` reads them without importing any of that code.
"""

from __future__ import annotations

from pathlib import Path

EMBEDDER_ONNX = Path("onnx") / "embedder-int8-opt.onnx"  # inside the embedder's folder; graph optimized at set-up

READER_BASE_MODEL = "multilingual-e5-small"
READER_WEIGHTS_FILE = Path(__file__).with_name("reader") / "reader-top.safetensors"
# sha256 of READER_WEIGHTS_FILE as committed; `rag train reader` prints the new value to record here.
READER_WEIGHTS_SHA256 = "5273ef545a77db3f09e6c71d876f57220ff12b2ce41f90e9257977fb0aaa736a"
READER_EXPORT_RECIPE = "int8-ffn32"  # in the file name, so a changed recipe means a new export

JUDGE_GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"


def reader_onnx_name(sha: str) -> str:
    """The exported reader is named by the weights it came from and the export recipe, so new
    weights or a new recipe mean a new export."""
    return f"reader-{sha[:12]}-{READER_EXPORT_RECIPE}.onnx"
