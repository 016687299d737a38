"""The weights and thresholds that depend on an embedder's similarity scale, one set per model.

Cosines do not carry over between models: over the candidate sentences of the 60 news dev
questions, e5-small's question–sentence cosines lie between about 0.7 and 0.9, EmbeddingGemma's
between about 0.1 and 0.7. Every rule that reads a dense similarity (the sentence score, the
"nothing related" check, the verifier's similarity floor) therefore has its numbers per model,
each fitted on the whole news dev set with that model (`rag eval answers`; tables in docs/experiments/).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from rag.abstain import AbstainParams
from rag.extractive import ExtractiveParams
from rag.scorer import SentenceScorer, load_scorer
from rag.scorer_features import FEATURES
from rag.verify import VerifyParams

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Calibration:
    extractive: ExtractiveParams
    abstain: AbstainParams
    verify: VerifyParams
    # The sentence scorer trained on this model's similarities (`rag train scorer`): its file
    # beside this module and the file's sha256; None: the rule score and rules choose and abstain.
    scorer_file: tuple[str, str] | None = None
    scorer: SentenceScorer | None = None  # loaded by `with_scorer`

    def with_scorer(self, model: str) -> Calibration:
        """This set with its scorer loaded (a ModelError when the file was changed)."""
        if self.scorer_file is None:
            return self
        name, sha = self.scorer_file
        return replace(self, scorer=load_scorer(Path(__file__).with_name(name), sha, FEATURES, model))


# The defaults of the three classes were fitted with e5-small (their docstrings).
E5_SMALL = Calibration(ExtractiveParams(), AbstainParams(), VerifyParams())
# `scripts/experiments/fit_calibration.py embeddinggemma`: citation_hit peaks at w_dense 0.45 (0.792, against
# 0.771 at 0.3 and lower above 0.6; the other features keep their e5 weights) with margin 0.12.
# min_dense changes nothing between 0.30 and 0.40 and loses answerable questions from 0.45 on,
# so it sits mid-plateau; lexical_dense changes nothing from 0.4 to 0.6.
# The verifier's similarity floor is a loose first filter; the word checks decide. Between each
# dev answer and its evidence sentence, e5's lowest cosine is 0.837 (floor 0.75) and
# EmbeddingGemma's 0.334, so its floor is 0.3: no true support is cut by it.
EMBEDDINGGEMMA = Calibration(
    ExtractiveParams(w_dense=0.45, margin=0.12),
    AbstainParams(min_dense=0.35, lexical_dense=0.5),
    VerifyParams(min_dense=0.3),
    # `rag train scorer --data ../shared/data --news-questions rag/reader/news_questions.jsonl
    #  --out rag/scorer-embeddinggemma.npz` (held-out writer C4; docs/experiments/2026-12-07-sentence-scorer.md)
    scorer_file=("scorer-embeddinggemma.npz", "014432347916f9b9eaef3d6656e19864f10f47a9daec878388cdd0fcdd9c7d3f"),
)
BY_MODEL = {"multilingual-e5-small": E5_SMALL, "embeddinggemma-300m": EMBEDDINGGEMMA}


def model_of(embedder_name: str) -> str:
    """The model behind an embedder's name ("<folder>" or "<folder>+int8")."""
    return embedder_name.split("+", 1)[0]


def calibration_for(embedder_name: str, scorer: bool = True) -> Calibration:
    """The set for the model behind `embedder_name`, with its sentence scorer unless `scorer` is
    False (the rule score and the abstention rules)."""
    model = model_of(embedder_name)
    found = BY_MODEL.get(model)
    if found is None:
        log.warning("no calibration for embedder %r: using e5-small's rules; fit a set on a dev set", model)
        return E5_SMALL
    return found.with_scorer(model) if scorer else found
