"""Export an embedding model to an int8 ONNX file, once, in `rag setup`.

Why: PyTorch's eager overhead dominates a short query, and int8 matrix products are several
times faster on 2 cores. Measured on this machine (German news sentences, 2 threads):

- multilingual-e5-small: 23–30 ms per query in PyTorch, 12 ms in ONNX Runtime float32, 6 ms
  after dynamic int8 quantization; the int8 vectors keep a cosine of about 0.99 to float32.
  The BERT graph fusions (attention, skip-layer-norm, bias-GELU) run before quantizing.
- EmbeddingGemma-300M, 160 sentences: 7.3/s in PyTorch float32, 15.9/s in ONNX float32 and
  33/s in int8. Which layers are quantized decides the error: every MatMul and Gather per
  tensor gives a cosine to float32 of 0.972 (min 0.957); per channel 0.979; per channel with
  the 24 MLP `down_proj` products left in float32 (their inputs carry Gemma's large activation
  outliers) 0.996 (min 0.992) at 33/s and 370 MB, against 1.2 GB for float32.

The Gemma graph gets the plain padding mask. That equals the model's bidirectional
sliding-window mask (window 512) only up to 512 tokens, so both paths truncate there; a chunk
is at most 1,200 characters (about 300 tokens), so nothing the index holds is cut.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

from index.embedder import quiet_transformers
from rag.shipped import EMBEDDER_ONNX

INPUTS = ("input_ids", "attention_mask")
AXES = {0: "batch", 1: "tokens"}


def export_embedder(model_dir: Path) -> Path:
    """Write `model_dir/onnx/embedder-int8-opt.onnx` unless it is there already; returns its path."""
    target = model_dir / EMBEDDER_ONNX
    if target.is_file():
        return target
    import json

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type", "").startswith("gemma"):
        _export_pooled(model_dir, target)
    else:
        _export_last_hidden(model_dir, target)
    return target


def _export_last_hidden(model_dir: Path, target: Path) -> None:
    """A BERT-shaped encoder: the graph ends in `last_hidden_state`; the caller mean-pools."""
    import torch

    model: Any = quiet_transformers().AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

    class LastHidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            out: torch.Tensor = self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            return out

    export_onnx(LastHidden(model), model.config, target, "last_hidden_state", {0: "batch", 1: "tokens"})


def _export_pooled(model_dir: Path, target: Path) -> None:
    """EmbeddingGemma: transformer, mean pooling, both Dense layers and L2 norm in one graph."""
    import torch
    from sentence_transformers import SentenceTransformer

    quiet_transformers()
    st: Any = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True).eval()
    dense = [m.linear for m in list(st)[2:] if hasattr(m, "linear")]

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = st[0].auto_model
            self.dense = torch.nn.Sequential(*dense)

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            b, t = input_ids.shape
            # A ready 4-D mask per layer type: transformers' own mask builder uses vmap, which
            # the ONNX tracer cannot follow.
            pad = attention_mask.bool()[:, None, None, :].expand(b, 1, t, t)
            masks = {"full_attention": pad, "sliding_attention": pad}
            hidden = self.inner(input_ids=input_ids, attention_mask=masks).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
            return torch.nn.functional.normalize(self.dense(pooled), dim=-1)

    export_onnx(Pooled(), None, target, "embedding", {0: "batch"}, keep_float="down_proj")


def _torch_export(module: Any, raw: Path, output: str, output_axes: dict[int, str]) -> None:
    import torch

    example = (torch.ones(2, 8, dtype=torch.long), torch.ones(2, 8, dtype=torch.long))
    with torch.inference_mode():
        torch.onnx.export(
            module,
            example,
            str(raw),
            input_names=list(INPUTS),
            output_names=[output],
            dynamic_axes={"input_ids": AXES, "attention_mask": AXES, output: output_axes},
            opset_version=17,
            dynamo=False,
        )


def export_onnx(
    module: Any,
    config: Any,
    target: Path,
    output: str,
    output_axes: dict[int, str],
    keep_float: str | None = None,
) -> None:
    """Export `module(input_ids, attention_mask) -> output` to int8 ONNX at `target`.

    With a BERT `config` the graph is fused first (the e5 models); without one, MatMuls and
    Gathers are quantized and the weights are stored beside the graph in `target` + ".data"
    (ONNX external data). Weights are quantized per tensor, unless `keep_float` is given: then
    per channel, and the MatMuls whose node name matches that regular expression stay float32,
    for models whose activations carry outliers there (see the module docstring and
    `rag.modelprep.reader_model.KEEP_FLOAT`).
    """
    root = logging.getLogger()
    level = root.level
    # The exporter and the quantizer warn about generic cases (negative gather indices,
    # calibration pre-processing) that do not apply to these models; keep set-up output readable.
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _export(module, config, target, output, output_axes, keep_float)
    finally:
        root.setLevel(level)


def _export(
    module: Any, config: Any, target: Path, output: str, output_axes: dict[int, str], keep_float: str | None
) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        raw = Path(tmp) / "raw.onnx"
        out = Path(tmp) / target.name
        _torch_export(module, raw, output, output_axes)
        options: dict[str, Any] = {"extra_options": {"DefaultTensorType": onnx.TensorProto.FLOAT}}
        if config is not None:
            from onnxruntime.transformers import optimizer

            fused = Path(tmp) / "fused.onnx"
            heads, hidden = config.num_attention_heads, config.hidden_size
            optimizer.optimize_model(
                str(raw), model_type="bert", num_heads=heads, hidden_size=hidden
            ).save_model_to_file(str(fused))
            raw = fused
        else:
            options.update(op_types_to_quantize=["MatMul", "Gather"], use_external_data_format=True)
        if keep_float is not None:
            graph = onnx.load(str(raw), load_external_data=False).graph
            floats = [n.name for n in graph.node if n.op_type == "MatMul" and re.search(keep_float, n.name)]
            options.update(per_channel=True, nodes_to_exclude=floats)
        quant = Path(tmp) / "quant.onnx"
        quantize_dynamic(str(raw), str(quant), weight_type=QuantType.QInt8, **options)
        _save_optimized(quant, out)
        data = out.with_name(out.name + ".data")
        for f in (data, out):  # the .onnx last: its presence means the export is complete
            if f.is_file():
                with f.open("rb") as fh:
                    os.fsync(fh.fileno())
                f.chmod(0o644)  # the quantizer creates .data as 0600; the models folder is shared
                shutil.move(str(f), target.with_name(f.name))


def _save_optimized(model: Path, out: Path) -> None:
    """Let ONNX Runtime apply its graph optimizations once and save the result, so a process
    can load it with optimizations off: EmbeddingGemma loads in 0.8 s instead of 4.8 s (busy
    machine) and runs as fast. "Extended" rather than "all": the last level adds layout
    changes for the CPU at hand, which a saved model should not carry."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(out)
    options.add_session_config_entry("session.optimized_model_external_initializers_file_name", out.name + ".data")
    options.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
    ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
