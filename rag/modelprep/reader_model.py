"""The reader network, its committed weights, and the int8 ONNX file that set-up makes from them.

The network is the converted multilingual-e5-small encoder with a linear head on its mean-pooled
last layer. Training changes only the top `trainable_layers` layers and the head, so only those
are committed (`reader-top.safetensors`, fp16); the frozen lower layers and the embeddings come
from the e5 conversion that set-up already does. Set-up checks the file's sha256, puts the two
together and exports int8 ONNX (the e5 export, with the `KEEP_FLOAT` products float32).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from index.embedder import quiet_transformers
from index.errors import ModelError
from rag.shipped import READER_BASE_MODEL, reader_onnx_name


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# The e5 MatMuls that stay float32 in the int8 export: the feed-forward down-projections, whose
# inputs (GELU outputs) carry outliers that one run-time scale per tensor crushes. Measured by
# `scripts/experiments/measure_reader_export.py` on the shipped weights: 882 (dev question, sentence) pairs
# against the float32 network, one pair at a time on 2 threads (mean / largest |dp|, rank
# correlation, questions whose best sentence stays the same, ms a pair):
# - every weight per tensor (the e5 embedders' recipe): 0.046 / 0.75, 0.89, 0.75, 43 ms;
# - per channel: 0.028 / 0.70, 0.96, 0.80, 52 ms;
# - per channel, these 12 products float32: 0.015 / 0.39, 0.99, 0.92, 51 ms.
# On the first recipe the earlier weights passed the seed test that a Taiwan sentence comes first
# only by its error; the float32 network put Hegseth's quote first.
KEEP_FLOAT = r"layer\.\d+/output/dense/"


def e5_top(base_dir: Path, trainable_layers: int) -> tuple[Any, tuple[str, ...]]:
    """The e5 encoder from `base_dir`, and the state-dict key prefixes of what learns when it sits
    in a module as `encoder` beside a `head`: its top `trainable_layers` layers and the head."""
    transformers = quiet_transformers()
    encoder: Any = transformers.AutoModel.from_pretrained(str(base_dir), local_files_only=True, add_pooling_layer=False)
    n = len(encoder.encoder.layer)
    if not 1 <= trainable_layers <= n:
        raise ModelError(f"trainable_layers: must be between 1 and {n}, got {trainable_layers}")
    return encoder, (*(f"encoder.encoder.layer.{i}." for i in range(n - trainable_layers, n)), "head.")


def freeze_below(model: Any, trained: tuple[str, ...]) -> None:
    """Only parameters under the `trained` prefixes learn; backward passes stop below them."""
    for name, p in model.named_parameters():
        p.requires_grad = name.startswith(trained)


def mean_pooled(hidden: Any, attention_mask: Any) -> Any:
    """The mean of the last layer over the real tokens: what the head reads."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)


def reader_module(base_dir: Path, trainable_layers: int) -> Any:
    """A fresh network: e5 from `base_dir`, everything below the top `trainable_layers` frozen."""
    import torch

    encoder, trained = e5_top(base_dir, trainable_layers)

    class Reader(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.head = torch.nn.Linear(encoder.config.hidden_size, 1)
            self.trainable_layers = trainable_layers

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            logits: torch.Tensor = self.head(mean_pooled(hidden, attention_mask)).squeeze(-1)
            return logits

        def trained_state(self) -> dict[str, torch.Tensor]:
            return {k: v for k, v in self.state_dict().items() if k.startswith(trained)}

    model = Reader()
    freeze_below(model, trained)
    return model


def save_trained(model: Any, target: Path) -> str:
    """Write the trained layers and head as fp16 safetensors; returns the file's sha256."""
    from safetensors.torch import save_file

    state = {k: v.detach().to("cpu").half().contiguous() for k, v in model.trained_state().items()}
    meta = {"base": READER_BASE_MODEL, "trainable_layers": str(model.trainable_layers), "format": "1"}
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    save_file(state, str(tmp), metadata=meta)
    tmp.replace(target)
    return sha256_of(target)


def load_reader(base_dir: Path, weights: Path, expected_sha: str | None) -> Any:
    """The full network from the e5 base and the committed top layers (checked by sha256)."""
    from safetensors import safe_open

    if not weights.is_file():
        raise ModelError(f"No reader weights at {weights}: the file is part of the repository; restore it with git")
    if expected_sha is not None and (got := sha256_of(weights)) != expected_sha:
        raise ModelError(
            f"{weights} has sha256 {got}, expected {expected_sha}: restore the committed file with git "
            "(or, after `rag train reader`, record the new checksum in rag/shipped.py)"
        )
    with safe_open(str(weights), framework="pt") as f:
        meta = f.metadata() or {}
        state = {k: f.get_tensor(k).float() for k in f.keys()}  # noqa: SIM118 (safe_open has no __iter__)
    if meta.get("base") != READER_BASE_MODEL:
        raise ModelError(f"{weights} was trained on {meta.get('base')!r}, not {READER_BASE_MODEL!r}")
    model = reader_module(base_dir, int(meta.get("trainable_layers", "0")))
    expected = set(model.trained_state())
    if set(state) != expected:
        raise ModelError(f"{weights} does not hold the reader's trained layers: run `rag train reader` again")
    model.load_state_dict(state, strict=False)
    return model.eval()


def export_reader(base_dir: Path, weights: Path, target_dir: Path, expected_sha: str | None) -> Path:
    """Write the int8 ONNX reader into `target_dir` unless it is there already; returns its path."""
    from rag.modelprep.onnx_export import export_onnx

    sha = expected_sha or sha256_of(weights)
    target = target_dir / reader_onnx_name(sha)
    if not target.is_file():
        model = load_reader(base_dir, weights, expected_sha)
        export_onnx(model, model.encoder.config, target, "logits", {0: "batch"}, keep_float=KEEP_FLOAT)
    for stale in target_dir.glob("reader-*.onnx*"):  # earlier weights' or recipes' exports (~120 MB each)
        if not stale.name.startswith(target.name):
            stale.unlink()
    return target
