"""Train the speaker chooser (`index.speaker_choice`) on annotated quotations.

For each annotated quotation that the finder also found, and whose annotation names a speaker,
every candidate is labelled right or wrong by the measure of `rag eval quotations`
(`evaluate_speech.speaker_right`). The model is a conditional logit: a linear score per
candidate, one softmax over each quotation's candidates, and the loss is minus the log of the
probability that falls on its right candidates (the same person is often named twice). It
trains on the fitted four fifths only; the held-back fifth is what `rag eval quotations`
reports. Quotations with no right candidate (0.07 of the fitted part) teach nothing and are
left out.

One detail differs between training and use: while training, the speaker carried over from the
quotation before is the rules' choice; in use, it is the model's own.

L2 weight 1e-3, chosen out of fold on the fitted part (five folds by article): 0.720 against
0.714 for 1e-2 (with the first feature set). L-BFGS with at most 300 iterations; it stops
earlier when the loss stops changing.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.article import Article
from index.names import NameFinder
from index.quotations import QuotationFinder
from index.sentences import split_sentences
from index.speaker_choice import candidates
from index.speaker_features import FEATURES, Candidate
from index.speaker_features import Article as Context
from index.speaker_model import SpeakerModel
from rag.lab.evaluate_speech import CONTENT_TYPES, held_back, matched, speaker_right

L2 = 1e-3
STEPS = 300
FOLDS = 5


@dataclass
class Choice:
    """One annotated quotation: its candidates, which of them are right, and its article."""

    article_id: str
    cands: list[Candidate]
    right: list[bool]
    rule_right: bool


def choices(articles: dict[str, Article], annotations: Iterable[dict[str, Any]], part: str) -> Iterator[Choice]:
    """The labelled candidates of one part („fitted“ or „held_back“) of the annotations."""
    names, finder = NameFinder(), QuotationFinder()
    for row in annotations:
        article = articles.get(row["article_id"])
        if article is None or held_back(article.id) != (part == "held_back"):
            continue
        text = article.text
        sentences = split_sentences(text)
        mentions = names.mentions(text, sentences)
        found = finder.find(text, sentences, mentions)  # the rules' speakers
        context = Context.of(text, sentences, mentions)
        for gold in row["annotations"]:
            if gold["type"] not in CONTENT_TYPES or not gold["speaker"]:
                continue
            k = matched(found, gold)
            if k is None:
                continue
            q = found[k]
            cands = candidates(context, q, found[k - 1] if k else None)
            right = [speaker_right(c.name, c.span, gold, text, context.roles, mentions) for c in cands]
            rule = bool(q.speaker) and speaker_right(q.speaker, q.speaker_span, gold, text, context.roles, mentions)
            yield Choice(article.id, cands, right, rule)


def fit(data: list[Choice], l2: float = L2, steps: int = STEPS) -> SpeakerModel:
    import torch

    torch.manual_seed(0)
    data = [c for c in data if any(c.right)]
    x = torch.tensor([[c.features.get(k, 0.0) for k in FEATURES] for d in data for c in d.cands])
    y = torch.tensor([r for d in data for r in d.right])
    group = torch.tensor([i for i, d in enumerate(data) for _ in d.cands])
    w = torch.zeros(len(FEATURES), requires_grad=True)
    opt = torch.optim.LBFGS([w], max_iter=steps, line_search_fn="strong_wolfe")
    n = len(data)

    def log_sum(s: torch.Tensor) -> torch.Tensor:
        top = torch.full((n,), -1e9).scatter_reduce(0, group, s, "amax")
        return torch.zeros(n).index_add(0, group, torch.exp(s - top[group])).clamp_min(1e-30).log() + top

    def closure() -> torch.Tensor:
        opt.zero_grad()
        s = x @ w
        loss = (log_sum(s) - log_sum(s.masked_fill(~y, -1e9))).mean() + l2 * (w**2).sum()
        loss.backward()  # type: ignore[no-untyped-call]
        return loss

    opt.step(closure)  # type: ignore[no-untyped-call]
    return SpeakerModel({k: round(float(v), 6) for k, v in zip(FEATURES, w.detach(), strict=True)})


def accuracy(model: SpeakerModel, data: list[Choice]) -> float:
    """Share of quotations whose chosen candidate is right (none chosen: wrong)."""
    ok = 0
    for d in data:
        best = model.choose(d.cands)
        ok += best is not None and d.right[d.cands.index(best)]
    return ok / max(len(data), 1)


def _fold(article_id: str) -> int:
    return int(hashlib.md5(article_id.encode()).hexdigest(), 16) % FOLDS


def out_of_fold(data: list[Choice], l2: float = L2) -> float:
    """Accuracy on the fitted part, each fold scored by a fit on the other folds."""
    ok = 0.0
    for k in range(FOLDS):
        inside = [d for d in data if _fold(d.article_id) != k]
        held = [d for d in data if _fold(d.article_id) == k]
        ok += accuracy(fit(inside, l2), held) * len(held)
    return ok / max(len(data), 1)


def train(articles: dict[str, Article], annotations: list[dict[str, Any]], out: Path) -> dict[str, Any]:
    """Fit on the fitted part, write the weights to `out`, and report both parts."""
    fitted = list(choices(articles, annotations, "fitted"))
    if not fitted:
        raise ValueError("no annotated quotation of the fitted part was found: check --articles and --annotations")
    held = list(choices(articles, annotations, "held_back"))
    model = fit(fitted)
    report = {
        "quotations": {"fitted": len(fitted), "held_back": len(held)},
        "candidates_per_quotation": round(sum(len(d.cands) for d in fitted) / len(fitted), 1),
        "right_among_candidates": {
            p: _share([any(d.right) for d in ds]) for p, ds in (("fitted", fitted), ("held_back", held))
        },
        "rules": {p: _share([d.rule_right for d in ds]) for p, ds in (("fitted", fitted), ("held_back", held))},
        "model": {"fitted": round(accuracy(model, fitted), 3), "held_back": round(accuracy(model, held), 3)},
        "model_out_of_fold": round(out_of_fold(fitted), 3),
    }
    weights = {k: v for k, v in model.weights.items() if not math.isclose(v, 0.0, abs_tol=1e-6)}
    out.write_text(json.dumps({"weights": weights, "l2": L2, "report": report}, indent=1, sort_keys=True) + "\n")
    return report


def _share(flags: list[bool]) -> float:
    return round(sum(flags) / max(len(flags), 1), 3)
