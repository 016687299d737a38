"""Export a sentence-transformers model's transformer to an int8 ONNX file for query encoding.

Why: a query is one short text, and PyTorch's eager overhead dominates its cost. On the 2-core
machine multilingual-e5-small takes 23–30 ms per query in PyTorch, 12 ms in ONNX Runtime float32
and 6 ms after dynamic int8 quantization. Documents are still embedded by sentence-transformers
in float32; the int8 query vectors keep a cosine of about 0.99 to the float32 ones, and
retrieval quality moves by under a point (see the README's retrieval table).

The steps run once in `rag setup`: `torch.onnx.export`, ONNX Runtime's BERT graph fusions
(attention, skip-layer-norm, bias-GELU), then `quantize_dynamic` of the weights to int8.
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

QUERY_ONNX = Path("onnx") / "query-int8.onnx"
INPUTS = ("input_ids", "attention_mask")


def query_onnx_path(model_dir: Path) -> Path:
    return model_dir / QUERY_ONNX


def export_query_encoder(model_dir: Path) -> Path:
    """Write `model_dir/onnx/query-int8.onnx` unless it is there already; returns its path."""
    target = query_onnx_path(model_dir)
    if target.is_file():
        return target
    import torch
    import transformers

    transformers.logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    transformers.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    model: Any = transformers.AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    config = model.config

    class LastHidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            out: torch.Tensor = self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            return out

    export_onnx(LastHidden(model), config, target, "last_hidden_state", {0: "batch", 1: "tokens"})
    return target


def export_onnx(module: Any, config: Any, target: Path, output: str, output_axes: dict[int, str]) -> None:
    """Export a BERT-shaped `module(input_ids, attention_mask) -> output` to int8 ONNX at `target`."""
    root = logging.getLogger()
    level = root.level
    # The exporter and the quantizer warn about generic cases (negative gather indices,
    # calibration pre-processing) that do not apply to these models; keep set-up output readable.
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _export(module, config, target, output, output_axes)
    finally:
        root.setLevel(level)


def _export(module: Any, config: Any, target: Path, output: str, output_axes: dict[int, str]) -> None:
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        raw, fused, quant = (Path(tmp) / n for n in ("raw.onnx", "fused.onnx", "int8.onnx"))
        example = (torch.ones(1, 8, dtype=torch.long), torch.ones(1, 8, dtype=torch.long))
        axes = {0: "batch", 1: "tokens"}
        with torch.inference_mode():
            torch.onnx.export(
                module,
                example,
                str(raw),
                input_names=list(INPUTS),
                output_names=[output],
                dynamic_axes={"input_ids": axes, "attention_mask": axes, output: output_axes},
                opset_version=17,
                dynamo=False,
            )
        opt = optimizer.optimize_model(
            str(raw), model_type="bert", num_heads=config.num_attention_heads, hidden_size=config.hidden_size
        )
        opt.save_model_to_file(str(fused))
        quantize_dynamic(
            str(fused),
            str(quant),
            weight_type=QuantType.QInt8,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        with quant.open("rb") as f:
            os.fsync(f.fileno())
        quant.rename(target)
