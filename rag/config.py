"""Settings: one model, read from `RAG_*` environment variables; CLI flags override fields.

No settings object is created at import time; call `Settings()` where one is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rag.shipped import EMBEDDER_ONNX, JUDGE_GGUF_NAME, READER_BASE_MODEL, READER_WEIGHTS_SHA256, reader_onnx_name

Mode = Literal["auto", "extractive", "generative"]
Grammar = Literal["off", "quotes"]
EmbedderName = Literal["embeddinggemma", "e5-small"]
Encoder = Literal["onnx-int8", "torch"]
EMBEDDER_FOLDERS: dict[str, str] = {"embeddinggemma": "embeddinggemma-300m", "e5-small": "multilingual-e5-small"}


# Passages one request may ask for. The evidence passage is among the top 5 for every news
# dev question (recall@5 1.000 at 968 articles), so more passages add work (a passage holds
# about 3 sentences, each tagged and scored), not answers; 20 bounds what one request can cost.
MAX_TOP_K = 20


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Where the index lives (gitignored).")
    database_url: str | None = Field(
        None,
        description="postgresql://… : keep the index in PostgreSQL + pgvector (shared by several API workers) "
        "instead of data_dir; `rag db start` runs one on this machine.",
    )
    models_dir: Path = Field(Path("models"), description="Where set-up puts the default models.")
    embedder: EmbedderName = Field(
        "embeddinggemma", description="The embedding model set-up prepares: embeddinggemma (300M) or e5-small."
    )
    embedder_path: Path | None = Field(
        None, description="A sentence-transformers folder instead of the model `embedder` names."
    )
    gguf_path: Path | None = Field(
        None, description="A GGUF file for generation; default: models_dir/gemma-3-270m-q4_k_m.gguf."
    )
    query_encoder: Encoder = Field(
        "onnx-int8", description="How queries are embedded: ONNX Runtime int8 (fast) or PyTorch float32."
    )
    document_encoder: Encoder = Field(
        "onnx-int8",
        description="How documents are embedded: ONNX Runtime int8 (4.5x faster for EmbeddingGemma) or "
        "PyTorch float32; changing it means `rag reindex`.",
    )
    generator: Literal["llama", "none"] = Field("llama", description="'none' disables generation.")
    generator_url: str | None = Field(
        None,
        description="An OpenAI-compatible server (http://host:port/v1: llama.cpp's server, vLLM) that "
        "generates instead of the bundled GGUF; n_ctx is its context window.",
    )
    generator_model: str = Field("", description="The model name sent to RAG_GENERATOR_URL; empty: its default.")
    reader: Literal["off", "on"] = Field(
        "off",
        description="on: the trained reader (a cross-encoder on e5-small) reorders the sentence scorer's best five "
        "candidates (0.11-0.16 s an answer; a cold start 1.1 s and 350 MB more; out of fold on the training writers "
        "it puts the evidence first 0.002 more often than the scorer alone, so it is off by default; "
        "docs/experiments/2026-12-07-cross-encoder-rerank.md); without a scorer (e5-small) it scores the sentences "
        "an answer quotes instead, and gives the confidence. off: the scorer's order.",
    )
    scorer: Literal["on", "off"] = Field(
        "on",
        description="on: the learned sentence scorer (`rag train scorer`) chooses what an answer quotes, best first, "
        "and abstains when no sentence reaches its threshold; off: the rule score and the abstention rules "
        "(for embedders without a scorer, e5-small, they are used anyway).",
    )
    judge: Literal["off", "on"] = Field(
        "off",
        description="on: a 1.5B chat model reads what each answer quotes and the pipeline abstains when it "
        "judges that this does not answer the question. Abstention on 240 unanswerable hand-written questions: "
        "0.34 -> 0.53, at false abstention 0.07 -> 0.14 on 240 answerable ones; ~4 s per answer on 2 cores "
        "(docs/experiments/the-reader.md).",
    )
    judge_threshold: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Abstain when the judge's p(Ja) is below this. 0.5: the judge says Ja rather than Nein, and on "
        "480 hand-written questions the trade of caught unanswerable against lost answerable questions bends there "
        "(docs/experiments/the-reader.md); the news dev set meets its target anywhere from 0.1 to 0.6.",
    )
    judge_sure: float = Field(
        0.85,
        ge=0.0,
        le=1.0,
        description="A judged answer whose p(Ja) is below this (and at least judge_threshold) is marked "
        "low_confidence. 0.85 marks the most wrong answers for the fewest right ones on the news dev set "
        "(docs/experiments/the-reader.md).",
    )
    judge_gguf_path: Path | None = Field(
        None, description="A GGUF chat model for the judge; default: the one set-up assembles in models_dir."
    )
    mode: Mode = Field("auto", description="auto: generative only when the model passes the check.")
    top_k: int = Field(5, ge=1, le=MAX_TOP_K, description="Passages given to the answerer.")
    threads: int = Field(2, ge=1, description="CPU threads for torch and llama.cpp.")
    n_ctx: int = Field(4096, ge=512, description="llama.cpp context window in tokens.")
    max_tokens: int = Field(200, ge=1, description="Upper bound on generated tokens per answer.")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature.")
    grammar: Grammar = Field("off", description="quotes: the model may only quote candidate sentences with [n].")
    chat_format: str | None = Field(None, description="llama.cpp chat format; None: plain completion.")
    fusion: Literal["rrf", "blend"] = Field("rrf", description="rrf (rank fusion) or blend (normalized scores).")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    dense_weight: float = Field(1.0, ge=0.0, description="Weight of dense ranks in fusion.")
    bm25_weight: float = Field(1.0, ge=0.0, description="Weight of BM25 ranks in fusion.")
    candidates: int = Field(40, ge=1, description="Hits taken from each retriever before fusion.")
    recency_half_life_days: float | None = Field(
        None, description="If set, fused scores decay with article age (days); off by default."
    )
    host: str = Field("127.0.0.1", description="Server bind address.")
    port: int = Field(8000, ge=1, le=65535, description="Server port.")
    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "::1"],
        description="Host names the server answers to (DNS-rebinding guard); the bind address is added; '*': any.",
    )
    api_key: str | None = Field(None, description="If set, routes require 'Authorization: Bearer <key>'.")
    cors_origins: list[str] = Field(default_factory=list, description="Allowed CORS origins; empty: CORS off.")
    max_waiting: int = Field(8, ge=0, description="Requests that may wait for the model; beyond: 503.")
    generation_timeout_s: float = Field(60.0, gt=0, description="Generation stops after this long.")

    @model_validator(mode="after")
    def _sure_above_threshold(self) -> Settings:
        if self.judge_sure < self.judge_threshold:
            raise ValueError(
                f"RAG_JUDGE_SURE ({self.judge_sure}) is below RAG_JUDGE_THRESHOLD ({self.judge_threshold}): "
                "an answer the judge lets through cannot be surer than the sure level; raise RAG_JUDGE_SURE"
            )
        return self

    @property
    def embedder_dir(self) -> Path:
        return self.embedder_path or self.models_dir / EMBEDDER_FOLDERS[self.embedder]

    @property
    def embedder_onnx_file(self) -> Path | None:
        """The int8 ONNX export of the embedder, or None when neither role uses it."""
        uses = "onnx-int8" in (self.query_encoder, self.document_encoder)
        return self.embedder_dir / EMBEDDER_ONNX if uses else None

    @property
    def reader_base_dir(self) -> Path:
        """The e5 folder the reader's frozen layers and tokenizer come from (whatever the embedder)."""
        return self.models_dir / READER_BASE_MODEL

    @property
    def reader_onnx_file(self) -> Path:
        return self.models_dir / "reader" / reader_onnx_name(READER_WEIGHTS_SHA256)

    @property
    def judge_gguf_file(self) -> Path:
        return self.judge_gguf_path or self.models_dir / JUDGE_GGUF_NAME

    @property
    def gguf_file(self) -> Path:
        return self.gguf_path or self.models_dir / "gemma-3-270m-q4_k_m.gguf"


# The settings' defaults, read without the environment: the constructors' defaults, so that a
# default is written once, in the field above.
DEFAULTS = Settings.model_construct()
