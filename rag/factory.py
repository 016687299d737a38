"""The composition root: the one place that wires the real classes from `Settings`."""

from __future__ import annotations

import logging

from index.archive import Archive, FileArchive, PgArchive
from index.catalog import Catalog
from index.embedder import Embedder, SentenceTransformerEmbedder
from index.errors import InputError, ModelError
from index.onnx_embedder import OnnxEmbedder
from index.urls import without_credentials
from rag.calibration import calibration_for
from rag.config import Settings
from rag.generator import LLAMA_SETUP, Generator, LlamaCppGenerator, check_llama, llama_installed, require_llama
from rag.judge import Judge, Judging, LlamaJudge
from rag.pipeline import Rag
from rag.probe import ProbeCache
from rag.reader.onnx_reader import OnnxReader, Reader
from rag.remote_generator import RemoteGenerator
from rag.retrieval import HybridRetriever

log = logging.getLogger(__name__)


def build_archive(settings: Settings) -> Archive:
    """Postgres when RAG_DATABASE_URL names one, else the data folder (the default)."""
    if settings.database_url:
        if not settings.database_url.startswith(("postgresql://", "postgres://")):
            raise InputError(
                f"RAG_DATABASE_URL: {without_credentials(settings.database_url)!r} is not a postgresql:// URL"
            )
        return PgArchive(settings.database_url)
    return FileArchive(settings.data_dir)


def build_embedder(settings: Settings) -> Embedder:
    """int8 ONNX for both roles by default (no torch is loaded); PyTorch float32 where asked."""
    folder, onnx_file = settings.embedder_dir, settings.embedder_onnx_file
    if not (folder / "modules.json").is_file():
        raise ModelError(
            f"No embedding model at {folder}: run `rag setup` with this RAG_EMBEDDER (or `rag setup --all`)"
        )
    fast = OnnxEmbedder(folder, onnx_file, threads=settings.threads) if onnx_file is not None else None
    if settings.document_encoder == "onnx-int8":
        if fast is None or settings.query_encoder != "onnx-int8":
            raise ModelError("RAG_QUERY_ENCODER=torch needs RAG_DOCUMENT_ENCODER=torch as well")
        return fast
    import torch

    torch.set_num_threads(settings.threads)  # process-wide, so decided here at the root, not in a class
    return SentenceTransformerEmbedder(folder, query_via=fast)


def build_generator(settings: Settings) -> Generator | None:
    if settings.generator == "none":
        return None
    if settings.generator_url:
        return RemoteGenerator(
            settings.generator_url,
            settings.generator_model,
            n_ctx=settings.n_ctx,
            timeout_s=settings.generation_timeout_s,
        )
    if not llama_installed():  # generative mode failed in check_llama already
        log.info("llama-cpp-python is not built, so answers are extractive; `%s` builds it", LLAMA_SETUP)
        return None
    return LlamaCppGenerator(
        settings.gguf_file,
        n_ctx=settings.n_ctx,
        threads=settings.threads,
        chat_format=settings.chat_format,
        timeout_s=settings.generation_timeout_s,
        max_waiting=settings.max_waiting,
    )


def build_reader(settings: Settings) -> Reader:
    return OnnxReader(settings.reader_onnx_file, settings.reader_base_dir, threads=settings.threads)


def build_judge(settings: Settings) -> Judge:
    require_llama("the judge")
    return LlamaJudge(settings.judge_gguf_file, threads=settings.threads)


def build_retriever(settings: Settings, catalog: Catalog, embedder: Embedder) -> HybridRetriever:
    return HybridRetriever(
        catalog,
        embedder,
        rrf_k=settings.rrf_k,
        weights={"dense": settings.dense_weight, "bm25": settings.bm25_weight},
        candidates=settings.candidates,
        fusion=settings.fusion,
        recency_half_life_days=settings.recency_half_life_days,
    )


def build_rag(
    settings: Settings,
    embedder: Embedder | None = None,
    generator: Generator | None = None,
    catalog: Catalog | None = None,
    reader: Reader | None = None,
    archive: Archive | None = None,
    judge: Judge | None = None,
) -> Rag:
    """Wire the pipeline; tests may pass in fakes (or shared real models). `settings.reader` and
    `settings.judge` decide whether a reader and a judge are used; `reader` and `judge` only
    supply ones already loaded."""
    check_llama(settings, judge=judge is None, generator=generator is None)
    catalog = catalog or (archive or build_archive(settings)).load()  # fails fast, before loading models
    embedder = embedder or build_embedder(settings)
    catalog.check_embedder(embedder)
    calibration = calibration_for(embedder.name, scorer=settings.scorer == "on")
    if generator is None:
        generator = build_generator(settings)
    rag = Rag(
        catalog,
        embedder,
        generator,
        build_retriever(settings, catalog, embedder),
        (reader or build_reader(settings)) if settings.reader == "on" else None,
        top_k=settings.top_k,
        mode=settings.mode,
        max_tokens=settings.max_tokens,
        temperature=settings.temperature,
        grammar=settings.grammar,
        extractive=calibration.extractive,
        abstain=calibration.abstain,
        verify=calibration.verify,
        scorer=calibration.scorer,
        judging=(
            Judging(judge or build_judge(settings), settings.judge_threshold, settings.judge_sure)
            if settings.judge == "on"
            else None
        ),
        probe_cache=ProbeCache(settings.models_dir / "probe-verdicts.json"),
    )
    return rag
