"""Probe: does a span reader (SQuAD 2.0 style) tell answerable from unanswerable news questions
where the sentence reader does not? (README, "The reader".)

    .venv/bin/python scripts/probe_span_reader.py ../shared/data OUT.safetensors [--layers N] [--epochs N]
    .venv/bin/python scripts/probe_span_reader.py ../shared/data OUT.safetensors --measure-only

The sentence reader scores whether a sentence is on the question's topic; an unanswerable news
question is on topic and asks for a detail the article lacks. A span reader must point at the
tokens that answer („wie viele Zuschauer“ → a number of spectators) or at the null position, and
SQuAD 2.0 trains exactly that with questions whose answer is absent. Here:
- answerable: XQuAD-de and MLQA-de question against its paragraph, target the answer's tokens;
- unanswerable: the same question against the paragraph with the answer sentence removed, and
  against another paragraph of the same article (on topic, no answer), target the null position;
- the same article split as the sentence reader (`rag.reader.data.held_out`), so the kept-back
  part is comparable with the README's table.
The network is e5-small with its top `--layers` layers and a start/end head trained.

Scores: a sentence's score is its best span (start inside the sentence, at most 30 tokens) minus
the null score of the same window, through a sigmoid; a question's is its best sentence's. The
news numbers come from `measure_reader_news.judge`, so they compare with its table row for row.
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
from measure_reader_news import asked_article, examples_for, judge, question_sets  # scripts/ is on sys.path when run

from index.onnx_embedder import pad_batch
from index.sentences import split_sentences
from rag.config import Settings
from rag.evaluate import read_jsonl
from rag.reader.data import _article_of, _sentence_at, held_out
from rag.reader.model import e5_top, freeze_below, save_trained
from rag.reader.train import adamw_linear, auroc, optimizer_step

MAX_LEN = 256  # question + window of the paragraph; XQuAD paragraphs are ~150 tokens, so most fit whole
STRIDE = 96  # tokens that two windows of a long text share, so an answer is whole in one of them
MAX_ANSWER = 30  # tokens; XQuAD/MLQA answers are short phrases
SEED = 13  # the sentence reader's seed, so both draw their data alike


def span_examples(folder: Path, rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(train, kept) rows of question, context, answer char span (None: unanswerable), kind."""
    contexts = {c["id"]: c for c in read_jsonl(folder / "contexts.jsonl")}
    by_article: dict[str, list[str]] = defaultdict(list)
    for cid in contexts:
        by_article[_article_of(cid)].append(cid)
    train: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []
    for q in read_jsonl(folder / "questions.jsonl"):
        cid = q["context_id"]
        text = contexts[cid]["text"]
        start = q["answer_starts"][0]
        end = start + len(q["answers"][0])
        sp = split_sentences(text)
        pos = _sentence_at(sp, start)
        if pos is None:
            continue
        rows = [{"q": q["question"], "c": text, "a": (start, end), "kind": "present", "group": q["id"]}]
        removed = text[: sp[pos][0]] + text[sp[pos][1] :]
        if q["answers"][0] not in removed and len(sp) > 1:
            rows.append({"q": q["question"], "c": removed, "a": None, "kind": "removed", "group": q["id"]})
        siblings = [c for c in by_article[_article_of(cid)] if c != cid and q["answers"][0] not in contexts[c]["text"]]
        if siblings:
            other = contexts[rng.choice(siblings)]["text"]
            rows.append({"q": q["question"], "c": other, "a": None, "kind": "sibling", "group": q["id"]})
        (kept if held_out(_article_of(cid)) else train).extend(rows)
    return train, kept


def windows(tokenizer: Any, question: str, context: str) -> Any:
    return tokenizer(
        question,
        context,
        truncation="only_second",
        max_length=MAX_LEN,
        stride=STRIDE,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )


def encode_train(tokenizer: Any, rows: list[dict[str, Any]]) -> list[tuple[list[int], int, int]]:
    """(ids, start token, end token) per window; 0, 0 (the null position) when the window lacks the answer."""
    out = []
    for r in rows:
        enc = windows(tokenizer, r["q"], r["c"])
        for w in range(len(enc["input_ids"])):
            seq, offs = enc.sequence_ids(w), enc["offset_mapping"][w]
            s_tok = e_tok = 0
            if r["a"] is not None:
                a0, a1 = r["a"]
                ctx = [i for i, s in enumerate(seq) if s == 1]
                if offs[ctx[0]][0] <= a0 and offs[ctx[-1]][1] >= a1:
                    s_tok = next(i for i in ctx if offs[i][1] > a0)
                    e_tok = next(i for i in reversed(ctx) if offs[i][0] < a1)
            out.append((enc["input_ids"][w], s_tok, e_tok))
    return out


def span_module(base_dir: Path, layers: int) -> Any:
    import torch

    encoder, trained = e5_top(base_dir, layers)

    class SpanReader(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.head = torch.nn.Linear(encoder.config.hidden_size, 2)
            self.trainable_layers = layers

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            h = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
            logits = self.head(h)
            big = torch.finfo(logits.dtype).min
            logits = logits.masked_fill(mask.unsqueeze(-1) == 0, big)
            return logits[..., 0], logits[..., 1]

        def trained_state(self) -> dict[str, torch.Tensor]:
            return {k: v for k, v in self.state_dict().items() if k.startswith(trained)}

    model = SpanReader()
    freeze_below(model, trained)
    return model


def pad(seqs: list[list[int]], pad_id: int) -> tuple[Any, Any]:
    import torch

    x, m = pad_batch(seqs, list(range(len(seqs))), pad_id)
    return torch.from_numpy(x), torch.from_numpy(m)


def train(model: Any, tokenizer: Any, rows: list[dict[str, Any]], epochs: int, seed: int) -> None:
    import torch

    data = encode_train(tokenizer, rows)
    print(f"{len(rows)} rows, {len(data)} windows, {sum(s > 0 for _, s, _ in data)} with an answer", file=sys.stderr)
    rng = random.Random(seed)
    size = 16  # as the sentence reader's batches
    order = sorted(range(len(data)), key=lambda i: len(data[i][0]) + rng.random() * 16)
    batches = [order[i : i + size] for i in range(0, len(order), size)]
    total = len(batches) * epochs
    # more layers learn than in the sentence reader, from little data: a higher rate, longer warm-up
    opt, sched, trained = adamw_linear(model, 1e-4, 1e-3, total, warmup=max(1, total // 10))
    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()
    step, t0 = 0, time.perf_counter()
    for _ in range(epochs):
        rng.shuffle(batches)
        for b in batches:
            x, m = pad([data[i][0] for i in b], tokenizer.pad_token_id)
            s, e = model(x, m)
            loss = loss_fn(s, torch.tensor([data[i][1] for i in b])) + loss_fn(e, torch.tensor([data[i][2] for i in b]))
            optimizer_step(loss, opt, sched, trained)
            step += 1
            if step % 50 == 0:
                rate = step * size / (time.perf_counter() - t0)
                print(f"step {step}/{total} loss {loss.item():.3f} ({rate:.1f} windows/s)", file=sys.stderr)


def span_scores(model: Any, tokenizer: Any, question: str, context: str) -> list[tuple[int, int, float]]:
    """(start char, end char, best span logit − the window's null logit) of each window's best span."""
    import torch

    enc = windows(tokenizer, question, context)
    x, m = pad(enc["input_ids"], tokenizer.pad_token_id)
    with torch.inference_mode():
        s, e = model(x, m)
    out = []
    for w in range(len(enc["input_ids"])):
        seq, offs = enc.sequence_ids(w), enc["offset_mapping"][w]
        ctx = np.array([i for i, t in enumerate(seq) if t == 1])
        sw, ew = s[w].numpy(), e[w].numpy()
        null = float(sw[0] + ew[0])
        grid = sw[ctx][:, None] + ew[ctx][None, :]
        band = np.triu(np.ones_like(grid, dtype=bool)) & ~np.triu(np.ones_like(grid, dtype=bool), MAX_ANSWER)
        grid = np.where(band, grid, -np.inf)
        # every start's best end: one span per start token, so every sentence gets a score
        for i, row in enumerate(grid):
            j = int(row.argmax())
            out.append((offs[ctx[i]][0], offs[ctx[j]][1], float(row[j]) - null))
    return out


def sentence_scores(model: Any, tokenizer: Any, question: str, text: str) -> list[float]:
    spans = split_sentences(text)
    best = [-np.inf] * len(spans)
    for a, _, score in span_scores(model, tokenizer, question, text):
        k = _sentence_at(spans, a)
        if k is not None:
            best[k] = max(best[k], score)
    return [float(1 / (1 + np.exp(-b))) if np.isfinite(b) else 0.0 for b in best]


def measure_kept(model: Any, tokenizer: Any, rows: list[dict[str, Any]]) -> dict[str, float]:
    """Kept-back QA: exact match of the best span on answerable rows, and how well the best score
    tells present from removed / sibling (AUROC)."""
    model.eval()
    best: dict[str, dict[str, float]] = defaultdict(dict)
    exact = []
    for r in rows:
        spans = span_scores(model, tokenizer, r["q"], r["c"])
        top = max(spans, key=lambda t: t[2])
        best[r["group"]][r["kind"]] = top[2]
        if r["a"] is not None:
            exact.append(r["c"][top[0] : top[1]].strip() == r["c"][r["a"][0] : r["a"][1]].strip())
    out = {"questions": float(len(best)), "exact_match": float(np.mean(exact))}
    for kind in ("removed", "sibling"):
        pairs = [(g["present"], g[kind]) for g in best.values() if "present" in g and kind in g]
        scores = np.array([p for p, _ in pairs] + [n for _, n in pairs])
        labels = np.array([1] * len(pairs) + [0] * len(pairs))
        out[f"present_vs_{kind}_auroc"] = auroc(scores, labels)
    return {k: round(v, 3) for k, v in out.items()}


def measure_news(model: Any, tokenizer: Any, data: Path) -> dict[str, Any]:
    articles, sets = question_sets(data)
    model.eval()
    report = {}
    for name, questions in sets.items():
        examples = examples_for(questions, articles)
        scores: list[float] = []
        for q in questions:
            article = asked_article(q, articles)
            scores.extend(sentence_scores(model, tokenizer, q["question"], article.text))
        report[f"span reader {name}"] = judge(examples, np.array(scores, np.float32))
    return report


def main() -> None:
    import torch
    from safetensors.torch import load_file
    from transformers import AutoTokenizer

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--measure-only", action="store_true")
    a = parser.parse_args()
    layers, epochs, data, out = a.layers, a.epochs, a.data, a.out
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    base = Settings().reader_base_dir
    tokenizer: Any = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
    rng = random.Random(SEED)
    train_rows: list[dict[str, Any]] = []
    kept_rows: list[dict[str, Any]] = []
    for folder in ("xquad_de", "mlqa_de"):
        t, k = span_examples(data / folder, rng)
        train_rows += t
        kept_rows += k
    model = span_module(base, layers)
    if a.measure_only:
        state = {k: v.float() for k, v in load_file(str(out)).items()}
        if set(state) != set(model.trained_state()):
            sys.exit(f"{out} does not hold a span reader with {layers} trained layers: give its --layers")
        model.load_state_dict(state, strict=False)
    else:
        t0 = time.perf_counter()
        train(model, tokenizer, train_rows, epochs, SEED)
        print(f"trained in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        save_trained(model, out)
    report: dict[str, Any] = {"kept_back_qa": measure_kept(model, tokenizer, kept_rows)}
    report.update(measure_news(model, tokenizer, data))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
