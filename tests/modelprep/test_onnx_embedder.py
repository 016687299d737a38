"""The int8 ONNX embedders (the default path, no torch) against PyTorch float32, for both models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.embedder import Embedder
from index.errors import ModelError
from index.onnx_embedder import OnnxEmbedder
from rag.config import EMBEDDER_FOLDERS, Settings
from rag.factory import build_embedder

SENTENCES = [
    "Die Verteidigungsminister der USA und Chinas trafen sich am Rande der Sicherheitskonferenz in Singapur.",
    "Peking sieht das demokratisch regierte Taiwan als abtrünnige Provinz.",
    "Der Bau der neuen Brücke kostete nach Angaben der Stadt 4,2 Millionen Euro.",
    "„Wir werden das nicht hinnehmen“, sagte Dr. Müller am 3. Oktober in München.",
    "Die Polizei nahm nach dem Spiel zwölf Personen vorübergehend fest.",
    "Der Aktienkurs fiel nach der Gewinnwarnung um mehr als acht Prozent.",
]
QUERIES = [
    "Was wurde über Taiwan gesagt?",
    "Wo trafen sich die Verteidigungsminister der USA und Chinas?",
    "Wie viel kostete die Brücke?",
    "Wie viele Personen wurden festgenommen?",
]


@pytest.fixture(scope="module")
def fast_embedders(model_settings: Settings) -> dict[str, Embedder]:
    return {name: build_embedder(model_settings.model_copy(update={"embedder": name})) for name in EMBEDDER_FOLDERS}


@pytest.mark.parametrize("name", list(EMBEDDER_FOLDERS))
def test_int8_vectors_stay_close_to_float32(
    name: str, fast_embedders: dict[str, Embedder], float_embedders: dict[str, Embedder]
) -> None:
    fast, exact = fast_embedders[name], float_embedders[name]
    assert isinstance(fast, OnnxEmbedder)
    docs_fast, docs_exact = fast.embed_documents(SENTENCES), exact.embed_documents(SENTENCES)
    q_fast = np.stack([fast.embed_query(q) for q in QUERIES])
    q_exact = np.stack([exact.embed_query(q) for q in QUERIES])
    for a, b in ((docs_fast, docs_exact), (q_fast, q_exact)):
        assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
        cosines = np.sum(a * b, axis=1)
        # The int8 kernels depend on the CPU: the earlier machines' runs gave >= 0.98, an AMD
        # EPYC with AVX2 and no VNNI a minimum of 0.968 (EmbeddingGemma; the export is
        # deterministic there), with the dev answers unchanged (citation_hit 0.792).
        assert cosines.min() >= 0.96, cosines
    # The ranking a question gives the sentences is the float32 one.
    assert (np.argmax(q_fast @ docs_fast.T, axis=1) == np.argmax(q_exact @ docs_exact.T, axis=1)).all()


def test_the_index_names_the_model_and_its_numeric_path(
    fast_embedders: dict[str, Embedder], float_embedders: dict[str, Embedder]
) -> None:
    names = {e.name for e in [*fast_embedders.values(), *float_embedders.values()]}
    assert names == {
        "embeddinggemma-300m+int8",
        "embeddinggemma-300m",
        "multilingual-e5-small+int8",
        "multilingual-e5-small",
    }
    assert fast_embedders["embeddinggemma"].dim == 768 and fast_embedders["e5-small"].dim == 384


def test_the_question_path_imports_no_torch(model_settings: Settings) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from rag.config import Settings; from rag.factory import build_embedder; "
        f"e = build_embedder(Settings(models_dir={str(model_settings.models_dir)!r})); e.embed_query('Taiwan'); "
        "print('torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_a_missing_export_is_named_with_what_to_do(model_settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"embedder-int8-opt\.onnx is missing: run `rag setup`"):
        OnnxEmbedder(model_settings.embedder_dir, tmp_path / "onnx" / "embedder-int8-opt.onnx")
    with pytest.raises(ModelError, match="RAG_QUERY_ENCODER=torch needs RAG_DOCUMENT_ENCODER=torch"):
        build_embedder(model_settings.model_copy(update={"query_encoder": "torch"}))


def test_gemmas_sentencepiece_model_gives_the_ids_of_its_tokenizer_json(model_settings: Settings) -> None:
    """The fast-loading tokenizer must not change a single id (else the vectors drift)."""
    from tokenizers import Tokenizer

    from index.onnx_embedder import _Tokenizer

    folder = model_settings.models_dir / EMBEDDER_FOLDERS["embeddinggemma"]
    reference = Tokenizer.from_file(str(folder / "tokenizer.json"))
    reference.enable_truncation(20)
    ours = _Tokenizer(folder, max_length=20)
    seed = (Path(__file__).parents[2] / "seeds" / "000_2166f1dc4096c1be.txt").read_text(encoding="utf-8")
    texts = [*SENTENCES, *QUERIES, seed[:600], "  Übermäßig   viele  Ärzte\tund ÖL-Maße… ½ Liter, ﬁnal² 😀", ""]
    assert ours(texts) == [e.ids for e in reference.encode_batch(texts)]  # truncated at 20 as well
