"""The learned sentence scorer: the probability that a candidate sentence states what was asked.

A small network (one hidden layer) over `rag.scorer_features.feature_rows`, trained by
`rag train scorer` on hand-written news questions, four writers of five, and measured on the
fifth. It replaces the hand-weighted sum of rule features, which were fitted on the 60 dev
questions and quoted the lead instead of the answer; those features are now its input.

Its output does three jobs, so there is one judgement, not three:
- order: the answer quotes the best sentence first;
- length: a second sentence only when it, too, scores at least `second`;
- abstention: when no candidate scores `threshold`, the answer abstains, and the best score is
  the answer's `confidence`.

Inference is numpy only (a 20 × 40 by 40 × 64 matrix product per question, microseconds), so
the read path loads no torch. The file is an `.npz` of float32 arrays and a JSON header, checked
against its sha256 at load time like every shipped weight.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import ModelError

FORMAT = 1


@dataclass(frozen=True)
class SentenceScorer:
    """p = sigmoid(w2 · relu(W1 · (row - mean) / scale + b1) + b2)."""

    embedder: str  # the model whose vectors and similarities it read
    features: tuple[str, ...]  # names of the row's columns (`rag.scorer_features.FEATURES`)
    mean: np.ndarray
    scale: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: float
    threshold: float  # abstain when no candidate reaches it
    second: float  # quote a second sentence only at or above this
    report: dict[str, Any]  # what measured it: data, held-out writer, numbers

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        if rows.ndim != 2 or rows.shape[1] != len(self.mean):
            raise ValueError(f"expected rows of {len(self.mean)} columns, got shape {rows.shape}")
        return network(rows, self.mean, self.scale, self.w1, self.b1, self.w2, self.b2)


def network(
    rows: np.ndarray,
    mean: np.ndarray,
    scale: np.ndarray,
    w1: np.ndarray,
    b1: np.ndarray,
    w2: np.ndarray,
    b2: float,
) -> np.ndarray:
    """The scorer's forward pass, shared with training's measurements (`rag.lab.train_scorer`)."""
    hidden = np.maximum(((rows - mean) / scale) @ w1 + b1, 0.0)
    z = hidden @ w2 + b2  # clipped: exp overflows float64 past about 709, and the tails carry no meaning
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0))), dtype=np.float64)


_ARRAYS = ("mean", "scale", "w1", "b1", "w2")


def save_scorer(scorer: SentenceScorer, path: Path) -> str:
    """Write the scorer; returns the file's sha256 (record it in `rag.calibration`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {
        "format": FORMAT,
        "embedder": scorer.embedder,
        "features": list(scorer.features),
        "b2": scorer.b2,
        "threshold": scorer.threshold,
        "second": scorer.second,
        "report": scorer.report,
    }
    arrays: dict[str, Any] = {name: np.asarray(getattr(scorer, name), dtype=np.float32) for name in _ARRAYS}
    arrays["header"] = np.array(json.dumps(header, ensure_ascii=False, allow_nan=False))
    # an .npz written by hand: np.savez stamps the time into the zip, and a refit with equal
    # weights must write equal bytes (equal sha256)
    with zipfile.ZipFile(path, "w") as z:
        for name, array in arrays.items():
            with z.open(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), "w") as f:
                np.lib.format.write_array(f, array, allow_pickle=False)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_scorer(path: Path, sha256: str, features: tuple[str, ...], embedder: str) -> SentenceScorer:
    """The shipped scorer, refused when its file was changed or it read other features or
    another embedder's vectors."""
    if not path.is_file():
        raise ModelError(f"{path}: the sentence scorer is missing; restore it with git")
    got = hashlib.sha256(path.read_bytes()).hexdigest()
    if got != sha256:
        raise ModelError(
            f"{path}: sha256 {got[:12]}… is not the recorded {sha256[:12]}…; restore it with git, or record "
            "the new one in rag/calibration.py after `rag train scorer`"
        )
    with np.load(path, allow_pickle=False) as z:
        header = json.loads(str(z["header"]))
        arrays = {name: z[name].astype(np.float64) for name in _ARRAYS}
    if header.get("format") != FORMAT:
        raise ModelError(f"{path}: format {header.get('format')}, expected {FORMAT}; retrain with `rag train scorer`")
    if tuple(header["features"]) != features:
        raise ModelError(f"{path}: it read other features than this code computes; retrain with `rag train scorer`")
    if header["embedder"] != embedder:
        raise ModelError(f"{path}: fitted with {header['embedder']}, not {embedder}")
    return SentenceScorer(
        embedder=header["embedder"],
        features=features,
        b2=float(header["b2"]),
        threshold=float(header["threshold"]),
        second=float(header["second"]),
        report=header["report"],
        **arrays,
    )
