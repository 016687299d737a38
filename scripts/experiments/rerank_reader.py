"""#40, "both": the sentence scorer preselects, a cross-encoder (the e5 reader) reranks its best few.

    .venv/bin/python scripts/experiments/rerank_reader.py gather --data ../shared/data --pairs P
    .venv/bin/python scripts/experiments/rerank_reader.py measure --pairs P [--weights W] [--onnx] [--all]
    .venv/bin/python scripts/experiments/rerank_reader.py train --pairs P --out W [--epochs 2]
    .venv/bin/python scripts/experiments/rerank_reader.py choose --pairs P --rows R

`choose` picks the reader's weight in the mix on the training writers. Their pairs carry the
shipped scorer's probabilities, which saw them in training and so look better than they are;
`choose` replaces them by out-of-fold ones (each training set scored by a scorer fitted on the
others, from the rows `rag train scorer --rows R` gathered) and reads the reader's scores that
`measure --onnx --all` kept.

`measure` reports, per question set, top1 and the answerable-vs-unanswerable AUROC of the best
score for the scorer alone, the reader alone and mixes of their logits, on the same candidates:
`--onnx` with the shipped int8 reader as the product runs it, `--all` for the training writers
too (the mix is chosen on them). The reader's scores are kept next to the pairs and reused.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from rag.lab.measures import auroc
from rag.lab.rerank_data import RerankPair, gather_pairs, load_pairs, save_pairs
from rag.lab.scorer_run import is_training
from rag.reader.pairs import PairTokenizer
from rag.rerank import RERANK_TOP

HOLD_OUT = "C4"
MIXES = (0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1.0)  # weight of the reader's logit against the scorer's


def say(m: str) -> None:
    print(m, file=sys.stderr, flush=True)


def logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    out: np.ndarray = np.log(q / (1 - q))
    return out


def gather(data: Path, pairs: Path) -> None:
    from api.cli.evaluate import CACHE, eval_rag
    from rag.lab.scorer_run import news_articles, question_sets

    sets = question_sets(data, Path("rag/reader/news_questions.jsonl"))
    docs = news_articles(data)
    rag = eval_rag(docs, CACHE, {"generator": "none", "judge": "off", "reader": "off"})
    t = time.perf_counter()
    got = gather_pairs(rag, sets, {a.id: a for a in docs}, RERANK_TOP, say)
    say(f"{len(got)} pairs in {time.perf_counter() - t:.0f} s")
    save_pairs(got, pairs)


def reader_scores(pairs: list[RerankPair], weights: Path | None) -> np.ndarray:
    import torch

    from rag.config import Settings
    from rag.lab.reader_train import predict
    from rag.modelprep.reader_model import load_reader
    from rag.shipped import READER_WEIGHTS_FILE, READER_WEIGHTS_SHA256

    torch.set_num_threads(2)
    base = Settings().reader_base_dir
    model = load_reader(base, weights or READER_WEIGHTS_FILE, None if weights else READER_WEIGHTS_SHA256)
    tokenizer = PairTokenizer(base)
    return predict(model, tokenizer, [p.example() for p in pairs])


def onnx_scores(pairs: list[RerankPair]) -> np.ndarray:
    """The shipped int8 ONNX reader's scores, as the product reads them (one pair at a time)."""
    from rag.config import Settings
    from rag.factory import build_reader

    reader = build_reader(Settings(reader="on"))
    return np.concatenate([reader.score(p.question, [p.candidate]) for p in pairs])


def measure(pairs: list[RerankPair], reader: np.ndarray) -> dict[str, dict[str, float]]:
    by_q: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pairs):
        by_q[p.qid].append(i)
    scorer = np.array([p.scorer for p in pairs])
    out: dict[str, dict[str, float]] = {}
    sets = sorted({p.writer for p in pairs})
    for name in sets:
        qs = [idx for idx in by_q.values() if pairs[idx[0]].writer == name]
        row: dict[str, float] = {"questions": float(len(qs))}
        for w in MIXES:
            mix = (1 - w) * logit(scorer) + w * logit(reader)
            top1: list[bool] = []
            best: list[float] = []
            answerable: list[bool] = []
            for idx in qs:
                b = max(idx, key=lambda i: mix[i])
                if pairs[b].answerable:
                    top1.append(pairs[b].label)
                best.append(float(mix[b]))
                answerable.append(pairs[b].answerable)
            row[f"top1@{w}"] = round(float(np.mean(top1)), 3)
            found = auroc(
                [b for b, a in zip(best, answerable, strict=True) if a],
                [b for b, a in zip(best, answerable, strict=True) if not a],
            )
            row[f"auroc@{w}"] = round(found, 3) if found is not None else float("nan")
        out[name] = row
    return out


def out_of_fold_pairs(pairs: list[RerankPair], rows_path: Path) -> list[RerankPair]:
    """`pairs` with each training set's scorer probability out of fold; the others unchanged.
    A pair is matched to its row by its question and its rank under the shipped scorer."""
    from dataclasses import replace

    from rag.calibration import calibration_for
    from rag.lab.scorer_data import load_rows
    from rag.lab.train_scorer import ScorerConfig, folds

    shipped = calibration_for("embeddinggemma-300m+int8").scorer
    assert shipped is not None
    rows = [q for q in load_rows(rows_path) if is_training(q.writer, HOLD_OUT)]
    oof: dict[tuple[str, str, int], float] = {}
    for w, model, _, held in folds(rows, ScorerConfig()):
        for q in held:
            if not len(q.labels):
                continue
            order = np.argsort(-shipped.probabilities(q.rows), kind="stable")
            p = model.probabilities(q.rows)
            for rank, i in enumerate(order[:RERANK_TOP]):
                oof[(q.writer, q.qid, rank)] = float(p[i])
        say(f"  {w}: scored out of fold")
    missing = [p for p in pairs if is_training(p.writer, HOLD_OUT) and (p.writer, p.qid, p.rank) not in oof]
    if missing:
        say(f"  {len(missing)} training pairs without a row keep the shipped probability")
    return [
        replace(p, scorer=oof.get((p.writer, p.qid, p.rank), p.scorer)) if is_training(p.writer, HOLD_OUT) else p
        for p in pairs
    ]


def train(pairs: list[RerankPair], out: Path, epochs: int) -> None:
    import torch

    from rag.config import Settings
    from rag.lab.reader_train import TrainConfig, fit
    from rag.modelprep.reader_model import load_reader, save_trained
    from rag.shipped import READER_WEIGHTS_FILE, READER_WEIGHTS_SHA256

    torch.set_num_threads(2)
    torch.manual_seed(13)
    base = Settings().reader_base_dir
    model = load_reader(base, READER_WEIGHTS_FILE, READER_WEIGHTS_SHA256)
    tokenizer = PairTokenizer(base)
    train_pairs = [p.example() for p in pairs if is_training(p.writer, HOLD_OUT)]
    positives = sum(e.label for e in train_pairs)
    say(f"{len(train_pairs)} training pairs, {positives} positive")
    cfg = TrainConfig(
        base_dir=base,
        data_dir=Path("."),
        out=out,
        epochs=epochs,
        lr=3e-5,  # on from trained layers: half the fresh run's rate
        pos_weight=(len(train_pairs) - positives) / max(positives, 1) / 2,
    )
    t = time.perf_counter()
    steps, _ = fit(model, tokenizer, train_pairs, cfg, say)
    sha = save_trained(model, out)
    say(f"{steps} steps in {time.perf_counter() - t:.0f} s; {out} sha256 {sha}")


def main() -> None:
    args = sys.argv[1:]
    opts = dict(zip(args[1::2], args[2::2], strict=False))
    pairs_path = Path(opts["--pairs"])
    if args[0] == "gather":
        gather(Path(opts["--data"]), pairs_path)
        return
    pairs = load_pairs(pairs_path)
    if args[0] == "train":
        train(pairs, Path(opts["--out"]), int(opts.get("--epochs", "2")))
        return
    if args[0] == "choose":
        reader = np.load(pairs_path.with_suffix(".onnx.npy"))
        honest = out_of_fold_pairs(pairs, Path(opts["--rows"]))
        table = measure(honest, reader)
        training = sorted({p.writer for p in pairs if is_training(p.writer, HOLD_OUT) and p.writer.startswith("C")})
        mean = {w: round(float(np.mean([table[t][f"top1@{w}"] for t in training])), 4) for w in MIXES}
        print(json.dumps({"training_writers": training, "mean_top1": mean, **table}, indent=1))
        return
    everyone = "--all" in args  # the training writers too: to choose the mix on them
    measured = [p for p in pairs if everyone or not is_training(p.writer, HOLD_OUT)]
    weights = Path(opts["--weights"]) if "--weights" in opts else None
    kept = pairs_path.with_suffix(f".{'onnx' if '--onnx' in args else (weights or Path('shipped')).stem}.npy")
    t = time.perf_counter()
    if kept.is_file() and everyone:
        scores = np.load(kept)
    else:
        scores = onnx_scores(measured) if "--onnx" in args else reader_scores(measured, weights)
        if everyone:
            np.save(kept, scores)
    say(f"{len(measured)} pairs read in {time.perf_counter() - t:.0f} s")
    print(json.dumps({"weights": str(weights), **measure(measured, scores)}, indent=1))


if __name__ == "__main__":
    main()
