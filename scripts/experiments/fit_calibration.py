"""Fit an embedder's similarity-dependent numbers (`rag.calibration`) on the news dev set.

    .venv/bin/python scripts/experiments/fit_calibration.py embeddinggemma ../shared/data/news_wikinews_de

Runs `rag eval answers --mode extractive` over a coarse grid (question vectors cached, so a
setting takes a second or two) and prints one JSON line per setting, best first by
citation_hit + abstain_unanswerable - false_abstain among those with citation_precision >= 0.94
and at most 4.0 quoted sentences per answer. The grid is coarse on purpose: 60 questions do
not support fine steps.
"""

from __future__ import annotations

import itertools
import json
import sys
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from rag.calibration import calibration_for
from rag.config import Settings
from rag.factory import build_embedder, build_rag
from rag.lab.eval_data import cached_index, load_articles, read_jsonl
from rag.lab.evaluate import evaluate_answers

# Around each model's cosine range (e5-small: ~0.7-0.9, EmbeddingGemma: ~0.1-0.7).
GRIDS: dict[str, dict[str, list[float]]] = {
    "embeddinggemma": {
        "w_dense": [0.2, 0.3, 0.45, 0.6, 0.8, 1.0],
        "margin": [0.04, 0.08, 0.12],
        "min_dense": [0.3, 0.35, 0.4, 0.45, 0.5],
        "lexical_dense": [0.4, 0.5, 0.6],
    },
    "e5-small": {
        "w_dense": [0.6, 0.8, 1.0, 1.3, 1.6],
        "margin": [0.08, 0.12, 0.16],
        "min_dense": [0.76, 0.78, 0.8, 0.82],
        "lexical_dense": [0.84, 0.86, 0.88],
    },
}


def main(name: str, data: Path) -> None:
    settings = Settings(embedder=name, generator="none")
    embedder = build_embedder(settings)
    embedder.embed_query = lru_cache(maxsize=None)(embedder.embed_query)  # type: ignore[method-assign]
    docs = load_articles([data / "articles.jsonl"])
    catalog = cached_index(docs, embedder, Path(".cache/eval-index"), lambda m: print(m, file=sys.stderr))
    rag = build_rag(settings, embedder=embedder, catalog=catalog)
    questions = read_jsonl(data / "questions_dev.jsonl")
    articles = {a.id: a for a in docs}
    base = calibration_for(embedder.name)
    rows: list[dict[str, Any]] = []
    for w_dense, margin, min_dense, lexical_dense in itertools.product(*GRIDS[name].values()):
        rag.extractive = replace(base.extractive, w_dense=w_dense, margin=margin)
        rag.abstain = replace(base.abstain, min_dense=min_dense, lexical_dense=lexical_dense)
        r = evaluate_answers(rag, questions, articles, "extractive", False)
        keys = ("citation_hit", "citation_precision", "abstain_unanswerable", "false_abstain")
        row = {"w_dense": w_dense, "margin": margin, "min_dense": min_dense, "lexical_dense": lexical_dense}
        row |= {k: r[k] for k in (*keys, "quoted_sentences_per_answer", "answer_recall")}
        row["objective"] = round(r["citation_hit"] + r["abstain_unanswerable"] - r["false_abstain"], 4)
        row["ok"] = r["citation_precision"] >= 0.94 and r["quoted_sentences_per_answer"] <= 4.0
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    for row in sorted(rows, key=lambda r: (not r["ok"], -r["objective"]))[:15]:
        print(json.dumps(row))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
