"""Fixtures for API tests: the real pipeline behind a real uvicorn server on loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from index.embedder import Embedder
from rag.config import Settings
from rag.factory import build_rag
from rag.generator import LlamaCppGenerator
from rag.lab.bench_serve import free_port
from rag.pipeline import Rag
from rag.reader.onnx_reader import Reader


@pytest.fixture(scope="session")
def stream_rag(
    seed_data_dir: Path, embedder: Embedder, reader: Reader, gemma: LlamaCppGenerator, model_settings: Settings
) -> Rag:
    settings = model_settings.model_copy(update={"data_dir": seed_data_dir, "max_tokens": 120})
    return build_rag(settings, embedder=embedder, reader=reader, generator=gemma)


def serve(app: FastAPI) -> Iterator[str]:
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(5)


@pytest.fixture(scope="session")
def server(stream_rag: Rag, seed_data_dir: Path, model_settings: Settings) -> Iterator[str]:
    settings = model_settings.model_copy(update={"data_dir": seed_data_dir})
    yield from serve(create_app(settings, stream_rag))
