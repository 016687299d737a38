"""The learned abstention check: its model and file (unit), the decision it joins, its threshold
rule, the shipped file on the real path, and `rag train abstention`."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from index.embedder import Embedder
from index.errors import ModelError
from rag.abstain import SIGNALS, AbstainParams, decide
from rag.abstain_model import LearnedCheck, fit_logistic, load_check, save_check
from rag.calibration import calibration_for
from rag.cli import app
from rag.config import Settings
from rag.extractive import Sentence
from rag.factory import build_rag
from rag.pipeline import Rag
from rag.question import Question
from rag.reader.onnx_reader import Reader
from rag.reader.train import auroc
from rag.train_abstention import BOUNDARY, Row, pick_threshold, train_abstention

from ..conftest import SEED_ID

N = len(SIGNALS)


def check_on(index: int, weight: float, bias: float, threshold: float = 0.5) -> LearnedCheck:
    """A check that reads one signal: p = sigmoid(weight * row[index] + bias)."""
    weights = [0.0] * N
    weights[index] = weight
    return LearnedCheck("test", SIGNALS, (0.0,) * N, (1.0,) * N, tuple(weights), bias, threshold)


DENSE = SIGNALS.index("best_dense")
DOUBTS_BELOW_07 = check_on(DENSE, 20.0, -14.0)  # p < 0.5 where the best dense similarity is below 0.7


def sentence(text: str = "Ein Satz über den Hafen.", dense: float = 0.9) -> Sentence:
    return Sentence(0, "a", 0, len(text), text, dense=dense, lexical=0.5)


# --- the model -------------------------------------------------------------------------------


def test_the_probability_is_the_logistic_of_the_standardised_row() -> None:
    check = replace(check_on(DENSE, 2.0, -1.0), mean=(0.5,) * N, scale=(0.25,) * N)
    row = [0.75] + [0.0] * (N - 1)
    assert check.probability(row) == pytest.approx(1 / (1 + np.exp(-(2.0 * (0.75 - 0.5) / 0.25 - 1.0))))
    with pytest.raises(ValueError, match=f"expected {N} signals, got 3"):
        check.probability([1.0, 2.0, 3.0])


def test_the_fit_separates_what_one_column_separates_and_ignores_a_constant_one() -> None:
    rng = np.random.default_rng(0)
    y = np.r_[np.ones(40), np.zeros(40)]
    x = np.c_[y * 2 + rng.normal(0, 0.3, 80), rng.normal(0, 1, 80), np.full(80, 3.0)]
    mean, scale, weights, bias = fit_logistic(x, y)
    assert scale[2] == 1.0 and weights[2] == 0.0  # constant: no division by zero, no weight
    assert weights[0] > 1.0 and abs(weights[1]) < weights[0] / 4
    p = 1 / (1 + np.exp(-(((x - mean) / scale) @ weights + bias)))
    assert auroc(p, y.astype(bool)) > 0.99
    again = fit_logistic(x, y)  # no randomness: a refit is the same fit
    assert np.array_equal(again[2], weights) and again[3] == bias


def test_a_saved_check_loads_back_and_a_changed_one_is_refused(tmp_path: Path) -> None:
    check = replace(DOUBTS_BELOW_07, embedder="embeddinggemma-300m")
    path = tmp_path / "check.json"
    sha = save_check(check, path, {"note": "test"})
    assert load_check(path, sha, SIGNALS, "embeddinggemma-300m") == check
    with pytest.raises(ModelError, match=r"check.json has sha256 .* restore the committed file"):
        load_check(path, "0" * 64, SIGNALS, "embeddinggemma-300m")
    with pytest.raises(ModelError, match="other signals"):
        load_check(path, sha, (*SIGNALS, "extra"), "embeddinggemma-300m")
    with pytest.raises(ModelError, match="fitted with embeddinggemma-300m, not multilingual-e5-small"):
        load_check(path, sha, SIGNALS, "multilingual-e5-small")
    with pytest.raises(ModelError, match=r"missing.*restore it with git"):
        load_check(tmp_path / "gone.json", sha, SIGNALS, "embeddinggemma-300m")


# --- the decision ----------------------------------------------------------------------------


def test_the_check_turns_a_found_answer_it_doubts_into_an_abstention() -> None:
    q = Question.parse("Was geschah im Hafen?")
    params = AbstainParams(min_dense=0.3, learned=DOUBTS_BELOW_07)
    assert decide(q, [sentence(dense=0.6)], replace(params, learned=None)).verdict == "found"  # the rules alone
    doubted = decide(q, [sentence(dense=0.6)], params)
    assert doubted.abstain and doubted.verdict == "doubtful"
    assert decide(q, [sentence(dense=0.8)], params).verdict == "found"


def test_the_check_does_not_judge_what_the_rules_reject_or_topic_questions() -> None:
    params = AbstainParams(min_dense=0.3, learned=DOUBTS_BELOW_07)
    missing = Sentence(0, "a", 0, 40, "Der Pass wird ab Herbst ausgegeben.", dense=0.6, lexical=0.5)
    assert decide(Question.parse("Wie viel kostet der Pass?"), [missing], params).verdict == "missing"
    topic = Question.parse("Was wurde über den Hafen gesagt?")
    assert topic.topic and decide(topic, [sentence(dense=0.6)], params).verdict == "found"


# --- the threshold ---------------------------------------------------------------------------


def rows(split: str, probabilities: list[float], answerable: list[bool]) -> list[Row]:
    """Rows whose single dense signal gives the check `DOUBTS_BELOW_07` these probabilities."""
    xs = [(np.log(p / (1 - p)) + 14.0) / 20.0 for p in probabilities]
    return [Row(split, [x] + [0.0] * (N - 1), False, a) for x, a in zip(xs, answerable, strict=True)]


def test_the_threshold_stops_at_the_fits_boundary() -> None:
    # every kept-back unanswerable question is caught up to 0.9, but above 0.5 the check would
    # abstain on questions it finds more likely answerable
    kept = rows("kept", [0.12, 0.32, 0.52, 0.72, 0.88, 0.97], [False, False, False, False, False, True])
    assert pick_threshold(kept, [], DOUBTS_BELOW_07) == BOUNDARY


def test_the_threshold_keeps_dev_false_abstain_and_the_kept_back_count() -> None:
    kept = rows("kept", [0.12, 0.22, 0.32, 0.42], [False, True, True, True])
    # 0.15 and 0.2 catch one; 0.25 and 0.3 catch one for one lost (still kept); from 0.35 on
    # more are lost than caught
    assert pick_threshold(kept, [], DOUBTS_BELOW_07) == 0.3
    dev = rows("dev", [0.27, *[0.9] * 7], [True] * 8)  # from 0.3 on, 1 of 8 answerable (> 0.10) is lost
    assert pick_threshold(kept, dev, DOUBTS_BELOW_07) == 0.25


# --- the shipped check, on the real path -----------------------------------------------------

NO_SPOKESMAN = "Wie heißt der Sprecher des Pentagons?"  # the seed names Hegseth, the Pentagon's chief


def test_the_shipped_check_loads_for_the_default_embedder_only() -> None:
    gemma = calibration_for("embeddinggemma-300m+int8")  # checks the file's recorded sha256
    assert gemma.abstain.learned is not None and gemma.abstain.learned.threshold == BOUNDARY
    assert calibration_for("embeddinggemma-300m", learned=False).abstain.learned is None
    assert calibration_for("multilingual-e5-small").abstain.learned is None  # not fitted with e5


@pytest.fixture(scope="module")
def rules_rag(seed_data_dir: Path, embedder: Embedder, reader: Reader, model_settings: Settings) -> Rag:
    settings = model_settings.model_copy(
        update={"data_dir": seed_data_dir, "generator": "none", "learned_abstain": "off"}
    )
    return build_rag(settings, embedder=embedder, reader=reader)


def test_a_name_the_seed_lacks_abstains_by_the_check_where_the_rules_answer(seed_rag: Rag, rules_rag: Rag) -> None:
    assert rules_rag.abstain.learned is None and not rules_rag.ask(NO_SPOKESMAN).abstained  # Hegseth, wrongly
    a = seed_rag.ask(NO_SPOKESMAN)
    assert a.abstained and a.abstain_reason == "doubtful" and a.citations == [] and a.related
    assert a.answer.endswith("Die gefundenen Stellen beantworten die Frage wahrscheinlich nicht.")
    answered = seed_rag.ask("Wer ist der chinesische Verteidigungsminister?")
    assert not answered.abstained and "Dong Jun" in answered.answer


# --- training --------------------------------------------------------------------------------

TRAIN = [
    ("Wo trafen sich Hegseth und Dong?", True),
    ("Wann haben sich Hegseth und Dong getroffen?", True),
    ("Wer ist der chinesische Verteidigungsminister?", True),
    ("In welcher Stadt trafen sich Trump und Xi?", True),
    ("Wie viele Soldaten hat China nach Malaysia geschickt?", False),
    ("Wie viel kostete das Treffen in Malaysia?", False),
    ("Wie alt ist Pete Hegseth?", False),
    ("Was sagte Hegseth?", True),  # a speaker question: not the check's to judge, so skipped
]


def questions(pairs: list[tuple[str, bool]]) -> list[dict[str, object]]:
    return [{"id": str(i), "question": q, "answerable": a, "article_id": SEED_ID} for i, (q, a) in enumerate(pairs)]


def test_training_fits_writes_a_loadable_check_and_a_refit_writes_the_same_bytes(seed_rag: Rag, tmp_path: Path) -> None:
    measured = {"dev": questions(TRAIN[:2] + TRAIN[4:5]), "answerable_only": questions(TRAIN[:2])}
    first = train_abstention(seed_rag, questions(TRAIN), measured, tmp_path / "a.json", "embeddinggemma-300m")
    assert first["fitted_questions"] == 7 and first["sets"]["dev"]["questions"] == 3
    only = first["sets"]["answerable_only"]  # no unanswerable question: no rate and no AUROC, not NaN
    assert only["auroc"] is None and only["rules"][0] is None and only["rules"][1] is not None
    check = load_check(tmp_path / "a.json", first["sha256"], SIGNALS, "embeddinggemma-300m")
    assert 0.0 <= check.threshold <= BOUNDARY and len(check.weights) == N
    assert json.loads((tmp_path / "a.json").read_text())["report"]["sets"]["train"]["unanswerable"] == 3
    second = train_abstention(seed_rag, questions(TRAIN), measured, tmp_path / "b.json", "embeddinggemma-300m")
    assert second["sha256"] == first["sha256"]


def test_training_needs_both_kinds_of_question(seed_rag: Rag, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="need answerable and unanswerable"):
        train_abstention(seed_rag, questions(TRAIN[:4]), {}, tmp_path / "a.json", "embeddinggemma-300m")
    assert not (tmp_path / "a.json").exists()


def test_the_command_names_a_missing_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["train", "abstention", "--data", str(tmp_path), "--out", str(tmp_path / "a.json")]
    )
    assert result.exit_code == 1
    assert f"--data: {tmp_path / 'news_wikinews_de' / 'articles.jsonl'} is not a file" in result.output
    assert not (tmp_path / "a.json").exists()
