"""`make run` does not build llama-cpp-python (issue #41: set-up prepares what runs). auto mode
then answers extractively, and what cannot work without it names the command that builds it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from index.errors import ModelError
from rag.config import Settings
from rag.factory import build_generator, build_judge, build_rag
from rag.generator import LlamaCppGenerator
from tests.conftest import pretend_llama


def test_auto_mode_without_llama_has_no_generator_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    pretend_llama(monkeypatch, built=False)
    with caplog.at_level(logging.INFO, logger="rag.factory"):
        assert build_generator(Settings(models_dir=tmp_path)) is None
    assert "make setup-generator" in caplog.text


def test_with_llama_built_auto_mode_gets_the_bundled_generator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pretend_llama(monkeypatch, built=True)
    gguf = tmp_path / "gemma.gguf"
    gguf.write_bytes(b"GGUF")  # not loaded: the generator loads its model on first use
    generator = build_generator(Settings(models_dir=tmp_path, gguf_path=gguf))
    assert isinstance(generator, LlamaCppGenerator) and generator.path == gguf


@pytest.mark.parametrize("switched_on", [{"mode": "generative"}, {"judge": "on"}])
def test_generative_mode_or_the_judge_without_llama_fail_before_loading_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, switched_on: dict[str, str]
) -> None:
    """Before the index is read: there is none in tmp_path, and the error is still llama's."""
    pretend_llama(monkeypatch, built=False)
    with pytest.raises(ModelError, match=r"needs llama-cpp-python.*`make setup-generator`"):
        build_rag(Settings(models_dir=tmp_path, data_dir=tmp_path / "data", **switched_on))


def test_the_judge_for_the_bench_names_the_command_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pretend_llama(monkeypatch, built=False)
    with pytest.raises(ModelError, match=r"make setup-generator"):
        build_judge(Settings(models_dir=tmp_path))
