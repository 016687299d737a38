"""`rag eval retrieval` and `rag eval answers` on small data written here (the dev sets are not
in the repository): formats, metrics and the temporary index that never touches `data/`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SEED_ID
from tests.test_cli import run

SEED = (ROOT / "seeds" / f"{SEED_ID}.txt").read_text(encoding="utf-8")
KOELN = (
    "Der Kölner Stadtrat hat am Donnerstag den Bau einer neuen Rheinbrücke beschlossen. "
    "Die Brücke soll 2031 fertig sein und 240 Millionen Euro kosten. "
    "Die Opposition kritisierte, dass Radwege fehlen. "
    "Baubeginn ist im Frühjahr 2027."
)
WEATHER = (
    "Ein Sturm hat in Norddeutschland Bäume entwurzelt. "
    "In Hamburg fiel der Bahnverkehr für sechs Stunden aus. "
    "Verletzt wurde nach Angaben der Polizei niemand."
)


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.slow  # the CLI loads the real embedder
def test_eval_retrieval_on_qa_contexts(tmp_path: Path) -> None:
    contexts = write_jsonl(
        tmp_path / "contexts.jsonl",
        [{"id": "c1", "title": "", "text": KOELN}, {"id": "c2", "title": "", "text": WEATHER}],
    )
    answer = "240 Millionen Euro"
    questions = write_jsonl(
        tmp_path / "questions.jsonl",
        [
            {"id": "q1", "question": "Was kostet die neue Brücke in Köln?", "answers": [answer],
             "answer_starts": [KOELN.index(answer)], "context_id": "c1"},
            {"id": "q2", "question": "Wie lange fiel der Bahnverkehr in Hamburg aus?", "answers": ["sechs Stunden"],
             "answer_starts": [WEATHER.index("sechs Stunden")], "context_id": "c2"},
        ],
    )  # fmt: skip
    data = tmp_path / "data"
    args = ["eval", "retrieval", "--contexts", str(contexts), "--questions", str(questions)]
    r = run([*args, "--json", "--cache", str(tmp_path / "cache")], data)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["n"] == 2 and out["recall_at_1"] == 1.0 and out["mrr"] == 1.0
    for key in ("recall_at_5", "recall_at_10", "ndcg_at_10", "ms_per_query_p50", "ms_per_query_p95"):
        assert key in out
    assert not data.exists()  # the user's index is never touched


@pytest.mark.slow  # the CLI loads the real embedder
def test_eval_on_news_with_distractors_and_answers(tmp_path: Path) -> None:
    articles = write_jsonl(
        tmp_path / "articles.jsonl",
        [{"id": "seed", "title": "Militärgespräche", "text": SEED, "date": "2025-11-01"},
         {"id": "koeln", "title": "Neue Rheinbrücke", "text": KOELN, "date": "2025-10-02"}],
    )  # fmt: skip
    d1 = write_jsonl(tmp_path / "d1.jsonl", [{"id": "sturm", "title": "Sturm", "text": WEATHER}])
    d2 = write_jsonl(tmp_path / "d2.jsonl", [{"id": "sturm2", "title": "Sturm", "text": WEATHER + " Aufgeräumt."}])
    evidence = "Die Brücke soll 2031 fertig sein und 240 Millionen Euro kosten."
    questions = write_jsonl(
        tmp_path / "questions.jsonl",
        [
            {"id": "n1", "question": "Wie viel soll die neue Rheinbrücke in Köln kosten?",
             "answer": "240 Millionen Euro", "article_id": "koeln", "evidence": evidence, "answerable": True},
            {"id": "n2", "question": "Wie hoch war die Inflation in Argentinien im Jahr 1989?",
             "answer": None, "article_id": None, "evidence": None, "answerable": False},
        ],
    )  # fmt: skip
    data, cache = tmp_path / "data", str(tmp_path / "cache")
    common = ["--articles", str(articles), "--questions", str(questions), "--json", "--cache", cache]
    r = run(["eval", "retrieval", *common, "--distractors", str(d1), str(d2)], data)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["n"] == 1 and out["recall_at_5"] == 1.0 and out["articles_indexed"] == 4

    r = run(["eval", "answers", *common, "--mode", "extractive", "--details"], data)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["citation_hit"] == 1.0 and out["abstain_unanswerable"] == 1.0 and out["false_abstain"] == 0.0
    assert out["unsupported_sentences"] == 0 and out["german_rate"] == 1.0
    assert {d["id"]: d["abstained"] for d in out["details"]} == {"n1": False, "n2": True}
    # which check abstained, counted by kind of question (the details name it per question)
    reason = {d["id"]: d["abstain_reason"] for d in out["details"]}["n2"]
    assert out["abstentions_by_reason"] == {reason: {"unanswerable": 1, "answerable": 0}}
    assert not data.exists()

    # evidence given as offsets and no answer text (eval/questions_heldout.jsonl's form)
    start = KOELN.index(evidence)
    span = {"id": "n1", "question": "Wie viel soll die neue Rheinbrücke in Köln kosten?", "article_id": "koeln",
            "evidence_start": start, "evidence_end": start + len(evidence), "answerable": True}  # fmt: skip
    by_offsets = write_jsonl(tmp_path / "offsets.jsonl", [span])
    offsets = ["--articles", str(articles), "--questions", str(by_offsets), "--json", "--cache", cache]
    r = run(["eval", "answers", *offsets, "--mode", "extractive"], data)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["citation_hit"] == 1.0
    outside = write_jsonl(tmp_path / "outside.jsonl", [span | {"evidence_end": len(KOELN) + 1}])
    r = run(["eval", "answers", *offsets[:2], "--questions", str(outside), "--json", "--cache", cache], data)
    assert r.returncode != 0 and "n1" in r.stderr and "outside article koeln" in r.stderr
