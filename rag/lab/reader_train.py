"""`rag train reader`: fine-tune the reader's top layers on the shared German data, seeded.

Only the top `trainable_layers` of e5-small and the head learn; the rest is frozen, so backward
passes stop there: 11 pairs/s on the 2-core machine, so 2 epochs over the 10.4k pairs take
about 31 minutes (docs/experiments/the-reader.md has the measured runs). Batches group pairs of similar length,
which wastes little on padding.
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index.onnx_embedder import pad_batch
from rag.lab.measures import auroc as measures_auroc
from rag.lab.reader_data import Example, Split, build_examples, dev_articles, whole_questions
from rag.lab.reader_news import news_question_examples
from rag.lab.reader_retrieved import Evidence, retrieved_split
from rag.modelprep.reader_model import load_reader, reader_module, save_trained
from rag.reader.pairs import MAX_TOKENS, PairTokenizer, by_length, encode_pairs


@dataclass
class TrainConfig:
    base_dir: Path
    data_dir: Path
    out: Path
    seed: int = 13
    epochs: int = 2  # what the time budget of about an hour allows at 11 pairs/s
    batch_size: int = 16
    lr: float = 6e-5  # top layers: inside the usual 2e-5..1e-4 for fine-tuning BERT-size encoders; not tuned
    head_lr: float = 1e-3  # the head starts from random weights, so it may move faster
    trainable_layers: int = 4  # 4 layers in fp16: 14.2 MB to commit, under the 20 MB allowed
    pos_weight: float = 2.0  # about 1 positive to 7 negatives; weighting stops the head predicting 0
    qam_rows: int = 1000  # web queries are unlike news questions: enough to add variety, not to dominate
    swaps: int = 0  # swapped-word questions per QA question, as negatives (data.swapped_question)
    max_steps: int | None = None  # for smoke runs
    max_examples: int | None = None  # for smoke runs
    threads: int = 2
    init: Path | None = None  # train on from these trained layers (their layer count) instead of a fresh head
    news_questions: Path | None = None  # hand-written news questions (data.news_question_examples)
    own_pairs: int | None = None  # take only about this many of the shared sources' pairs, by whole questions
    # with `news_questions`: pair them with what retrieval returns (`rag.lab.reader_retrieved`), keeping up
    # to this many negatives a question, instead of with their article's sentences
    retrieved_negatives: int | None = None
    retrieved_topics: int = 0  # with `retrieved_negatives`: topic questions on other articles, likewise


@dataclass
class TrainReport:
    train_examples: int
    held_out_examples: int
    truncated_share: float
    steps: int
    seconds: float
    weights_sha256: str
    weights_bytes: int
    held_out: dict[str, dict[str, float]] = field(default_factory=dict)
    held_out_before: dict[str, dict[str, float]] = field(default_factory=dict)  # with `init`: its weights' numbers
    train_sources: dict[str, int] = field(default_factory=dict)  # training pairs by source
    config: dict[str, Any] = field(default_factory=dict)


def auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    """`rag.lab.measures.auroc` of labelled pairs; NaN when a side is empty (the report's rows
    are floats)."""
    area = measures_auroc(scores[labels == 1], scores[labels == 0])
    return float("nan") if area is None else area


def _encode(tokenizer: PairTokenizer, examples: list[Example]) -> list[list[int]]:
    return encode_pairs(tokenizer, [e.question for e in examples], [e.candidate for e in examples])


def _batches(lengths: list[int], size: int, rng: random.Random) -> list[list[int]]:
    """Index batches of similar length, in random order."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i] + rng.random() * 8)
    batches = [order[i : i + size] for i in range(0, len(order), size)]
    rng.shuffle(batches)
    return batches


def batch_tensors(ids: list[list[int]], batch: list[int], pad: int) -> tuple[Any, Any]:
    """Padded token ids and attention mask of one batch, as torch tensors."""
    import torch

    x, m = pad_batch(ids, batch, pad)
    return torch.from_numpy(x), torch.from_numpy(m)


def predict(model: Any, tokenizer: PairTokenizer, examples: list[Example], batch_size: int = 64) -> np.ndarray:
    """Probabilities that each example's sentence answers its question (torch; for measuring)."""
    import torch

    ids = _encode(tokenizer, examples)
    out = np.zeros(len(ids), np.float32)
    model.eval()
    with torch.inference_mode():
        for batch in by_length(ids, batch_size):
            x, m = batch_tensors(ids, batch, tokenizer.pad_token_id)
            out[batch] = torch.sigmoid(model(x, m)).numpy()
    return out


def measure(examples: list[Example], scores: np.ndarray) -> dict[str, dict[str, float]]:
    """Per source: accuracy at 0.5 and AUROC over pairs; for sources with groups of candidates,
    how often the best-scored candidate is a positive (top1), how well the best score tells a
    question whose answer sentence is present from the same question with it removed
    (answerable_auroc: the abstention signal), and at thresholds t the share of answer-removed
    questions that abstain against the share of answerable ones that wrongly do."""
    out: dict[str, dict[str, float]] = {}
    by_source: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        by_source[e.source].append(i)
    for source, idx in by_source.items():
        labels = np.array([examples[i].label for i in idx])
        s = scores[idx]
        row = {"n": float(len(idx)), "accuracy": float(((s >= 0.5) == labels).mean()), "auroc": auroc(s, labels)}
        groups: dict[str, list[int]] = defaultdict(list)
        for i in idx:
            groups[examples[i].group].append(i)
        multi = [g for g in groups.values() if len(g) > 1 and any(examples[i].label for i in g)]
        if multi:
            top1 = [examples[max(g, key=lambda i: scores[i])].label for g in multi]
            with_ans = [max(scores[i] for i in g) for g in multi]
            without = [max((scores[i] for i in g if not examples[i].label), default=0.0) for g in multi]
            row["questions"] = float(len(multi))
            row["top1"] = float(np.mean(top1))
            row["answerable_auroc"] = auroc(
                np.array(with_ans + without), np.array([1] * len(with_ans) + [0] * len(without))
            )
            for t in (0.3, 0.5, 0.7):  # abstain when the best score is below t
                row[f"abstain_removed@{t}"] = float(np.mean(np.array(without) < t))
                row[f"false_abstain@{t}"] = float(np.mean(np.array(with_ans) < t))
        out[source] = {k: round(v, 4) for k, v in row.items()}
    return out


def adamw_linear(model: Any, lr: float, head_lr: float, total: int, warmup: int) -> tuple[Any, Any, list[Any]]:
    """AdamW (weight decay 0.01) over the trainable parameters, `head_lr` for those named `head.`
    (a fresh head may move faster than pretrained layers), with the rate rising linearly over
    `warmup` steps and falling linearly to 0 at `total`; and those parameters, for clipping."""
    import torch

    head = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith("head.")]
    body = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("head.")]
    opt = torch.optim.AdamW([{"params": body, "lr": lr}, {"params": head, "lr": head_lr}], weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(total - warmup, 1)))
    )
    return opt, sched, body + head


def optimizer_step(loss: Any, opt: Any, sched: Any, params: list[Any]) -> None:
    """One update: gradients clipped to norm 1 (fine-tuning's usual guard against a bad batch)."""
    import torch

    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    sched.step()


def fit(
    model: Any, tokenizer: PairTokenizer, train: list[Example], cfg: TrainConfig, say: Callable[[str], None]
) -> tuple[int, float]:
    """Train `model`'s unfrozen layers and head on `train` as `cfg` says (epochs, batch size,
    rates, positive weight, step limit, seed); returns the steps taken and the share of pairs cut
    at `MAX_TOKENS`. `model` may be fresh (`reader_module`) or trained already (`load_reader`)."""
    import torch

    ids = _encode(tokenizer, train)
    truncated = sum(len(x) >= MAX_TOKENS for x in ids) / max(len(ids), 1)
    labels = torch.tensor([e.label for e in train], dtype=torch.float32)
    rng = random.Random(cfg.seed)
    steps_per_epoch = -(-len(train) // cfg.batch_size)
    total = min(cfg.max_steps or steps_per_epoch * cfg.epochs, steps_per_epoch * cfg.epochs)
    opt, sched, trained = adamw_linear(model, cfg.lr, cfg.head_lr, total, warmup=max(1, total // 20))
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(cfg.pos_weight))
    step, t_train = 0, time.perf_counter()
    model.train()
    while step < total:
        for batch in _batches([len(x) for x in ids], cfg.batch_size, rng):
            x, m = batch_tensors(ids, batch, tokenizer.pad_token_id)
            loss = loss_fn(model(x, m), labels[batch])
            optimizer_step(loss, opt, sched, trained)
            step += 1
            if step % 100 == 0 or step == total:
                rate = step * cfg.batch_size / (time.perf_counter() - t_train)
                say(f"step {step}/{total} loss {loss.item():.4f} ({rate:.0f} pairs/s)")
            if step >= total:
                break
    model.eval()
    return step, truncated


def train_reader(
    cfg: TrainConfig, say: Callable[[str], None] = print, extra: Split | None = None, rag: Evidence | None = None
) -> TrainReport:
    """Train as `cfg` says and report on the kept-back data. `extra`: examples a caller made (a
    probe's), put first like the news questions; `rag`: the pipeline over the Wikinews articles
    that `cfg.retrieved_negatives` retrieves from."""
    import torch

    t0 = time.perf_counter()
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    split = build_examples(cfg.data_dir, cfg.seed, cfg.qam_rows, cfg.swaps)
    train, kept = split.train, split.held_out
    if cfg.own_pairs is not None:
        train = whole_questions(train, cfg.own_pairs, cfg.seed)
    if cfg.news_questions is not None:
        news = cfg.data_dir / "news_wikinews_de"
        exclude = dev_articles(news / "questions_dev.jsonl")
        if cfg.retrieved_negatives is None:
            hand = news_question_examples(news / "articles.jsonl", cfg.news_questions, exclude)
        elif rag is None:
            raise ValueError("retrieved_negatives needs the pipeline to retrieve with (rag)")
        else:
            hand = retrieved_split(
                rag,
                news / "articles.jsonl",
                cfg.news_questions,
                exclude,
                cfg.retrieved_negatives,
                cfg.retrieved_topics,
                cfg.seed,
            )
        train, kept = hand.train + train, hand.held_out + kept
    if extra is not None:
        train, kept = extra.train + train, extra.held_out + kept
    if cfg.max_examples is not None:
        train, kept = train[: cfg.max_examples], kept[: cfg.max_examples]
    say(f"{len(train)} training pairs, {len(kept)} kept back ({time.perf_counter() - t0:.0f} s)")
    tokenizer = PairTokenizer(cfg.base_dir)
    if cfg.init is not None:
        model = load_reader(cfg.base_dir, cfg.init, None)
        before = measure(kept, predict(model, tokenizer, kept)) if kept else {}
    else:
        model, before = reader_module(cfg.base_dir, cfg.trainable_layers), {}
    step, truncated = fit(model, tokenizer, train, cfg, say)
    sha = save_trained(model, cfg.out)
    held = measure(kept, predict(model, tokenizer, kept)) if kept else {}
    report = TrainReport(
        train_examples=len(train),
        held_out_examples=len(kept),
        truncated_share=round(truncated, 4),
        steps=step,
        seconds=round(time.perf_counter() - t0, 1),
        weights_sha256=sha,
        weights_bytes=cfg.out.stat().st_size,
        held_out=held,
        held_out_before=before,
        train_sources=dict(sorted(Counter(e.source for e in train).items())),
        config={k: str(v) for k, v in asdict(cfg).items()},
    )
    return report
