"""Measure how faithfully each int8 export recipe reproduces the trained reader (README, "The reader").

    .venv/bin/python scripts/experiments/measure_reader_export.py ../shared/data [weights.safetensors]

The reader is trained and measured in torch float32, but the product scores with an int8 ONNX
export. This exports the weights (default: the shipped ones) by three recipes and scores every
sentence of each news dev question's article both ways, one pair at a time as the product does:
- `per_tensor`: every weight int8 with one scale per tensor (the e5 embedders' recipe);
- `per_channel`: one scale per output channel;
- `ffn_float`: per channel, with the feed-forward down-projections left float32
  (`rag.modelprep.reader_model.KEEP_FLOAT`, what set-up exports).

Per recipe: the mean, 95th percentile and largest |p_int8 - p_float|, the rank correlation of all
scores, the share of questions whose best sentence is the same, and milliseconds per pair (2
threads). One JSON line per recipe on stdout.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from index.sentences import split_sentences
from rag.config import Settings
from rag.lab.eval_data import load_articles, read_jsonl
from rag.lab.reader_data import Example, candidate_at
from rag.lab.reader_news import asked_article_id
from rag.lab.reader_train import predict
from rag.modelprep.onnx_export import export_onnx
from rag.modelprep.reader_model import KEEP_FLOAT, load_reader
from rag.reader.onnx_reader import OnnxReader
from rag.shipped import READER_WEIGHTS_FILE

RECIPES: dict[str, str | None] = {"per_tensor": None, "per_channel": "(?!)", "ffn_float": KEEP_FLOAT}  # (?!): none


def ranks(x: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(x)).astype(np.float64)


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    news = Path(sys.argv[1]) / "news_wikinews_de"
    weights = Path(sys.argv[2]) if len(sys.argv) > 2 else READER_WEIGHTS_FILE
    if not (news / "questions_dev.jsonl").is_file():
        sys.exit(f"{sys.argv[1]}: no news_wikinews_de/questions_dev.jsonl there")
    articles = {a.id: a for a in load_articles([news / "articles.jsonl"])}
    groups: list[tuple[str, list[Example]]] = []
    for q in read_jsonl(news / "questions_dev.jsonl"):
        art = articles[asked_article_id(q)]
        spans = split_sentences(art.text)
        cands = [candidate_at(art.text, spans, i, art.title) for i in range(len(spans))]
        groups.append((q["question"], [Example(q["question"], c, 0, "news", q["id"]) for c in cands]))
    from rag.reader.pairs import PairTokenizer

    tokenizer_dir = Settings().reader_base_dir
    model = load_reader(tokenizer_dir, weights, None)
    tokenizer = PairTokenizer(tokenizer_dir)
    reference = [predict(model, tokenizer, examples) for _, examples in groups]
    ref = np.concatenate(reference)
    with tempfile.TemporaryDirectory() as tmp:
        for name, keep in RECIPES.items():
            target = Path(tmp) / f"{name}.onnx"
            export_onnx(model, model.encoder.config, target, "logits", {0: "batch"}, keep_float=keep)
            reader = OnnxReader(target, tokenizer_dir, threads=2)
            t0 = time.perf_counter()
            got = [reader.score(question, [e.candidate for e in examples]) for question, examples in groups]
            ms = (time.perf_counter() - t0) * 1000 / len(ref)
            diff = np.abs(np.concatenate(got) - ref)
            same_best = np.mean([int(np.argmax(g)) == int(np.argmax(r)) for g, r in zip(got, reference, strict=True)])
            row = {
                "recipe": name,
                "pairs": len(ref),
                "mean_abs": round(float(diff.mean()), 4),
                "p95_abs": round(float(np.quantile(diff, 0.95)), 4),
                "max_abs": round(float(diff.max()), 4),
                "rank_corr": round(float(np.corrcoef(ranks(np.concatenate(got)), ranks(ref))[0, 1]), 4),
                "same_best": round(float(same_best), 4),
                "ms_per_pair": round(ms, 1),
            }
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
