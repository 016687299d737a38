"""The reader reorders the sentence scorer's best few candidates (issue #40, "both").

The scorer (`rag.scorer`) reads features of each sentence; it cannot see that „Wo trafen sich
…?“ is answered by „… am Rande eines Gipfels … in Malaysia getroffen“, which shares one word
with it. The reader (`rag.reader`, a cross-encoder on e5-small) reads the question and the sentence
together, with its title and neighbours, but costs about 35 ms a sentence on 2 cores, so it reads
only the scorer's best `RERANK_TOP`. Their order is the mix of both logits; the candidates below
keep the scorer's order.

The reader only orders. Whether to answer at all stays the scorer's one calibrated threshold,
and the answer's confidence its probability: the reader's scores were never calibrated against
that threshold, and two judges of the same question must not stand side by side.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from rag.evidence import Sentence, reader_candidates
from rag.reader.onnx_reader import Reader
from rag.retrieval import Passage

# How many of the scorer's best the reader reads: the evidence is among the scorer's best five
# for 0.947 of the held-out writer C4's answerable questions (0.927-0.994 for the training
# writers), so reading more could lift top-1 by little; five sentences cost the reader 110-162 ms
# a question at p50 (docs/experiments/2026-12-07-cross-encoder-rerank.md), inside #40's 300 ms.
RERANK_TOP = 5
# The reader's weight in the mix: the best mean top-1 over the training writers C1, C2, C3 and C5,
# their scorer probabilities out of fold, chosen again for the scorer trained with the question-level
# loss: 0.730, against 0.728 for the scorer alone and 0.640 for the reader alone (with the scorer
# before it: 0.721 at 0.3 against 0.708). So small a gain is why RAG_READER is off by default
# ("Chosen again" in docs/experiments/2026-12-07-cross-encoder-rerank.md).
READER_WEIGHT = 0.25


def _logit(p: float) -> float:
    q = min(max(p, 1e-6), 1 - 1e-6)  # 0 and 1 have no logit; 1e-6 bounds one at ±13.8
    return math.log(q / (1 - q))


def mixed(scorer: float, reader: float, weight: float = READER_WEIGHT) -> float:
    """The order of a reread candidate: the weighted sum of both logits."""
    return (1 - weight) * _logit(scorer) + weight * _logit(reader)


def rank_key(s: Sentence) -> tuple[int, float]:
    """Reread candidates first, by the mix; the rest by the scorer's probability."""
    return (0, -mixed(s.score, s.reread)) if s.reread is not None else (1, -s.score)


def best_first(sentences: Iterable[Sentence]) -> list[Sentence]:
    """Best first, as the answer quotes them."""
    return sorted(sentences, key=rank_key)


def rerank(reader: Reader, query: str, sentences: list[Sentence], passages: list[Passage]) -> None:
    """Let the reader read the scorer's best `RERANK_TOP` of `sentences`, each with its title and
    neighbours as in training (`rag.evidence.reader_candidates`), and set their `reread`."""
    best = sorted(sentences, key=lambda s: -s.score)[:RERANK_TOP]
    scores = reader.score(query, reader_candidates(sentences, passages, best))
    for s, p in zip(best, scores.tolist(), strict=True):
        s.reread = float(p)
