"""#40: the sentence scorer's training settings (`ScorerConfig`), compared out of fold.

    .venv/bin/python scripts/experiments/scorer_config.py --rows R ranking=0 ranking=1 "ranking=1,hidden=128"

R is the rows file `rag train scorer --rows R` gathered; each further argument is one setting to
measure, as `field=value` pairs over the shipped defaults. For each, each training writer is
scored by a scorer fitted on the other training writers; a choice reads those out-of-fold
numbers only (top-1 averaged over the writers, AUROC of the best score pooled over them). The
held-out writer and the measured-only sets are printed beside them, from a fit on all training
writers, to check the choice, not to make it.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from rag.lab.measures import auroc
from rag.lab.scorer_data import load_rows
from rag.lab.scorer_run import is_training
from rag.lab.train_scorer import (
    ScorerConfig,
    best_score,
    candidate_scores,
    choose_threshold,
    fit,
    folds,
    measure,
)

HOLD_OUT = "C4"
SHOWN = ("top1", "auroc", "abstain", "false_abstain")


def config(spec: str) -> ScorerConfig:
    """`ScorerConfig` with the `field=value` pairs of `spec` (comma-separated) over its defaults."""
    types = {f.name: type(getattr(ScorerConfig(), f.name)) for f in fields(ScorerConfig)}
    changes: dict[str, Any] = {}
    for pair in filter(None, spec.split(",")):
        name, _, value = pair.partition("=")
        if name not in types:
            raise SystemExit(f"{spec}: no setting {name!r}; known: {', '.join(types)}")
        changes[name] = types[name](value)
    return replace(ScorerConfig(), **changes)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=Path, required=True)
    parser.add_argument("settings", nargs="+", help="field=value[,field=value …] over ScorerConfig's defaults")
    args = parser.parse_args()
    rows = load_rows(args.rows)
    train = [q for q in rows if is_training(q.writer, HOLD_OUT)]
    others = sorted({q.writer for q in rows} - {q.writer for q in train})
    for spec in args.settings:
        cfg = config(spec)
        best, answerable, top1 = [], [], []
        for _, model, _, held in folds(train, cfg):
            top1.append(measure(model, held, 0.5, 0.5)["top1"])
            best += [best_score(candidate_scores(model, q)) for q in held]
            answerable += [q.answerable for q in held]
        pos = [b for b, a in zip(best, answerable, strict=True) if a]
        neg = [b for b, a in zip(best, answerable, strict=True) if not a]
        threshold = choose_threshold(best, answerable, cfg.max_false)
        model = fit(train, cfg)
        checked = {s: measure(model, [q for q in rows if q.writer == s], threshold, threshold) for s in others}
        line = {
            "settings": spec,
            "out_of_fold": {"top1": round(float(np.mean(top1)), 4), "auroc": round(auroc(pos, neg) or 0.0, 4)},
            "threshold": threshold,
            "checked": {s: {k: m[k] for k in SHOWN} for s, m in checked.items()},
        }
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
