"""The weights that pick a quotation's speaker among its candidates (`index.speaker_choice`),
and the pass that applies them to an article's quotations. The weights are a table in
`speaker-choice.json` (2 KB), written by `rag train speakers`, with the report of that run."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from index.errors import ModelError
from index.names import Mention
from index.quotations import Quotation
from index.sentences import Span
from index.speaker_choice import candidates
from index.speaker_features import FEATURES, Article, Candidate

WEIGHTS_FILE = "speaker-choice.json"
# The stored speakers depend on these weights: new ones (`rag train speakers`) need a new sha here
# and `index.speech.VERSION` raised, so that indexes annotated with the old ones are annotated
# again on load. A test holds the file to this sha.
WEIGHTS_SHA256 = "e3c517202cb06188f11bbdd88dc51e9e880b1fb8e5061f0de7c95fe48cb84e28"


@dataclass(frozen=True)
class SpeakerModel:
    """A linear score per candidate; the highest-scored candidate speaks."""

    weights: dict[str, float]

    def score(self, c: Candidate) -> float:
        return sum(self.weights.get(k, 0.0) * v for k, v in c.features.items())

    def choose(self, cands: Iterable[Candidate]) -> Candidate | None:
        return max(cands, key=self.score, default=None)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SpeakerModel:
        unknown = set(d["weights"]) - set(FEATURES)
        if unknown:
            raise ModelError(f"{WEIGHTS_FILE} names features this code does not compute: {sorted(unknown)}")
        return cls({k: float(v) for k, v in d["weights"].items()})


@lru_cache(maxsize=1)
def shipped_model() -> SpeakerModel:
    """The weights `rag train speakers` wrote into the package."""
    try:
        raw = resources.files("index").joinpath(WEIGHTS_FILE).read_text(encoding="utf-8")
        return SpeakerModel.from_dict(json.loads(raw))
    except (OSError, ValueError, KeyError) as e:
        raise ModelError(
            f"The speaker model index/{WEIGHTS_FILE} is missing or unreadable ({e}): restore it from git, "
            "or write it anew with `rag train speakers`"
        ) from e


def choose_speakers(
    text: str, sentences: Sequence[Span], mentions: Sequence[Mention], quotations: list[Quotation], model: SpeakerModel
) -> list[Quotation]:
    """`quotations` with each speaker chosen by `model`, first to last, so a speaker carried
    over is the one chosen for the quotation before."""
    article = Article.of(text, sentences, mentions)
    out: list[Quotation] = []
    for q in quotations:
        best = model.choose(candidates(article, q, out[-1] if out else None))
        out.append(q if best is None else _with_speaker(q, best))
    return out


def _with_speaker(q: Quotation, c: Candidate) -> Quotation:
    return replace(q, speaker=c.name, speaker_span=c.span, parts=list(q.parts))
