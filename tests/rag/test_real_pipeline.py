"""The real path end to end: converted e5, FAISS + BM25, and real Gemma generation."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.catalog import Catalog
from index.embedder import Embedder
from rag.config import Settings
from rag.factory import build_rag
from rag.generator import LlamaCppGenerator
from rag.lang_de import abstain_text
from rag.pipeline import Rag
from rag.reader.onnx_reader import Reader
from tests.conftest import SEED_ID


@pytest.fixture(scope="module")
def rag(
    seed_data_dir: Path, embedder: Embedder, reader: Reader, gemma: LlamaCppGenerator, model_settings: Settings
) -> Rag:
    settings = model_settings.model_copy(update={"data_dir": seed_data_dir})
    return build_rag(settings, embedder=embedder, reader=reader, generator=gemma)


def test_gemma_generates_real_tokens(gemma: LlamaCppGenerator) -> None:
    # Loading alone does not catch a -march=native build's SIGILL; generating does.
    pieces = list(gemma.generate([{"role": "user", "content": "Die Hauptstadt von Frankreich ist"}], 8, 0.0))
    assert len(pieces) >= 2 and "".join(pieces).strip()


def test_seed_question_quotes_the_taiwan_sentences_with_exact_spans(rag: Rag, seed_data_dir: Path) -> None:
    answer = rag.ask("Was wurde über Taiwan gesagt?")
    assert not answer.abstained
    article = Catalog.load(seed_data_dir).articles[SEED_ID]
    assert any("Taiwan" in c.text for c in answer.citations)
    quoted = [article.text[q.start : q.end] for c in answer.citations for q in c.quotes]
    assert any("Taiwan-Frage" in q for q in quoted)
    assert any("abtrünnige Provinz" in q for q in quoted)
    assert any("erkennen Taiwan" in q for q in quoted)
    for c in answer.citations:
        assert article.text[c.start : c.end] == c.text
        assert f"[{c.n}]" in answer.answer
    assert sorted(c.n for c in answer.citations) == list(range(1, len(answer.citations) + 1))


def test_generative_mode_streams_model_tokens_and_only_verified_text_survives(rag: Rag) -> None:
    events = list(rag.stream("Was wurde über Taiwan gesagt?", mode="generative"))
    kinds = [e.kind for e in events]
    assert kinds[0] == "sources" and kinds[-1] == "answer" and "token" in kinds
    answer = events[-1].data
    assert answer.model.generator == "gemma-3-270m-q4_k_m.gguf"
    assert answer.mode == "generative" or answer.fallback == "extractive"
    # every cited sentence's quote lies inside its passage
    for c in answer.citations:
        assert c.verified and c.quotes
        assert all(c.start <= q.start < q.end <= c.end for q in c.quotes)


def test_unrelated_question_abstains(rag: Rag) -> None:
    answer = rag.ask("Wie hoch war die Inflation in Argentinien im Jahr 1989?")
    assert answer.abstained and answer.abstain_reason == "unrelated" and answer.citations == []
    assert answer.answer == abstain_text("unrelated")
    assert answer.related  # the closest passages are still shown
