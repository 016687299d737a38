"""Issue #40 on the seed article: the shipped scorer picks the sentence that answers, quotes it
first and at most one more, and abstains on a near miss (real models, default settings)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from index.embedder import Embedder
from rag.answer import Answer
from rag.calibration import EMBEDDINGGEMMA, calibration_for
from rag.config import Settings
from rag.factory import build_rag
from rag.pipeline import Rag
from rag.question import Question
from rag.scorer_features import FEATURES


@pytest.fixture(scope="module")
def rag(seed_data_dir: Path, embedder: Embedder, model_settings: Settings) -> Rag:
    settings = model_settings.model_copy(update={"data_dir": seed_data_dir, "generator": "none"})
    return build_rag(settings, embedder=embedder)


def quoted(a: Answer) -> list[str]:
    """The quoted sentences in the order the answer gives them."""
    by_start = {(q.start, q.end): c.text[q.start - c.start : q.end - c.start] for c in a.citations for q in c.quotes}
    order = [line.rsplit(" [", 1)[0].strip() for line in a.answer.splitlines() if "[" in line]
    return [next(t for t in by_start.values() if t.strip() == line) for line in order]


@pytest.mark.parametrize(
    ("question", "evidence"),
    [
        # the sentence names the ministers, not their role: the scorer trained without the
        # question-level loss gave it 0.007 and abstained
        ("Wo trafen sich die Verteidigungsminister?", "am Rande eines Gipfels der Asean-Staaten in Malaysia getroffen"),
        ("Was vereinbarten Hegseth und Dong?", "vereinbart, die militärische Kommunikation"),
        ("Wer hat sich mit Dong Jun getroffen?", "Hegseth und Dong haben sich vergangene Woche"),
    ],
)
def test_the_evidence_sentence_is_quoted_first_and_at_most_one_other(rag: Rag, question: str, evidence: str) -> None:
    a = rag.ask(question)
    assert not a.abstained, a.answer
    sentences = quoted(a)
    assert evidence in sentences[0], sentences
    assert len(sentences) <= 2
    assert a.confidence is not None and a.confidence >= rag.scorer.threshold  # type: ignore[union-attr]
    assert all(r.quotes and not r.verified for r in a.related)  # „Weitere Stellen“: one sentence each


def test_a_near_miss_on_the_seed_abstains_with_the_scorers_confidence(rag: Rag) -> None:
    a = rag.ask("Wie viele Soldaten begleiteten Hegseth nach Malaysia?")
    assert a.abstained and a.abstain_reason == "doubtful", a.answer
    assert a.confidence is not None and a.confidence < rag.scorer.threshold  # type: ignore[union-attr]
    assert a.related  # the closest passages are still shown


def test_the_shipped_scorer_is_the_recorded_file_and_loads_for_embeddinggemma() -> None:
    assert EMBEDDINGGEMMA.scorer_file is not None
    name, sha = EMBEDDINGGEMMA.scorer_file
    path = Path(__file__).resolve().parents[2] / "rag" / name
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    assert path.stat().st_size < 25 * 2**20  # issue #40: the committed delta stays small
    scorer = calibration_for("embeddinggemma-300m+int8").scorer
    assert scorer is not None and 0.0 < scorer.threshold < 1.0 and scorer.report["hold_out"] == "C4"


def test_the_verdict_on_the_radweg_question_has_a_margin_no_cpu_can_cross(
    tmp_path: Path, embedder: Embedder, model_settings: Settings
) -> None:
    """Issue #39 item 16: the learned check abstained on this question on an AVX-512 VNNI CPU and
    answered on another, because int8 kernels moved one of its signals across its threshold. Int8
    kernels move a cosine by about 0.01: moved by five times that, every similarity the scorer
    reads either way, the answer sentence stays above the threshold."""
    from index.article import Article
    from index.build import upsert_articles

    text = (
        "Die Stadt Freiburg hat am Montag einen neuen Radweg eröffnet. Er ist 12 Kilometer lang und "
        "verbindet die Innenstadt mit Kirchzarten. Der Bau kostete 4 Millionen Euro."
    )
    upsert_articles(tmp_path, [Article("rad", "Neuer Radweg in Freiburg", text, "2025-10-06")], embedder)
    rag = build_rag(model_settings.model_copy(update={"data_dir": tmp_path, "generator": "none"}), embedder=embedder)
    a = rag.ask("Wie viel kostete der Radweg in Freiburg?")
    assert not a.abstained and quoted(a)[0] == "Der Bau kostete 4 Millionen Euro."
    scorer = rag.scorer
    assert scorer is not None and a.confidence is not None and a.confidence >= scorer.threshold
    question = Question.parse("Wie viel kostete der Radweg in Freiburg?")
    _, sentences = rag.candidates(question)
    rows = rag.scorer_rows(question, sentences)
    answer = next(i for i, s in enumerate(sentences) if s.text == "Der Bau kostete 4 Millionen Euro.")
    similarity = [FEATURES.index(f) for f in ("dense", "dense_gap", "prev_dense", "next_dense")]
    for shift in (-0.05, 0.05):  # the gap to the best moves against the sentence's own similarity
        moved = rows.copy()
        moved[:, similarity] += shift * np.array([1, -1, 1, 1], dtype=np.float32)
        assert scorer.probabilities(moved)[answer] >= scorer.threshold, shift
