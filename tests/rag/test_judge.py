"""The judge (RAG_JUDGE=on): what it reads, how its verdict gates the answer, and the real model.

The gate's logic runs with a recording fake judge; the packaged Qwen2.5-Coder-1.5B judge runs on
the seed article, where it must turn a wrong-premise question that the rules answer into an
abstention and keep a question the article answers.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from index.embedder import Embedder
from rag.answer import Citation, Quote
from rag.config import Settings
from rag.evaluate import abstention_table, threshold_row
from rag.factory import build_rag
from rag.judge import Judge, LlamaJudge, quoted_evidence
from rag.lang_de import ABSTAIN_TEXT
from rag.pipeline import Rag

ANSWERED = "Was wurde über Taiwan gesagt?"
# The seed says nothing was called off; the rules still quote the sentences about the summit.
WRONG_PREMISE = "Wann wurde der Gipfel in Südkorea abgesagt?"


class RecordingJudge:
    name = "recording-judge"

    def __init__(self, p: float) -> None:
        self.p = p
        self.calls: list[tuple[str, str, str]] = []

    def __call__(self, question: str, title: str, text: str) -> float:
        self.calls.append((question, title, text))
        return self.p


@pytest.fixture(scope="session")
def judge(model_settings: Settings) -> Judge:
    return LlamaJudge(model_settings.judge_gguf_file, threads=model_settings.threads)


def judged_rag(seed_data_dir: Path, embedder: Embedder, settings: Settings, judge: Judge) -> Rag:
    on = settings.model_copy(update={"data_dir": seed_data_dir, "generator": "none", "judge": "on"})
    return build_rag(on, embedder=embedder, judge=judge)


def test_the_judge_reads_the_titles_and_exactly_the_quoted_sentences() -> None:
    text = "Erster Satz. Zweiter Satz. Dritter Satz."
    cite = Citation(
        n=1, article_id="a", title="Titel A", date=None, url=None, source=None, chunk_id="a:0", text=text,
        start=100, end=100 + len(text), score=1.0, verified=True,
        quotes=[Quote(start=100, end=112), Quote(start=127, end=140)],
    )  # fmt: skip
    other = cite.model_copy(update={"n": 2, "article_id": "b", "title": "", "quotes": [Quote(start=113, end=126)]})
    assert quoted_evidence([cite, other]) == ("Titel A / b", "Erster Satz. Dritter Satz. Zweiter Satz.")


@pytest.mark.parametrize(("p", "abstains"), [(0.49, True), (0.5, False), (0.9, False)])
def test_below_the_threshold_the_answer_becomes_an_abstention(
    seed_data_dir: Path, embedder: Embedder, model_settings: Settings, p: float, abstains: bool
) -> None:
    fake = RecordingJudge(p)
    a = judged_rag(seed_data_dir, embedder, model_settings, fake).ask(ANSWERED)
    [(question, title, text)] = fake.calls
    assert question == ANSWERED and "Taiwan" in text and title
    assert a.abstained is abstains and a.confidence == p and a.timings.judge_ms is not None
    assert a.model.judge == "recording-judge"
    if abstains:
        assert a.answer == ABSTAIN_TEXT and a.citations == [] and a.related  # the closest passages stay visible
    else:
        assert "Taiwan" in a.answer and a.citations and not a.low_confidence


def test_the_judge_is_not_asked_when_the_rules_abstain_or_a_speaker_is_quoted(
    seed_data_dir: Path, embedder: Embedder, model_settings: Settings
) -> None:
    fake = RecordingJudge(0.0)
    rag = judged_rag(seed_data_dir, embedder, model_settings, fake)
    unrelated = rag.ask("Wer gewann die Fußball-Weltmeisterschaft 2014?")
    said = rag.ask("Was sagte Hegseth?")  # his own statements, found by `rag.speakers`, not by relevance
    assert fake.calls == []
    assert unrelated.abstained and unrelated.confidence is None and unrelated.timings.judge_ms is None
    assert not said.abstained and "Hegseth" in said.answer


def test_the_eval_threshold_table_replays_the_judge_and_keeps_rule_abstentions(
    seed_data_dir: Path, embedder: Embedder, model_settings: Settings
) -> None:
    rag = judged_rag(seed_data_dir, embedder, model_settings, RecordingJudge(0.7))
    asked = [(ANSWERED, True), ("Was sagte Hegseth?", True), ("Wer gewann die Fußball-Weltmeisterschaft 2014?", False)]
    rows = [threshold_row(rag, rag.ask(q), answerable) for q, answerable in asked]
    assert rows == [(0.7, False, True), (math.inf, False, True), (math.inf, True, False)]  # judged, speaker, rules
    table = {r["judge_threshold"]: r for r in abstention_table([r for r in rows if r], "judge_threshold")}
    assert table[0.7] == {"judge_threshold": 0.7, "abstain_unanswerable": 1.0, "false_abstain": 0.0}
    assert table[0.75] == {"judge_threshold": 0.75, "abstain_unanswerable": 1.0, "false_abstain": 0.5}


def test_off_by_default_and_no_judge_model_is_loaded(seed_rag: Rag) -> None:
    assert Settings().judge == "off"
    assert seed_rag.judging is None and seed_rag.ask(ANSWERED).model.judge == "none"


def test_the_packaged_judge_abstains_where_the_seed_does_not_answer(
    seed_data_dir: Path, embedder: Embedder, model_settings: Settings, judge: Judge, seed_rag: Rag
) -> None:
    rag = judged_rag(seed_data_dir, embedder, model_settings, judge)
    assert not seed_rag.ask(WRONG_PREMISE).abstained  # the rules alone answer it: the judge must catch it
    wrong = rag.ask(WRONG_PREMISE)
    assert wrong.abstained and wrong.answer == ABSTAIN_TEXT and wrong.citations == []
    right = rag.ask(ANSWERED)
    assert not right.abstained and "Taiwan" in right.answer
    assert wrong.confidence is not None and right.confidence is not None
    assert wrong.confidence < model_settings.judge_threshold <= right.confidence
    assert right.model.judge == model_settings.judge_gguf_file.name
