"""Pipeline logic with fakes: fallback, citation numbering, input checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.article import Article
from index.build import upsert_articles
from index.catalog import Catalog
from index.embedder import Embedder
from index.errors import InputError
from rag.config import Settings
from rag.factory import build_rag
from rag.generator import EchoGenerator
from rag.reader.onnx_reader import Reader

TEXT = (
    "Die Stadt Freiburg hat am Montag einen neuen Radweg eröffnet. Er ist 12 Kilometer lang und "
    "verbindet die Innenstadt mit Kirchzarten. Der Bau kostete 4 Millionen Euro."
)


@pytest.fixture()
def data(tmp_path: Path, embedder: Embedder, reader: Reader) -> Path:
    upsert_articles(tmp_path, [Article("rad", "Neuer Radweg in Freiburg", TEXT, "2025-10-06")], embedder)
    return tmp_path


def make(data: Path, embedder: Embedder, reply: str):  # type: ignore[no-untyped-def]
    return build_rag(Settings(data_dir=data), embedder=embedder, generator=EchoGenerator(reply))


def test_english_answer_falls_back_to_extractive(data: Path, embedder: Embedder, reader: Reader) -> None:
    rag = make(data, embedder, "The new bike path is 12 kilometres long. [1]")
    a = rag.ask("Wie lang ist der Radweg in Freiburg?", mode="generative")
    assert a.fallback == "extractive" and a.mode == "extractive"
    assert "12 Kilometer" in a.answer and "[1]" in a.answer


def test_verified_generated_answer_keeps_only_supported_sentences(
    data: Path, embedder: Embedder, reader: Reader
) -> None:
    reply = "Der neue Radweg in Freiburg ist 12 Kilometer lang. [1] Er wurde von Angela Merkel eröffnet. [1]"
    rag = make(data, embedder, reply)
    a = rag.ask("Wie lang ist der Radweg in Freiburg?", mode="generative")
    assert a.mode == "generative" and a.fallback is None
    assert a.answer == "Der neue Radweg in Freiburg ist 12 Kilometer lang. [1]"
    [c] = a.citations
    article = Catalog.load(data).articles["rad"]
    # "Er ist 12 Kilometer lang" needs the sentence before it to say what "er" is
    assert [article.text[q.start : q.end] for q in c.quotes] == [
        "Die Stadt Freiburg hat am Montag einen neuen Radweg eröffnet. "
        "Er ist 12 Kilometer lang und verbindet die Innenstadt mit Kirchzarten."
    ]


def test_bad_questions_are_rejected_with_a_message(data: Path, embedder: Embedder, reader: Reader) -> None:
    rag = make(data, embedder, "")
    with pytest.raises(InputError, match="question: must not be empty"):
        rag.ask("   ")
    with pytest.raises(InputError, match="longer than 1000"):
        rag.ask("x" * 1001)
    with pytest.raises(InputError, match="top_k"):
        rag.ask("Radweg?", top_k=21)


def test_auto_mode_probe_verdict_is_cached_on_disk(
    data: Path, embedder: Embedder, reader: Reader, tmp_path: Path
) -> None:
    model = tmp_path / "fake.gguf"
    model.write_bytes(b"GGUF")
    gen = EchoGenerator("The bike path is long.")
    gen.path = model  # type: ignore[attr-defined]
    settings = Settings(data_dir=data, models_dir=tmp_path / "models")
    first = build_rag(settings, embedder=embedder, reader=reader, generator=gen)
    assert first.ask("Wie lang ist der Radweg in Freiburg?").mode == "extractive"  # probe failed: English
    probes = len(gen.calls)
    assert probes >= 1
    second = build_rag(settings, embedder=embedder, reader=reader, generator=gen)
    assert second.ask("Wie lang ist der Radweg in Freiburg?").mode == "extractive"
    assert len(gen.calls) == probes  # the verdict came from disk, the model was not asked again
    assert (tmp_path / "models" / "probe-verdicts.json").is_file()


def test_quote_grammar_reaches_the_generator_only_when_set(data: Path, embedder: Embedder, reader: Reader) -> None:
    gen = EchoGenerator("Der Bau kostete 4 Millionen Euro. [1]")
    off = build_rag(Settings(data_dir=data), embedder=embedder, reader=reader, generator=gen)
    off.ask("Wie viel kostete der Radweg in Freiburg?", mode="generative")
    on = build_rag(Settings(data_dir=data, grammar="quotes"), embedder=embedder, reader=reader, generator=gen)
    a = on.ask("Wie viel kostete der Radweg in Freiburg?", mode="generative")
    assert gen.grammars[0] is None
    grammar = gen.grammars[1]
    assert grammar is not None and grammar.startswith("root ::= quote")
    assert '"Der Bau kostete 4 Millionen Euro. [1]"' in grammar
    assert a.mode == "generative" and "4 Millionen Euro" in a.answer


def test_a_prompt_over_the_context_window_drops_passages_or_falls_back(
    data: Path, embedder: Embedder, reader: Reader
) -> None:
    more = [Article(f"rad-{i}", f"Radweg Nummer {i}", TEXT.replace("12", str(20 + i)), "2025-10-06") for i in range(6)]
    upsert_articles(data, more, embedder)
    reply = "Der Bau kostete 4 Millionen Euro. [1]"
    roomy = build_rag(Settings(data_dir=data), embedder=embedder, reader=reader, generator=EchoGenerator(reply))
    a = roomy.ask("Wie viel kostete der Radweg in Freiburg?", mode="generative", top_k=6)
    assert a.mode == "generative" and a.omitted_passages == 0
    tight_gen = EchoGenerator(reply, n_ctx=400)  # room for a few of the six passages
    tight = build_rag(Settings(data_dir=data), embedder=embedder, reader=reader, generator=tight_gen)
    a = tight.ask("Wie viel kostete der Radweg in Freiburg?", mode="generative", top_k=6)
    assert a.mode == "generative" and 0 < a.omitted_passages < 6
    assert tight_gen.calls[-1][1]["content"].count("<<<") == 6 - a.omitted_passages
    none_fit = EchoGenerator(reply, n_ctx=210)  # the answer's 200 tokens leave no room for a passage
    rag = build_rag(Settings(data_dir=data), embedder=embedder, reader=reader, generator=none_fit)
    a = rag.ask("Wie viel kostete der Radweg in Freiburg?", mode="generative")
    assert a.mode == "extractive" and a.fallback == "extractive" and "4 Millionen Euro" in a.answer
    assert none_fit.calls == [] and a.omitted_passages > 0  # every passage was left out
