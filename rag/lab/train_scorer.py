"""Fit the sentence scorer (`rag.scorer`) on gathered rows (`rag.lab.scorer_data`).

Three losses, summed:
- each candidate's own label (binary cross-entropy, so the output is a probability that one
  threshold can abstain on);
- for each answerable question a softmax over its candidates that puts the evidence first
  (listwise, so the order within a question is learned directly rather than through independent
  guesses);
- across questions, each answerable question's best evidence score above each unanswerable
  question's best score (a smooth AUROC: the best score is the answer's confidence, and abstention
  compares it between questions, which the other two losses never do). Chosen out of fold on the
  training writers, C4 unseen (docs/experiments/2026-12-07-sentence-scorer.md, third entry): out
  of fold top-1 0.698 → 0.712 and AUROC 0.683 → 0.708; weight 1 of 0, 0.5, 1, 2.
Full-batch Adam over all rows: about 60k candidates × 42 columns train in seconds on 2 cores, so
there is nothing to cache.

The threshold is chosen on the training writers only: each training writer's questions are
scored by a model fitted on the other training writers (out of fold), and the threshold is the
highest one at which at most `max_false` of their answerable questions abstain. The held-out
writer then checks it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.lab.measures import auroc
from rag.lab.scorer_data import QuestionRows
from rag.scorer import SentenceScorer


@dataclass(frozen=True)
class ScorerConfig:
    hidden: int = 64
    steps: int = 400
    lr: float = 3e-3
    weight_decay: float = 1e-3
    dropout: float = 0.2
    listwise: float = 1.0  # weight of the listwise loss against the pointwise one
    ranking: float = 1.0  # weight of the loss that puts answerable questions above unanswerable ones
    seed: int = 13
    max_false: float = 0.10  # issue #40's bound on answerable questions that abstain
    second_margin: float = 0.0  # a second sentence needs threshold + this


def fit(data: Sequence[QuestionRows], cfg: ScorerConfig) -> SentenceScorer:
    """The fitted network, as a scorer with no threshold yet (0.5) and an empty report."""
    import torch

    torch.manual_seed(cfg.seed)
    x = np.concatenate([q.rows for q in data]).astype(np.float32)
    y = np.concatenate([q.labels for q in data]).astype(np.float32)
    mean, scale = x.mean(0), np.where(x.std(0) > 1e-6, x.std(0), 1.0)
    xt = torch.from_numpy((x - mean) / scale)
    yt = torch.from_numpy(y)
    # a padded [questions, longest] index of each question's candidates
    starts = np.concatenate([[0], np.cumsum([len(q.labels) for q in data])])
    kept = [(q, int(s)) for q, s in zip(data, starts, strict=False) if len(q.labels)]
    width = max((len(q.labels) for q, _ in kept), default=1)
    index = torch.zeros((len(kept), width), dtype=torch.long)
    valid = torch.zeros((len(kept), width), dtype=torch.bool)
    for i, (q, s) in enumerate(kept):
        index[i, : len(q.labels)] = torch.arange(s, s + len(q.labels))
        valid[i, : len(q.labels)] = True
    positive = valid & (yt[index] > 0.5)
    answered = torch.tensor([q.answerable and bool(q.labels.any()) for q, _ in kept], dtype=torch.bool)
    unanswerable = torch.tensor([not q.answerable for q, _ in kept], dtype=torch.bool)
    first, last = torch.nn.Linear(x.shape[1], cfg.hidden), torch.nn.Linear(cfg.hidden, 1)
    net = torch.nn.Sequential(
        first,
        torch.nn.ReLU(),
        torch.nn.Dropout(cfg.dropout),
        last,
    )
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    bce = torch.nn.BCEWithLogitsLoss()
    for _ in range(cfg.steps):
        net.train()
        logits = net(xt).squeeze(1)
        loss = bce(logits, yt)
        lz = logits[index].masked_fill(~valid, -1e9)
        best_evidence = torch.logsumexp(lz.masked_fill(~positive, -1e9), 1)  # a smooth max
        if answered.any() and cfg.listwise:
            listwise = torch.logsumexp(lz[answered], 1) - best_evidence[answered]
            loss = loss + cfg.listwise * listwise.mean()
        if answered.any() and unanswerable.any() and cfg.ranking:
            gap = best_evidence[answered][:, None] - torch.logsumexp(lz[unanswerable], 1)[None, :]
            loss = loss + cfg.ranking * torch.nn.functional.softplus(-gap).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    w1 = first.weight.detach().numpy().T.astype(np.float64)
    return SentenceScorer(
        embedder="",
        features=(),
        mean=mean.astype(np.float64),
        scale=scale.astype(np.float64),
        w1=w1,
        b1=first.bias.detach().numpy().astype(np.float64),
        w2=last.weight.detach().numpy()[0].astype(np.float64),
        b2=float(last.bias.detach().numpy()[0]),
        threshold=0.5,
        second=0.5,
        report={},
    )


def candidate_scores(model: SentenceScorer, q: QuestionRows) -> np.ndarray:
    """The model's probability for each of the question's candidates; empty without candidates."""
    return model.probabilities(q.rows) if len(q.labels) else np.zeros(0)


def best_score(p: np.ndarray) -> float:
    """The best of a question's candidate probabilities; 0 without candidates."""
    return float(p.max()) if len(p) else 0.0


def measure(model: SentenceScorer, data: Sequence[QuestionRows], threshold: float, second: float) -> dict[str, Any]:
    """What the answer built on these scores would show, from the candidates alone: top1, AUROC
    of the best score, abstention at `threshold`, and how many sentences it would quote. The
    choice is `rag.extractive.select_scored`'s, except that the second sentence may come from
    another article: the rows keep no article (through the product, C4's concise_hit came out the
    same, 0.827)."""
    best, answerable, top1, concise, quoted, precise, near = [], [], 0, 0, 0, 0, 0
    n_ans = sum(q.answerable for q in data)
    for q in data:
        p = candidate_scores(model, q)
        top = best_score(p)
        best.append(top)
        answerable.append(q.answerable)
        order = np.argsort(-p)
        chosen = [] if top < threshold else [int(order[0])] + [int(i) for i in order[1:2] if p[i] >= second]
        if q.answerable:
            top1 += bool(len(p)) and bool(q.labels[order[0]])
            hit = any(q.labels[i] for i in chosen)
            concise += hit
            quoted += len(chosen)
            precise += sum(bool(q.labels[i]) for i in chosen)
        else:
            near += any(q.near[i] for i in chosen)
    pos = [b for b, a in zip(best, answerable, strict=True) if a]
    neg = [b for b, a in zip(best, answerable, strict=True) if not a]
    n_un = len(neg) or 1
    area = auroc(pos, neg)
    return {
        "questions": len(data),
        "top1": round(top1 / max(n_ans, 1), 4),
        "auroc": round(area, 4) if area is not None else None,
        "concise_hit": round(concise / max(n_ans, 1), 4),
        "quote_precision": round(precise / max(quoted, 1), 4),
        "abstain": round(sum(b < threshold for b in neg) / n_un, 4),
        "false_abstain": round(sum(b < threshold for b in pos) / max(len(pos), 1), 4),
        "near_quoted": round(near / n_un, 4),
    }


def choose_threshold(best: Sequence[float], answerable: Sequence[bool], max_false: float) -> float:
    """The highest threshold at which at most `max_false` of the answerable questions' best
    scores fall below it (rounded down to 0.01, so a refit lands on the same value)."""
    pos = np.sort(np.array([b for b, a in zip(best, answerable, strict=True) if a]))
    if not len(pos):
        return 0.5
    k = int(np.floor(max_false * len(pos)))  # this many may fall below
    return float(np.floor(pos[min(k, len(pos) - 1)] * 100) / 100)


def folds(
    data: Sequence[QuestionRows], cfg: ScorerConfig
) -> Iterator[tuple[str, SentenceScorer, list[QuestionRows], list[QuestionRows]]]:
    """For each writer of `data` (sorted): a model fitted on the other writers, the questions it
    was fitted on, and the writer's own questions, which it never saw."""
    for w in sorted({q.writer for q in data}):
        inside = [q for q in data if q.writer != w]
        yield w, fit(inside, cfg), inside, [q for q in data if q.writer == w]


def out_of_fold(
    data: Sequence[QuestionRows], cfg: ScorerConfig, say: Callable[[str], None]
) -> tuple[list[float], list[bool]]:
    """Each training writer's best scores from a model fitted on the other training writers."""
    best: list[float] = []
    answerable: list[bool] = []
    for w, model, inside, held in folds(data, cfg):
        best += [best_score(candidate_scores(model, q)) for q in held]
        answerable += [q.answerable for q in held]
        say(f"  out of fold: {w} scored by a fit on {len(inside)} questions")
    return best, answerable
