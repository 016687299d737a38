"""RAG_GRAMMAR=quotes: the model can only quote candidate sentences, each with its [n]."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from index.catalog import Catalog
from index.embedder import Embedder
from rag.config import Settings
from rag.evidence import Sentence
from rag.factory import build_rag
from rag.generator import LlamaCppGenerator
from rag.grammar import quote_grammar
from rag.reader.onnx_reader import Reader
from rag.text import strip_citations
from rag.verify import split_answer
from tests.conftest import SEED_ID


def test_grammar_escapes_quotes_and_backslashes_and_parses_in_llama_cpp(llama_cpp: Any) -> None:
    sentences = [
        Sentence(0, "a", 0, 30, 'Er sagte: "Nein" – \\ „Ja“.', score=0.9),
        Sentence(1, "b", 0, 20, "Zweiter\nSatz.", score=0.5),
    ]
    gbnf = quote_grammar(sentences)
    assert gbnf is not None
    assert '"Er sagte: \\"Nein\\" – \\\\ „Ja“. [1]"' in gbnf and '"Zweiter Satz. [2]"' in gbnf
    llama_cpp.llama_grammar.LlamaGrammar.from_string(gbnf, verbose=False)  # raises on a malformed grammar
    assert quote_grammar([]) is None


def test_gemma_under_the_grammar_answers_only_with_verbatim_sentences(
    seed_data_dir: Path, embedder: Embedder, reader: Reader, gemma: LlamaCppGenerator, model_settings: Settings
) -> None:
    settings = model_settings.model_copy(update={"data_dir": seed_data_dir, "grammar": "quotes", "max_tokens": 80})
    rag = build_rag(settings, embedder=embedder, reader=reader, generator=gemma)
    answer = rag.ask("Was wurde über Taiwan gesagt?", mode="generative")
    assert answer.mode == "generative" and answer.fallback is None, answer.answer
    text = Catalog.load(seed_data_dir).articles[SEED_ID].text
    flat = " ".join(text.split())
    for sentence in split_answer(answer.answer):
        assert strip_citations(sentence) in flat, sentence
    assert answer.citations and all(c.verified and c.quotes for c in answer.citations)
