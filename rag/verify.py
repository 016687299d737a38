"""Check every generated sentence against the passages before it may reach the user.

A sentence is supported by a passage sentence when (1) enough of its content words occur
there, (2) every number and every name in it occurs in that passage, and (3) it is close to
that sentence in embedding space. The cited passage is tried first; if another passage supports
the sentence instead, the citation moves there (as RAGFlow re-attaches citations). Sentences no
passage supports are dropped. Non-German sentences are unsupported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.analyzer import fold
from index.embedder import Embedder
from index.sentences import split_sentences
from rag.extractive import Sentence
from rag.text import cited_numbers, content_terms, is_german, names, numbers, strip_citations


@dataclass(frozen=True)
class VerifyParams:
    min_overlap: float = 0.5
    min_dense: float = 0.82


@dataclass
class Checked:
    text: str  # without [n] markers
    passage: int | None  # index of the supporting passage, None if unsupported
    evidence: Sentence | None
    reason: str = ""


def split_answer(text: str) -> list[str]:
    """Generated text into sentences; a trailing [n] marker stays with its sentence."""
    out = []
    for s, e in split_sentences(text):
        piece = text[s:e].strip()
        if piece.startswith("[") and out:
            out[-1] += " " + piece
        elif piece:
            out.append(piece)
    return out


def _supports(claim: str, evidence: str, passage_text: str, params: VerifyParams) -> tuple[bool, str]:
    terms = content_terms(claim)
    if not terms:
        return False, "no content words"
    overlap = len(terms & content_terms(evidence)) / len(terms)
    if overlap < params.min_overlap:
        return False, f"content-word overlap {overlap:.2f}"
    missing_numbers = numbers(claim) - numbers(passage_text)
    if missing_numbers:
        return False, "numbers not in passage: " + ", ".join(sorted(missing_numbers))
    folded = fold(passage_text)
    missing_names = {n for n in names(claim) if n not in folded}
    if missing_names:
        return False, "names not in passage: " + ", ".join(sorted(missing_names))
    return True, ""


def verify_sentences(
    generated: list[str],
    passage_sentences: list[Sentence],
    passage_texts: list[str],
    embedder: Embedder,
    params: VerifyParams | None = None,
) -> list[Checked]:
    params = params or VerifyParams()
    claims = [strip_citations(g) for g in generated]
    if not claims or not passage_sentences:
        return [Checked(c, None, None, "no passages") for c in claims]
    cv = embedder.embed_documents(claims)
    sv = embedder.embed_documents([s.text for s in passage_sentences])
    sims = cv @ sv.T
    out = []
    for i, (raw, claim) in enumerate(zip(generated, claims, strict=True)):
        if not is_german(claim):
            out.append(Checked(claim, None, None, "not German"))
            continue
        cited = [n - 1 for n in cited_numbers(raw)]
        order = np.argsort(-sims[i])
        # cited passages first, then every other passage by similarity
        candidates = [j for j in order if passage_sentences[j].passage in cited] + [
            j for j in order if passage_sentences[j].passage not in cited
        ]
        found: Checked | None = None
        reason = "no supporting sentence"
        for j in candidates[:8]:
            s = passage_sentences[int(j)]
            if sims[i, j] < params.min_dense:
                reason = f"similarity {sims[i, j]:.2f}"
                continue
            ok, why = _supports(claim, s.text, passage_texts[s.passage], params)
            if ok:
                found = Checked(claim, s.passage, s)
                break
            reason = why
        out.append(found or Checked(claim, None, None, reason))
    return out
