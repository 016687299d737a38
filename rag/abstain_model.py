"""The learned abstention check's model: a logistic regression over `rag.abstain.signals`, its
fit, and the JSON file it ships in (`rag train abstention` writes it, set-up needs nothing).

A logistic regression, not a second network: the numbers it reads are few (22), its training
questions fewer (791 hand-written ones), and it must stay readable: each weight says how much one
number moves the chance that a question is answerable. Three of the reader's scores added to the
numbers (measured when the kinds were four) moved kept-back AUROC only 0.78 → 0.79 and the held-out
sets' by at most 0.02, for about 1 s a question (README, „The hand-written questions as a test of
what dev fitted“), so the check reads no model.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import ModelError

FORMAT = 1


@dataclass(frozen=True)
class LearnedCheck:
    """p(answerable) = sigmoid(weights · (row - mean) / scale + bias); abstain below `threshold`."""

    embedder: str  # the dense similarities it read came from this model; others' are on another scale
    signals: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float

    def probability(self, row: Sequence[float]) -> float:
        if len(row) != len(self.weights):
            raise ValueError(f"expected {len(self.weights)} signals, got {len(row)}")
        z = self.bias + sum(
            w * (x - m) / s for w, x, m, s in zip(self.weights, row, self.mean, self.scale, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-z))


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 3000
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Standardised, L2-penalised logistic regression by full-batch gradient descent (no
    randomness, so a refit gives the same weights): mean, scale, weights, bias. A constant
    column gets scale 1 and weight 0 rather than a division by zero."""
    mean = x.mean(0)
    scale = np.where(x.std(0) > 1e-9, x.std(0), 1.0)
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-z @ w))
        grad = z.T @ (p - y) / len(y) + l2 * np.r_[w[:-1], 0.0] / len(y)
        w -= 0.5 * grad  # step size 0.5: stable on standardised columns, converged well before 3000 steps
    return mean, scale, w[:-1], float(w[-1])


def save_check(check: LearnedCheck, path: Path, report: dict[str, Any]) -> str:
    """Write the check and what measured it; returns the file's sha256 (record it in `rag.calibration`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"format": FORMAT, **asdict(check), "report": report}
    path.write_text(json.dumps(body, indent=1, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_check(path: Path, sha256: str, signals: Sequence[str], embedder: str) -> LearnedCheck:
    """The shipped check, refused when its file was changed or it read other signals or another
    embedder's similarities."""
    if not path.is_file():
        raise ModelError(f"{path}: the learned abstention check is missing; restore it with git")
    got = hashlib.sha256(path.read_bytes()).hexdigest()
    if got != sha256:
        raise ModelError(
            f"{path} has sha256 {got}, expected {sha256}: restore the committed file with git, or record "
            "the sha256 `rag train abstention` printed in rag/calibration.py"
        )
    body = json.loads(path.read_text(encoding="utf-8"))
    if body.get("format") != FORMAT or tuple(body["signals"]) != tuple(signals):
        raise ModelError(
            f"{path} was fitted on other signals than rag.abstain.SIGNALS: refit with `rag train abstention`"
        )
    if body["embedder"] != embedder:
        raise ModelError(
            f"{path} was fitted with {body['embedder']}, not {embedder}: refit with `rag train abstention`"
        )
    return LearnedCheck(
        embedder=body["embedder"],
        signals=tuple(body["signals"]),
        mean=tuple(body["mean"]),
        scale=tuple(body["scale"]),
        weights=tuple(body["weights"]),
        bias=float(body["bias"]),
        threshold=float(body["threshold"]),
    )
