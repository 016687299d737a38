"""Measure the LLM judge where the product would use it: on the answer it is about to give.
(README, "The reader".)

    .venv/bin/python scripts/experiments/measure_llm_judge.py ../shared/data MODEL.gguf [--questions FILE ...]

Each question is answered as `rag eval answers --mode extractive` answers it (the same evaluation
index in `.cache/eval-index/`, the same settings). For every answer that did not abstain, the
judge (`rag.judge`) reads what it quotes (each cited article's title and quoted
sentences) and gives p(Ja) that this answers the question. Then, for each threshold t, the
answers whose p(Ja) is below t are replaced by an abstention and scored again by
`rag.lab.evaluate.evaluate_answers`, so every column means what it means in the README's other
tables. `off` is the product as it is. Also prints the judge's milliseconds per answer (p50, p95).
Questions default to the news dev set and the two held-out sets in `eval/`.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from measure_reader_news import question_sets

from api.cli.evaluate import CACHE, eval_rag
from rag.answer import Answer
from rag.judge import LlamaJudge, quoted_evidence
from rag.lab.eval_data import read_jsonl
from rag.lab.evaluate import evaluate_answers, percentile
from rag.lang_de import abstain_text

THRESHOLDS = (0.3, 0.5, 0.6, 0.7, 0.8)
COLUMNS = (
    "citation_hit",
    "citation_precision",
    "quoted_sentences_per_answer",
    "abstain_unanswerable",
    "false_abstain",
    "unsupported_sentences",
    "german_rate",
)


def replay(answers: dict[str, Answer], scores: dict[str, float], threshold: float | None) -> Any:
    """`ask` for `evaluate_answers`: the recorded answers, those judged below `threshold` abstaining."""

    def ask(question: str, _mode: str) -> Answer:
        answer = answers[question]
        if threshold is None or answer.abstained or scores[question] >= threshold:
            return answer
        return answer.model_copy(update={"answer": abstain_text("judge"), "abstain_reason": "judge", "citations": []})

    return ask


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path)
    parser.add_argument("model", type=Path)
    parser.add_argument("--questions", type=Path, nargs="*")
    a = parser.parse_args()
    articles, sets = question_sets(a.data)
    if a.questions:
        sets = {path.name: read_jsonl(path) for path in a.questions}
    rag = eval_rag(list(articles.values()), CACHE, {"generator": "none", "judge": "off"})  # judged below
    judge = LlamaJudge(a.model)
    report: dict[str, Any] = {}
    for name, questions in sets.items():
        answers = {q["question"]: rag.ask(q["question"], mode="extractive") for q in questions}
        scores: dict[str, float] = {}
        ms: list[float] = []
        for question, answer in answers.items():
            if not answer.abstained:
                t0 = time.perf_counter()
                scores[question] = judge(question, *quoted_evidence(answer.citations))
                ms.append((time.perf_counter() - t0) * 1000)

        rows = {}
        for t in (None, *THRESHOLDS):
            result = evaluate_answers(rag, questions, articles, "extractive", False, replay(answers, scores, t))
            rows["off" if t is None else f"p(Ja) >= {t}"] = {k: result[k] for k in COLUMNS}
        report[name] = {
            "judge": judge.name,
            "judged_answers": len(ms),
            "judge_ms_p50": round(percentile(ms, 0.5)),
            "judge_ms_p95": round(percentile(ms, 0.95)),
            "rows": rows,
        }
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
