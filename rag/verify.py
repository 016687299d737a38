"""Check every generated sentence against the passages before it may reach the user.

A sentence is supported by a passage sentence when (1) enough of its content words occur
there, (2) every number and every name in it occurs in that passage, and (3) it is close to
that sentence in embedding space. The cited passage is tried first; if another passage supports
the sentence instead, the citation moves there (as RAGFlow re-attaches citations). Sentences no
passage supports are dropped. Non-German sentences are unsupported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index.analyzer import fold
from index.embedder import Embedder
from index.sentences import split_sentences
from rag.evidence import Sentence, sentence_vectors
from rag.lang_de import names
from rag.text import cited_numbers, content_terms, is_german, numbers, strip_citations, term_overlap

_LABEL = re.compile(r"(^|\n)\s*(Antwort|Quellen?|Frage)\s*:", re.I)


_LEADING_CITES = re.compile(r"^(\s*\[\d+\])+")


@dataclass(frozen=True)
class VerifyParams:
    min_overlap: float = 0.6
    min_dense: float = 0.75
    max_novel_terms: int = 0
    min_terms: int = 3  # "HACKED" or "Ja." quote a passage but state nothing


@dataclass
class Checked:
    text: str  # without [n] markers
    passage: int | None  # index of the supporting passage, None if unsupported
    evidence: Sentence | None
    reason: str = ""


def split_answer(text: str) -> list[str]:
    """Generated text into sentences; a trailing [n] marker stays with its sentence."""
    out: list[str] = []
    text = _LABEL.sub(" ", text)
    for s, e in split_sentences(text):
        piece = text[s:e].strip()
        lead = _LEADING_CITES.match(piece)
        if lead and out:
            # "[1] Next sentence." : the marker belongs to the sentence before it
            out[-1] += " " + lead.group(0).strip()
            piece = piece[lead.end() :].strip()
        if piece:
            out.append(piece)
    return out


_NEGATION = re.compile(r"\b(nicht|kein\w*|nie|niemals|nichts|weder|ohne)\b", re.I)


def supports(claim: str, evidence: str, passage_text: str, params: VerifyParams) -> tuple[bool, str]:
    """Strict on purpose: a small model swaps subjects and adds details while reusing most of
    a sentence's words, so names, numbers and negation must match the evidence sentence
    itself, and no content word may come from outside the passage."""
    terms = content_terms(claim)
    if len(terms) < params.min_terms:
        return False, f"fewer than {params.min_terms} content words: not a statement"
    overlap = term_overlap(terms, content_terms(evidence))
    if overlap < params.min_overlap:
        return False, f"content-word overlap {overlap:.2f}"
    passage_terms = content_terms(passage_text)
    novel = sorted(t for t in terms if term_overlap({t}, passage_terms) == 0)
    if len(novel) > params.max_novel_terms:
        return False, "words not in passage: " + ", ".join(novel)
    missing_numbers = numbers(claim) - numbers(evidence)
    if missing_numbers:
        return False, "numbers not in the quoted sentence: " + ", ".join(sorted(missing_numbers))
    folded = fold(evidence)
    missing_names = sorted(n for n in names(claim) if n not in folded)
    if missing_names:
        return False, "names not in the quoted sentence: " + ", ".join(missing_names)
    if bool(_NEGATION.search(claim)) != bool(_NEGATION.search(evidence)):
        return False, "negation differs from the quoted sentence"
    return True, ""


def _previous(sentences: list[Sentence], j: int) -> Sentence | None:
    if j == 0:
        return None
    prev, cur = sentences[j - 1], sentences[j]
    return prev if prev.passage == cur.passage and prev.end <= cur.start else None


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
    sv = sentence_vectors(passage_sentences, embedder)
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
        reasons = []
        for j in candidates[:8]:
            s = passage_sentences[int(j)]
            if sims[i, j] < params.min_dense:
                reasons.append(f"similarity {sims[i, j]:.2f}")
                continue
            ok, why = supports(claim, s.text, passage_texts[s.passage], params)
            if ok:
                found = Checked(claim, s.passage, s)
                break
            prev = _previous(passage_sentences, int(j))
            if prev is not None:
                # "Er ist 12 Kilometer lang." needs the sentence before it to say who "er" is.
                pair = Sentence(s.passage, s.article, prev.start, s.end, f"{prev.text} {s.text}")
                ok, pair_why = supports(claim, pair.text, passage_texts[s.passage], params)
                if ok:
                    found = Checked(claim, s.passage, pair)
                    break
                why = pair_why
            reasons.append(why)
        reason = reasons[0] if reasons else "no supporting sentence"  # the best candidate's
        out.append(found or Checked(claim, None, None, reason))
    return out
