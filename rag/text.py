"""Small German text measures shared by answer selection and verification."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

from index.analyzer import analyze

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CITE = re.compile(r"\s*\[(\d+)\]")
_MARKER = re.compile(r"\[(\d+)\]")
# Quoted article text may itself hold "[2]" (a footnote, a forged reference). In the answer it
# would read as citation 2, so quoted text shows such brackets as their full-width forms.
_DEFUSED = str.maketrans({"［": "[", "］": "]"})

_EN_WORDS = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "is",
        "was",
        "were",
        "that",
        "with",
        "for",
        "this",
        "are",
        "on",
        "have",
        "has",
        "it",
        "by",
        "from",
        "which",
        "said",
        "will",
        "not",
        "be",
        "as",
        "at",
        "an",
        "they",
        "their",
        "there",
        "been",
        "would",
        "about",
    ]
)
_DE_WORDS = frozenset(
    [
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "ein",
        "eine",
        "mit",
        "von",
        "zu",
        "den",
        "des",
        "dem",
        "sich",
        "auf",
        "für",
        "im",
        "sie",
        "es",
        "wurde",
        "dass",
        "auch",
        "als",
        "bei",
        "nach",
        "aus",
        "wie",
        "sei",
        "sind",
        "hat",
        "haben",
        "werden",
    ]
)


def content_terms(text: str) -> set[str]:
    """Stemmed content words (stop words removed)."""
    return {t for t in analyze(text) if len(t) > 1}


def term_matches(term: str, terms: set[str], compound_heads: bool = False) -> bool:
    """Is `term` in `terms`? A term of 4+ letters also matches inside a German compound
    ("minist" in "verteidigungsminist"). With `compound_heads`, a 4+ letter word of `terms`
    also matches inside `term` ("kopf" for "kopfgeld"): looser, so never used for verification."""
    if term in terms or (len(term) >= 4 and any(term in t for t in terms)):
        return True
    return compound_heads and any(len(t) >= 4 and t in term for t in terms)


def on_topic(topic_terms: AbstractSet[str], text: str) -> bool:
    """Is `text` about the topic X of „Was wurde über X gesagt?“: does it share a stemmed content
    word with it? The one rule for topic answers and the speaker view."""
    return bool(topic_terms) and not topic_terms.isdisjoint(content_terms(text))


def term_overlap(question_terms: AbstractSet[str], terms: set[str], compound_heads: bool = False) -> float:
    """Share of question terms found in `terms` (see `term_matches`)."""
    if not question_terms:
        return 0.0
    return sum(term_matches(q, terms, compound_heads) for q in question_terms) / len(question_terms)


def numbers(text: str) -> set[str]:
    return {n.replace(",", ".").rstrip(".") for n in _NUMBER.findall(text)}


def defuse_markers(text: str) -> str:
    """ "aufgelöst [2]." → "aufgelöst ［2］.": quoted text can never carry a citation marker."""
    return _MARKER.sub("［\\1］", text)


def restore_markers(text: str) -> str:
    """The inverse of `defuse_markers`, to compare an answer sentence with its source."""
    return text.translate(_DEFUSED)


def strip_citations(text: str) -> str:
    return _CITE.sub("", text).strip()


def cited_numbers(text: str) -> list[int]:
    return [int(n) for n in _CITE.findall(text)]


def german_score(text: str) -> float:
    """Share of German among recognised function words (1.0 when none are found)."""
    toks = re.findall(r"[a-zäöüß]+", text.lower())
    de = sum(t in _DE_WORDS for t in toks)
    en = sum(t in _EN_WORDS for t in toks)
    return 1.0 if de + en == 0 else de / (de + en)


def is_german(text: str) -> bool:
    return german_score(text) >= 0.6
