"""Probe: the reader on EmbeddingGemma-300M instead of e5-small (issue 11: "If it fits on 2 cores,
EmbeddingGemma may be the base instead"). Not the product: it answers whether a stronger base
tells answerable from unanswerable news questions, before any of it is worth shipping.

    .venv/bin/python scripts/probe_gemma_reader.py ../shared/data [--pairs 3000] [--layers 4] [--epochs 3]

The same training sources, seed and kept-back split as `rag train reader` (`rag.reader.data`),
sampled down to `--pairs` training pairs, because a Gemma forward pass costs about 6x e5-small's
on 2 cores (measured: 16 pairs of 160 tokens in 4.0 s forward, 6.0 s with the top 4 layers'
backward). To afford several epochs, the frozen lower layers run once: their output for each
training batch is kept in memory and only the top `--layers` layers and a linear head on the
mean-pooled last layer learn (the same head as the e5 reader). Then it scores the kept-back
pairs (sampled by question) and every sentence of the article each news question asks about
(`scripts/measure_reader_news.py`'s measure: dev, both held-out sets), and prints one JSON report.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from measure_reader_news import examples_for, judge, question_sets

from rag.reader.data import Example, build_examples
from rag.reader.model import mean_pooled
from rag.reader.pairs import by_length, candidate_text
from rag.reader.train import batch_tensors, measure

BASE = Path("models/embeddinggemma-300m")
# cuts the neighbours' context of 14.6 % of the 3,000 sampled pairs (e5 at 192: 5 %), never the sentence;
# longer would raise the cost measured above, which is for 160 tokens
MAX_TOKENS = 160
BATCH = 16


def encode(tokenizer: Any, examples: list[Example]) -> list[list[int]]:
    qs = [f"Frage: {e.question}\n" for e in examples]
    cs = [f"Satz: {candidate_text(e.candidate)}" for e in examples]
    ids: list[list[int]] = tokenizer(qs, cs, truncation="only_second", max_length=MAX_TOKENS)["input_ids"]
    return ids


class Split:
    """Gemma's layers in two runs: below `at` (frozen, run once) and from `at` up (trained)."""

    def __init__(self, model: Any, at: int) -> None:
        from transformers.models.gemma3 import modeling_gemma3 as g

        self.model, self.at, self.g = model, at, g

    def _context(self, hidden: Any, mask: Any) -> tuple[Any, Any, dict[str, Any]]:
        import torch

        cfg, g = self.model.config, self.g
        pos = torch.arange(hidden.shape[1]).unsqueeze(0)
        kw = {"config": cfg, "inputs_embeds": hidden, "attention_mask": mask, "cache": None, "position_ids": pos}
        sliding = dict(kw)
        kw["or_mask_function"] = lambda *a: torch.tensor(True, dtype=torch.bool)
        sliding["or_mask_function"] = g._bidirectional_window_overlay(cfg.sliding_window)
        masks = {
            "full_attention": g.create_causal_mask(**kw),
            "sliding_attention": g.create_sliding_window_causal_mask(**sliding),
        }
        rope = {t: self.model.rotary_emb(hidden, pos, t) for t in set(cfg.layer_types)}
        return pos, masks, rope

    def _layers(self, hidden: Any, mask: Any, lo: int, hi: int) -> Any:
        pos, masks, rope = self._context(hidden, mask)
        types = self.model.config.layer_types
        for i in range(lo, hi):
            t = types[i]
            hidden = self.model.layers[i](
                hidden, attention_mask=masks[t], position_embeddings=rope[t], position_ids=pos
            )
        return hidden

    def lower(self, x: Any, mask: Any) -> Any:
        return self._layers(self.model.embed_tokens(x), mask, 0, self.at)

    def upper(self, hidden: Any, mask: Any) -> Any:
        return self.model.norm(self._layers(hidden, mask, self.at, len(self.model.layers)))


def score(split: Split, head: Any, tokenizer: Any, examples: list[Example]) -> np.ndarray:
    import torch

    ids = encode(tokenizer, examples)
    out = np.zeros(len(ids), np.float32)
    with torch.inference_mode():
        for b in by_length(ids, 32):
            x, m = batch_tensors(ids, b, tokenizer.pad_token_id)
            out[b] = torch.sigmoid(head(mean_pooled(split.upper(split.lower(x, m), m), m)).squeeze(-1)).numpy()
    return out


def by_question(examples: list[Example], questions: int, rng: random.Random) -> list[Example]:
    """Whole questions (all their candidates) sampled per source, so top1 and answerable AUROC stay measurable."""
    groups: dict[tuple[str, str], list[Example]] = defaultdict(list)
    for e in examples:
        groups[(e.source, e.group)].append(e)
    out = []
    for source in sorted({s for s, _ in groups}):
        keys = sorted(k for k in groups if k[0] == source)
        for k in rng.sample(keys, min(questions, len(keys))):
            out.extend(groups[k])
    return out


def main() -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    ap = argparse.ArgumentParser()
    ap.add_argument("data", type=Path)
    ap.add_argument("--pairs", type=int, default=3000)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--kept-questions", type=int, default=60, help="kept-back questions scored per source")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, default=Path("/tmp/gemma-reader-top.pt"))
    a = ap.parse_args()
    t0 = time.perf_counter()
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    data = build_examples(a.data, a.seed)
    train = rng.sample(data.train, min(a.pairs, len(data.train)))
    kept = by_question(data.held_out, a.kept_questions, rng)
    tokenizer = AutoTokenizer.from_pretrained(str(BASE), local_files_only=True)
    model = AutoModel.from_pretrained(str(BASE), local_files_only=True)
    model.eval()  # no dropout in Gemma 3; eval keeps it so either way
    n = len(model.layers)
    split = Split(model, n - a.layers)
    for p in model.parameters():
        p.requires_grad = False
    trained = [p for layer in model.layers[n - a.layers :] for p in layer.parameters()] + list(model.norm.parameters())
    for p in trained:
        p.requires_grad = True
    head = torch.nn.Linear(model.config.hidden_size, 1)
    say = lambda s: print(f"[{time.perf_counter() - t0:.0f} s] {s}", file=sys.stderr, flush=True)  # noqa: E731
    say(f"{len(train)} training pairs, {len(kept)} kept back; Gemma {n} layers, top {a.layers} learn")

    ids = encode(tokenizer, train)
    labels = torch.tensor([e.label for e in train], dtype=torch.float32)
    cache = []
    with torch.inference_mode():
        for k, b in enumerate(by_length(ids, BATCH)):
            x, m = batch_tensors(ids, b, tokenizer.pad_token_id)
            cache.append((b, m, split.lower(x, m)))
            if k % 50 == 0:
                say(f"lower layers: batch {k}")
    say("lower layers cached")
    total = len(cache) * a.epochs
    opt = torch.optim.AdamW(
        [{"params": trained, "lr": a.lr}, {"params": head.parameters(), "lr": 1e-3}], weight_decay=0.01
    )
    warm = max(1, total // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / (total - warm)))
    )
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(2.0))  # as the e5 reader: positives count twice
    step = 0
    for epoch in range(a.epochs):
        order = list(range(len(cache)))
        rng.shuffle(order)
        for k in order:
            b, m, h = cache[k]
            # cached under inference_mode: a clone is an ordinary tensor autograd may save
            loss = loss_fn(head(mean_pooled(split.upper(h.clone(), m), m)).squeeze(-1), labels[b])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trained + list(head.parameters()), 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 50 == 0:
                say(f"epoch {epoch} step {step}/{total} loss {loss.item():.4f}")
    train_s = time.perf_counter() - t0
    torch.save(
        {
            "layers": a.layers,
            "top": {
                k: v
                for k, v in model.state_dict().items()
                if k.startswith((*(f"layers.{i}." for i in range(n - a.layers, n)), "norm."))
            },
            "head": head.state_dict(),
        },
        a.out,
    )
    report: dict[str, Any] = {
        "train_pairs": len(train),
        "train_seconds": round(train_s),
        "config": {k: str(v) for k, v in vars(a).items()},
    }
    report["kept_back"] = measure(kept, score(split, head, tokenizer, kept))
    say("kept back scored")
    articles, sets = question_sets(a.data)
    for name, questions in sets.items():
        examples = examples_for(questions, articles)
        t = time.perf_counter()
        report[f"news {name}"] = judge(examples, score(split, head, tokenizer, examples)) | {
            "seconds_per_question": round((time.perf_counter() - t) / len(questions), 2)
        }
        say(f"news {name} scored")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
