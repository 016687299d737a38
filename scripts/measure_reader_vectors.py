"""Measure what the embedder's own vectors know about "does this sentence answer the question",
on the reader's kept-back data, against the shipped cross-encoder's numbers (README, "The reader").

    .venv/bin/python scripts/measure_reader_vectors.py ../shared/data

Builds the reader's examples exactly as `rag train reader` does (`rag.reader.data`, seed 13,
without XGLUE QAM, whose web passages are no news sentences), embeds every question with the
query prompt and every sentence with the document prompt (EmbeddingGemma, int8 ONNX, as the
product does; 9,079 sentences and 1,926 questions take about 50 minutes on 2 cores, so the vectors
are cached in .cache/reader-vectors/), then prints JSON for:
logistic regressions fitted on the training part and measured on the kept-back part, on
- `cosine`: the question–sentence cosine alone (the score the product already computes; the fit
  only turns it into a probability, the ranking is the cosine's);
- `cosines`: the cosines with the sentence and with the sentences before and after it;
- `product`: the element-wise product of question and sentence vectors (a learned weighting of
  the cosine) and the three cosines.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rag.config import Settings
from rag.factory import build_embedder
from rag.reader.data import Example, build_examples
from rag.reader.train import measure

CACHE = Path(".cache/reader-vectors")


def embed_all(texts: list[str], how: str, embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    key = hashlib.sha256(("\n".join(texts) + how).encode()).hexdigest()[:16]
    path = CACHE / f"{how}-{key}.npy"
    if path.is_file():
        cached: np.ndarray = np.load(path)
        return cached
    vecs = embed(texts)  # the embedder batches by length itself, over all texts at once
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vecs)
    return vecs


def features(examples: list[Example], q: dict[str, np.ndarray], t: dict[str, np.ndarray]) -> np.ndarray:
    """Per pair: the element-wise product of question and sentence vectors, then the cosines
    with the sentence, the one before and the one after (the last three columns)."""
    zero = np.zeros(next(iter(t.values())).shape, np.float32)
    qv = np.stack([q[e.question] for e in examples])
    sv, bv, av = (
        np.stack([t.get(x, zero) for x in col])
        for col in zip(*((e.candidate.sentence, e.candidate.before, e.candidate.after) for e in examples), strict=True)
    )
    cos = np.stack([(qv * sv).sum(1), (qv * bv).sum(1), (qv * av).sum(1)], axis=1)
    return np.hstack([qv * sv, cos]).astype(np.float32)


def fit(x: np.ndarray, y: np.ndarray, weight_decay: float) -> tuple[np.ndarray, float]:
    import torch

    torch.manual_seed(13)
    xt, yt = torch.tensor(x), torch.tensor(y, dtype=torch.float32)
    lin = torch.nn.Linear(x.shape[1], 1)
    opt = torch.optim.LBFGS(lin.parameters(), max_iter=200, line_search_fn="strong_wolfe")
    pos_weight = (yt == 0).sum() / (yt == 1).sum()

    def closure() -> torch.Tensor:
        opt.zero_grad()
        logits = lin(xt).squeeze(-1)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, yt, pos_weight=pos_weight)
        loss = loss + weight_decay * (lin.weight**2).sum()
        loss.backward()  # type: ignore[no-untyped-call]
        return loss

    opt.step(closure)  # type: ignore[no-untyped-call]
    return lin.weight.detach().numpy().reshape(-1), float(lin.bias.detach())


def main(data: Path) -> None:
    embedder = build_embedder(Settings(embedder="embeddinggemma", generator="none"))
    split = build_examples(data, 13, qam_rows=0)
    every = split.train + split.held_out
    texts = sorted({x for e in every for x in (e.candidate.sentence, e.candidate.before, e.candidate.after) if x})
    questions = sorted({e.question for e in every})
    print(f"{len(split.train)} training pairs, {len(split.held_out)} kept back, {len(texts)} sentences, "
          f"{len(questions)} questions", file=sys.stderr)  # fmt: skip
    qv = dict(zip(questions, embed_all(questions, "query", lambda b: np.stack([embedder.embed_query(x) for x in b])),
                  strict=True))  # fmt: skip
    tv = dict(zip(texts, embed_all(texts, "document", embedder.embed_documents), strict=True))
    y_train = np.array([e.label for e in split.train])
    kept = split.held_out
    train_x, kept_x = features(split.train, qv, tv), features(kept, qv, tv)  # once, sliced per head
    out: dict[str, object] = {}
    for name, columns, decay in (
        ("cosine", slice(-3, -2), 0.0),  # calibrated to a probability; ranks exactly as the cosine
        ("cosines", slice(-3, None), 1e-4),
        ("product", slice(None), 1e-2),
    ):
        w, b = fit(train_x[:, columns], y_train, decay)
        logits = kept_x[:, columns] @ w + b
        out[name] = {"weights": [round(float(x), 3) for x in w[:3]], "bias": round(b, 3)} if name != "product" else {}
        out[name] |= measure(kept, 1.0 / (1.0 + np.exp(-logits)))  # type: ignore[operator]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
