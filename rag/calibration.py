"""The weights and thresholds that depend on an embedder's similarity scale, one set per model.

Cosines do not carry over between models: over the candidate sentences of the 60 news dev
questions, e5-small's question–sentence cosines lie between about 0.7 and 0.9, EmbeddingGemma's
between about 0.1 and 0.7. Every rule that reads a dense similarity (the sentence score, the
"nothing related" check, the verifier's similarity floor) therefore has its numbers per model,
each fitted on the whole news dev set with that model (`rag eval answers`; README tables).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from rag.abstain import SIGNALS, AbstainParams
from rag.abstain_model import load_check
from rag.extractive import ExtractiveParams
from rag.verify import VerifyParams

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Calibration:
    extractive: ExtractiveParams
    abstain: AbstainParams
    verify: VerifyParams
    # The learned abstention check fitted with this model (`rag train abstention`): its file beside
    # this module and the file's sha256; None: the rules alone.
    learned: tuple[str, str] | None = None

    def with_learned(self, model: str) -> Calibration:
        """This set with its learned check loaded into `abstain` (a ModelError when it was changed)."""
        if self.learned is None:
            return self
        name, sha = self.learned
        check = load_check(Path(__file__).with_name(name), sha, SIGNALS, model)
        return replace(self, abstain=replace(self.abstain, learned=check))


# The defaults of the three classes were fitted with e5-small (their docstrings).
E5_SMALL = Calibration(ExtractiveParams(), AbstainParams(), VerifyParams())
# `scripts/fit_calibration.py embeddinggemma`: citation_hit peaks at w_dense 0.45 (0.792, against
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
    # `rag train abstention --data ../shared/data --out rag/abstain-embeddinggemma.json`
    learned=("abstain-embeddinggemma.json", "c2318c519351519cfdaf5ff24a011e09050a8c2f492ddb09837262ac2b5a8e00"),
)
BY_MODEL = {"multilingual-e5-small": E5_SMALL, "embeddinggemma-300m": EMBEDDINGGEMMA}


def model_of(embedder_name: str) -> str:
    """The model behind an embedder's name ("<folder>" or "<folder>+int8")."""
    return embedder_name.split("+", 1)[0]


def calibration_for(embedder_name: str, learned: bool = True) -> Calibration:
    """The set for the model behind `embedder_name`, with its learned abstention check unless
    `learned` is False (the rules alone, as when refitting it)."""
    model = model_of(embedder_name)
    found = BY_MODEL.get(model)
    if found is None:
        log.warning("no calibration for embedder %r: using e5-small's rules; fit a set on a dev set", model)
        return E5_SMALL
    return found.with_learned(model) if learned else found
