"""The judge (RAG_JUDGE=on): what it reads, how its verdict gates the answer, and the real model.

The gate's logic runs with a recording fake judge; the packaged Qwen2.5-Coder-1.5B judge runs on
the seed article, where it must turn a wrong-premise question that the rules answer into an
abstention, keep a question the article answers, and mark as unsure an answer that only comes
near the question.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from index.embedder import Embedder
from rag.answer import Citation, Quote
from rag.config import Settings
from rag.factory import build_rag
from rag.judge import SYSTEM, Judge, LlamaJudge, chatml, judge_prompt, quoted_evidence, shared_prefix
from rag.lab.evaluate import abstention_table, marking_row, marking_table, threshold_row
from rag.lang_de import abstain_text
from rag.pipeline import Rag

ANSWERED = "Was wurde über Taiwan gesagt?"
# The seed says nothing was called off; the rules still quote the sentences about the summit.
WRONG_PREMISE = "Wann wurde der Gipfel in Südkorea abgesagt?"
# The seed only says „Aus China gab es vorerst keine Stellungnahme.“; the rules quote Hegseth's words.
UNSURE = "Wie reagierte Peking?"


class RecordingJudge:
    name = "recording-judge"

    def __init__(self, p: float) -> None:
        self.p = p
        self.calls: list[tuple[str, str, str]] = []

    def __call__(self, question: str, title: str, text: str) -> float:
        self.calls.append((question, title, text))
        return self.p


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


def test_the_prompt_ends_at_the_assistants_turn_after_any_worked_cases() -> None:
    assert judge_prompt("Wer?", "T", "X.") == (
        "<|im_start|>system\nDu prüfst, ob ein Nachrichtentext eine Frage beantwortet.<|im_end|>\n"
        "<|im_start|>user\nText:\nT\nX.\n\nFrage: Wer?\n\n"
        "Beantwortet der Text die Frage? Antworte nur mit Ja oder Nein.<|im_end|>\n<|im_start|>assistant\n"
    )
    shots = chatml("S", "F3", [("F1", "Nein"), ("F2", "Ja")])
    assert shots == (
        "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nF1<|im_end|>\n<|im_start|>assistant\nNein<|im_end|>\n"
        "<|im_start|>user\nF2<|im_end|>\n<|im_start|>assistant\nJa<|im_end|>\n"
        "<|im_start|>user\nF3<|im_end|>\n<|im_start|>assistant\n"
    )


def test_the_shared_prefix_stops_at_the_first_difference_and_leaves_the_last_token() -> None:
    assert shared_prefix([1, 2, 3, 4], [1, 2, 9, 4]) == 2
    assert shared_prefix([], [1, 2]) == 0
    assert shared_prefix([1, 2, 3], [1, 2, 3]) == 2  # the last token is read again: its logits are the verdict
    assert shared_prefix([1, 2, 3, 4, 5], [1, 2, 3]) == 2
    assert shared_prefix([1, 2], [1, 2, 3, 4]) == 2


@pytest.mark.parametrize(("p", "abstains", "unsure"), [(0.49, True, False), (0.5, False, True), (0.9, False, False)])
def test_below_the_threshold_the_answer_becomes_an_abstention_and_below_sure_it_is_marked(
    seed_data_dir: Path, embedder: Embedder, model_settings: Settings, p: float, abstains: bool, unsure: bool
) -> None:
    assert model_settings.judge_threshold == 0.5 and model_settings.judge_sure == 0.85
    fake = RecordingJudge(p)
    a = judged_rag(seed_data_dir, embedder, model_settings, fake).ask(ANSWERED)
    [(question, title, text)] = fake.calls
    assert question == ANSWERED and "Taiwan" in text and title
    assert a.abstained is abstains and a.confidence == p and a.timings.judge_ms is not None
    assert a.model.judge == "recording-judge"
    if abstains:
        assert a.answer == abstain_text("judge") and a.abstain_reason == "judge"
        assert a.citations == [] and a.related  # the closest passages stay visible
    else:
        assert "Taiwan" in a.answer and a.citations
    assert a.low_confidence is unsure  # the page and the CLI show the mark (tests/api/test_browser.py, test_cli.py)


def test_the_stream_says_when_the_judge_reads_and_only_then(
    seed_data_dir: Path, embedder: Embedder, model_settings: Settings
) -> None:
    rag = judged_rag(seed_data_dir, embedder, model_settings, RecordingJudge(0.9))
    judged = list(rag.stream(ANSWERED))
    assert [e.kind for e in judged] == ["sources", "checking", "answer"]
    assert judged[1].data == {"judge": "recording-judge"}
    unrelated = [e.kind for e in rag.stream("Wer gewann die Fußball-Weltmeisterschaft 2014?")]
    assert unrelated == ["sources", "answer"]  # the rules abstained: nothing to check


def test_a_sure_level_below_the_threshold_is_refused_naming_both() -> None:
    with pytest.raises(ValueError, match=r"RAG_JUDGE_SURE \(0.4\) is below RAG_JUDGE_THRESHOLD \(0.5\)"):
        Settings(judge_sure=0.4)
    assert Settings(judge_sure=0.5, judge_threshold=0.5).judge_sure == 0.5


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


def test_the_eval_marking_table_counts_only_judged_answers_given(
    seed_data_dir: Path, embedder: Embedder, model_settings: Settings
) -> None:
    rag = judged_rag(seed_data_dir, embedder, model_settings, RecordingJudge(0.7))
    judged, said = rag.ask(ANSWERED), rag.ask("Was sagte Hegseth?")
    unrelated = rag.ask("Wer gewann die Fußball-Weltmeisterschaft 2014?")
    assert marking_row(rag, judged, True) == (0.7, True)
    assert marking_row(rag, said, True) is None and marking_row(rag, unrelated, False) is None  # unjudged, not given
    rows = [(0.6, False), (0.8, False), (0.7, True), (0.95, True)]
    table = {r["judge_sure"]: r for r in marking_table(rows, "judge_sure")}
    assert table[0.6] == {"judge_sure": 0.6, "wrong_marked": 0.0, "right_marked": 0.0}  # marks below, not at
    assert table[0.75] == {"judge_sure": 0.75, "wrong_marked": 0.5, "right_marked": 0.5}
    assert table[0.85] == {"judge_sure": 0.85, "wrong_marked": 1.0, "right_marked": 0.5}


def test_off_by_default_and_no_judge_model_is_loaded(seed_rag: Rag) -> None:
    assert Settings().judge == "off"
    assert seed_rag.judging is None and seed_rag.ask(ANSWERED).model.judge == "none"


def test_the_packaged_judge_abstains_where_the_seed_does_not_answer(
    seed_data_dir: Path, embedder: Embedder, model_settings: Settings, judge: Judge, seed_rag: Rag
) -> None:
    rag = judged_rag(seed_data_dir, embedder, model_settings, judge)
    assert not seed_rag.ask(WRONG_PREMISE).abstained  # the rules alone answer it: the judge must catch it
    wrong = rag.ask(WRONG_PREMISE)
    assert wrong.abstained and wrong.abstain_reason == "judge" and wrong.citations == []
    right, unsure = rag.ask(ANSWERED), rag.ask(UNSURE)
    assert not right.abstained and "Taiwan" in right.answer and not right.low_confidence
    assert not unsure.abstained and unsure.low_confidence  # given, but marked for the reader to check
    assert wrong.confidence is not None and right.confidence is not None and unsure.confidence is not None
    assert wrong.confidence < model_settings.judge_threshold <= unsure.confidence < model_settings.judge_sure
    assert model_settings.judge_sure <= right.confidence
    assert right.model.judge == model_settings.judge_gguf_file.name


def test_the_packaged_judge_reads_only_what_follows_its_fixed_head_and_is_deaf_to_earlier_questions(
    judge: LlamaJudge, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = judge._tokens
    asked = (ANSWERED, "Titel", "Die USA und China sprachen über Taiwan.")
    first = judge(*asked)
    llm = judge._model()
    read: list[int] = []
    real_eval = llm.eval
    monkeypatch.setattr(llm, "eval", lambda t: (read.append(len(t)), real_eval(t))[1])
    judge(WRONG_PREMISE, "Andere Meldung", "Der Gipfel fand in Seoul statt.")
    again = judge(*asked)
    system_turn = tokens(f"<|im_start|>system\n{SYSTEM}<|im_end|>\n")
    assert len(judge._head) > len(system_turn) and tokens(judge_prompt(*asked))[: len(judge._head)] == judge._head
    assert read[1] == len(tokens(judge_prompt(*asked))) - len(judge._head)  # the head came from the cache
    assert again == first  # the same verdict, whatever was asked in between
    monkeypatch.undo()
    llm.reset()
    llm.eval(tokens("<|im_start|>user\nEin ganz anderer Text, der den Cache überschreibt.<|im_end|>\n"))
    assert judge(*asked) == first  # the head is evaluated again when something else wrote over it
