"""The sentence scorer's file, its network and the choice built on its probabilities."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.errors import ModelError
from rag.evidence import Sentence
from rag.extractive import select_scored
from rag.lab.train_scorer import choose_threshold
from rag.question import Question
from rag.scorer import SentenceScorer, load_scorer, save_scorer

FEATURES = ("a", "b")


def scorer(threshold: float = 0.5) -> SentenceScorer:
    return SentenceScorer(
        embedder="m",
        features=FEATURES,
        mean=np.array([1.0, 0.0, 0.0]),
        scale=np.array([2.0, 1.0, 1.0]),
        w1=np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]),
        b1=np.array([0.0, -1.0]),
        w2=np.array([2.0, -1.0]),
        b2=0.5,
        threshold=threshold,
        second=0.7,
        report={"note": "hand-made"},
    )


def test_the_probability_is_the_network_written_out() -> None:
    rows = np.array([[3.0, 4.0, 9.0], [-1.0, 0.0, 0.0]])
    # row 1: standardised (1, 4, 9) → hidden relu(1, 3) → 2·1 − 3 + 0.5 = −0.5
    # row 2: standardised (−1, 0, 0) → hidden relu(−1, −1) = 0 → 0.5
    expected = 1 / (1 + np.exp(-np.array([-0.5, 0.5])))
    assert np.allclose(scorer().probabilities(rows), expected)
    with pytest.raises(ValueError, match="3 columns"):
        scorer().probabilities(np.zeros((1, 2)))


def test_a_saved_scorer_loads_back_equal_and_a_refit_writes_equal_bytes(tmp_path: Path) -> None:
    sha = save_scorer(scorer(), tmp_path / "s.npz")
    assert save_scorer(scorer(), tmp_path / "again.npz") == sha
    back = load_scorer(tmp_path / "s.npz", sha, FEATURES, "m")
    rows = np.random.default_rng(1).normal(size=(5, 3))
    assert np.allclose(back.probabilities(rows), scorer().probabilities(rows), atol=1e-6)
    assert (back.threshold, back.second, back.report) == (0.5, 0.7, {"note": "hand-made"})


def test_a_changed_file_other_features_or_another_embedder_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.npz"
    sha = save_scorer(scorer(), path)
    with pytest.raises(ModelError, match="restore it with git"):
        load_scorer(path, "0" * 64, FEATURES, "m")
    with pytest.raises(ModelError, match="other features"):
        load_scorer(path, sha, ("a",), "m")
    with pytest.raises(ModelError, match="fitted with m"):
        load_scorer(path, sha, FEATURES, "other")
    with pytest.raises(ModelError, match="missing"):
        load_scorer(tmp_path / "none.npz", sha, FEATURES, "m")


def sentence(article: str, start: int, score: float, text: str = "Ein Satz.") -> Sentence:
    return Sentence(0, article, start, start + len(text), text, score=score)


def test_the_best_sentence_comes_first_and_a_second_only_from_its_article_above_second() -> None:
    q = Question.parse("Wo trafen sich die Minister?")
    best, same = sentence("a", 50, 0.9), sentence("a", 0, 0.75)
    other, low = sentence("b", 0, 0.8), sentence("a", 9, 0.6)
    assert select_scored(q, [low, same, other, best], second=0.7, topic_max=8) == [best, same]
    assert select_scored(q, [low, other, best], second=0.7, topic_max=8) == [best]  # other article, or below
    assert select_scored(q, [], second=0.7, topic_max=8) == []


def test_a_topic_question_keeps_every_sentence_about_the_topic_best_first() -> None:
    q = Question.parse("Was wurde über Taiwan gesagt?")
    about = [sentence("a", i, p, "Taiwan ist umstritten.") for i, p in ((0, 0.2), (30, 0.9))]
    off = sentence("a", 60, 0.99, "Das Wetter war gut.")
    assert select_scored(q, [*about, off], second=0.7, topic_max=8) == [about[1], about[0]]


def test_the_threshold_lets_at_most_the_bound_of_answerable_questions_fall_below() -> None:
    best = [0.9, 0.8, 0.7, 0.6, 0.55, 0.5, 0.4, 0.35, 0.3, 0.2, 0.1, 0.05]
    answerable = [True] * 10 + [False] * 2
    t = choose_threshold(best, answerable, max_false=0.10)
    assert t == 0.3  # one of ten answerable (0.2) falls below; 0.35 would drop two
    assert sum(b < t for b, a in zip(best, answerable, strict=True) if a) == 1


@pytest.mark.slow  # the CLI loads the real embedder
def test_train_scorer_smoke_run_holds_a_writer_out_and_writes_a_loadable_scorer(tmp_path: Path) -> None:
    """`rag train scorer` on the fixture's ten written questions (writers C1, C2, C4), the real
    embedder indexing the fixture's three articles."""
    import json

    from typer.testing import CliRunner

    from api.cli.main import app
    from rag.scorer_features import FEATURES
    from tests.conftest import FIXTURES

    out = tmp_path / "scorer.npz"
    args = ["train", "scorer", "--data", str(FIXTURES / "reader_data"), "--out", str(out), "--hold-out", "C4"]
    args += ["--steps", "20", "--cache", str(tmp_path / "cache"), "--rows", str(tmp_path / "rows.npz"), "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["hold_out"] == "C4" and report["trained_on"] == ["C1", "C2"]
    assert report["measured"]["C4"]["questions"] == 4 and 0.0 <= report["measured"]["C4"]["top1"] <= 1.0
    scorer = load_scorer(out, report["sha256"], FEATURES, "embeddinggemma-300m")
    assert scorer.report["hold_out"] == "C4" and 0.0 <= scorer.threshold <= 1.0
    assert (tmp_path / "rows.npz").is_file()  # the gathered candidates are cached for the next run


def test_train_scorer_names_a_folder_without_written_questions(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from api.cli.main import app

    result = CliRunner().invoke(app, ["train", "scorer", "--data", str(tmp_path), "--out", str(tmp_path / "s.npz")])
    assert result.exit_code == 1 and "news_questions_written" in result.output


def test_a_rows_cache_of_other_features_is_refused_by_name(tmp_path: Path) -> None:
    from index.errors import InputError
    from rag.lab.scorer_data import QuestionRows, save_rows
    from rag.lab.scorer_run import rows_for

    cache = tmp_path / "rows.npz"
    old = QuestionRows("q1", "C1", True, np.zeros((3, 5), np.float32), np.zeros(3, bool), np.zeros(3, bool))
    save_rows([old], cache)
    with pytest.raises(InputError, match=r"rows\.npz holds 5 columns"):
        rows_for(None, {}, {}, cache, lambda _: None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("question", "noun"),
    [
        ("Welcher Stückpreis wird für den Raptor angegeben?", "stuckpreis"),
        ("Auf welchem rumänischen Luftwaffenstützpunkt landeten die Jets?", "luftwaffenstutzpunkt"),
        ("Welche US-Behörde gab das bekannt?", "behord"),  # the head of the compound
        ("Wie viele Soldaten begleiteten Hegseth nach Malaysia?", "soldat"),
        ("Wer ist der Chefunterhändler der Regierung?", "chefunterhandl"),
        ("Wo trafen sich die Verteidigungsminister?", None),
        ("Was vereinbarten Hegseth und Dong?", None),
    ],
)
def test_the_asked_noun_is_the_one_after_the_interrogative(question: str, noun: str | None) -> None:
    from rag.scorer_features import asked_noun

    assert asked_noun(question) == noun


def test_a_sentence_holding_the_asked_noun_is_marked_and_one_without_it_is_not() -> None:
    from rag.abstain import Decision
    from rag.scorer_features import FEATURES, feature_rows

    question = Question.parse("Welcher Stückpreis wird für das Kampfflugzeug F-22 angegeben?")
    found = [
        Sentence(0, "a", 0, 60, "Die USA haben zwei F-22-Kampfflugzeuge nach Rumänien entsandt."),
        Sentence(0, "a", 61, 120, "Es gilt mit einem Stückpreis von 189 Millionen Dollar als teuer."),
    ]
    rows = feature_rows(question, found, Decision("found", []))
    held, asked = FEATURES.index("noun_held"), FEATURES.index("noun_asked")
    assert rows[:, held].tolist() == [0.0, 1.0] and rows[:, asked].tolist() == [1.0, 1.0]
    none = feature_rows(Question.parse("Was vereinbarten sie?"), found, Decision("found", []))
    assert none[:, held].tolist() == [0.0, 0.0] and none[:, asked].tolist() == [0.0, 0.0]
