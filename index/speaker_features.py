"""The features a speaker candidate is scored by (`index.speaker_choice` finds the candidates,
`index.speaker_model` weighs them): where it comes from, how far back, where it stands against
the cue and the quote, and whether the rules or the quotation before named the same person."""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.names import Mention
from index.quotations import Quotation
from index.quote_cues import PREPOSITION, SUBJUNCTIVE
from index.quote_speaker import introductions
from index.sentences import Span, overlaps

# a coordinated subject („Er und Dong seien sich einig“): each conjunct is one of several speakers
_AND_AFTER = re.compile(r"\s+(?:und|sowie)\s+")
_AND_BEFORE = re.compile(r"\b(?:und|sowie)\s+$")
_OBLIQUE = frozenset({"dem", "den", "des", "einem", "einen", "eines"})
_LAUT_BEFORE = re.compile(r"\b(?:laut|so|zufolge|nach\s+Angaben)\s*$", re.I)
# Words between a candidate and the cue: counted up to 10 (a subject or source further off is
# rare), and „next to it“ is no word between before the verb („Hegseth erklärte“), up to two after
# it, where an article and a title may stand („sagte der Minister Pistorius“).
_GAP_WORDS, _NEXT_BEFORE, _NEXT_AFTER = 10, 1, 2

FEATURES = (
    # where the candidate comes from
    "person", "name", "place", "genitive", "full_name", "pronoun", "demonstrative",
    "phrase", "phrase_person", "phrase_named", "phrase_apposition", "phrase_role", "phrase_indefinite",
    "phrase_title", "phrase_bare", "phrase_common", "phrase_lower", "phrase_words", "phrase_time",
    "oblique", "oblique_after_laut", "carried", "pointer", "rule",
    # how far back, and whether the rules or the quotation before named the same
    "back0", "back1", "back2", "back3", "back-1", "rule_name", "rule_span", "previous_name",
    # how often the article names this person
    "count", "most_named",
    # where it stands in the quotation's sentence
    "before_cue", "after_cue", "in_cue", "no_cue", "gap_before", "gap_after", "next_before",
    "next_after", "nearest_before", "nearest_after", "before_quote", "after_quote",
    "sentence_start", "clause_start", "after_preposition", "after_laut", "comma_after", "subject",
    "after_und", "before_und",
    # the sentence's mood and kind, for the candidates that reach back
    *(f"{k}_{c}" for k in ("carried", "back1", "back2", "rule") for c in ("no_cue", "subjunctive", "direct")),
)  # fmt: skip


# (source, name, span, sentences back, source-specific features) of a candidate before its context
Found = tuple[str, str, Span | None, int, dict[str, float]]


@dataclass(frozen=True)
class Candidate:
    """One possible speaker: the name stored if chosen, where it stands (None when carried over
    from the quotation before) and the features the model reads."""

    name: str
    span: Span | None
    features: dict[str, float]


@dataclass(frozen=True)
class Article:
    """What every candidate of one article is read against."""

    text: str
    sentences: Sequence[Span]
    mentions: Sequence[Mention]
    roles: list[tuple[int, str, str]]
    counts: Counter[str]
    starts: list[int]  # of the sentences

    @classmethod
    def of(cls, text: str, sentences: Sequence[Span], mentions: Sequence[Mention]) -> Article:
        counts = Counter(m.name for m in mentions if m.kind == "person")
        roles = introductions(text, list(mentions))
        return cls(text, sentences, mentions, roles, counts, [s for s, _ in sentences])

    def sentence_of(self, at: int) -> int:
        return max(0, bisect_right(self.starts, at) - 1)


def with_context(article: Article, q: Quotation, previous: Quotation | None, found: list[Found]) -> list[Candidate]:
    """The candidates with the features that say where each stands (`FEATURES`)."""
    text = article.text
    s0, e0 = article.sentences[article.sentence_of(q.frame[0])]
    top = max(article.counts.values(), default=0)
    subjunctive = bool(SUBJUNCTIVE.search(text[s0:e0]))
    out: list[Candidate] = []
    for source, name, span, back, extra in found:
        f: dict[str, float] = {source: 1.0, f"back{back}": 1.0, **extra}
        f["rule_name"] = float(q.speaker is not None and name == q.speaker)
        f["rule_span"] = float(bool(span and q.speaker_span and overlaps(span, q.speaker_span)))
        f["previous_name"] = float(previous is not None and previous.speaker == name)
        count = article.counts.get(name, 0)
        f["count"], f["most_named"] = math.log1p(count), float(count > 0 and count == top)
        if span is not None and back == 0:
            f |= _position(text, s0, span, q)
        if span is not None:
            f["comma_after"] = float(text[span[1] : span[1] + 1] == ",")
            f["before_und"] = float(bool(_AND_AFTER.match(text, span[1])))
            f["after_und"] = float(bool(_AND_BEFORE.search(text[max(0, span[0] - 8) : span[0]])))
        for k in ("carried", "back1", "back2", "rule"):
            if f.get(k):
                f[f"{k}_no_cue"] = float(q.cue is None)
                f[f"{k}_subjunctive"] = float(subjunctive)
                f[f"{k}_direct"] = float(q.kind == "direct")
        out.append(Candidate(name, span, f))
    _nearest(out, "before_cue", lambda c: -c.span[1] if c.span else 0)
    _nearest(out, "after_cue", lambda c: c.span[0] if c.span else 0)
    return out


def _position(text: str, s0: int, span: Span, q: Quotation) -> dict[str, float]:
    f: dict[str, float] = {}
    if q.cue is None:
        f["no_cue"] = 1.0
    elif span[1] <= q.cue[0]:
        gap = len(text[span[1] : q.cue[0]].split())
        f |= {
            "before_cue": 1.0,
            "gap_before": min(gap, _GAP_WORDS) / _GAP_WORDS,
            "next_before": float(gap <= _NEXT_BEFORE),
        }
    elif span[0] >= q.cue[1]:
        gap = len(text[q.cue[1] : span[0]].split())
        f |= {"after_cue": 1.0, "gap_after": min(gap, _GAP_WORDS) / _GAP_WORDS, "next_after": float(gap <= _NEXT_AFTER)}
    else:
        f["in_cue"] = 1.0
    if span[1] <= q.quote[0]:
        f["before_quote"] = 1.0
    elif span[0] >= q.quote[1]:
        f["after_quote"] = 1.0
    head = text[s0 : span[0]]
    if not head.strip(' „“"\n'):
        f["sentence_start"] = 1.0
        f["subject"] = f.get("before_cue", 0.0)
    elif head.rstrip().endswith((",", ":")):
        f["clause_start"] = 1.0
    f["after_preposition"] = float(bool(PREPOSITION.search(head)))
    f["after_laut"] = float(bool(_LAUT_BEFORE.search(head)))
    # a subject is in the nominative: „dem Sprecher“, „des Ministeriums“ speak only as a source
    # („laut dem Sprecher“, „nach Angaben des Ministeriums“)
    article = text[span[0] : span[1]].split()[0].lower() if text[span[0] : span[1]].split() else ""
    if article not in _OBLIQUE:
        article = (head.split() or [""])[-1].lower()
    if article in _OBLIQUE:
        f["oblique"] = 1.0
        f["oblique_after_laut"] = f["after_laut"]
    return f


def _nearest(cands: list[Candidate], side: str, key: Callable[[Candidate], int]) -> None:
    """Mark the candidate nearest the cue on one side („nearest_before“, „nearest_after“)."""
    on_side = [c for c in cands if c.features.get(side)]
    if on_side:
        min(on_side, key=key).features["nearest_" + side.split("_")[0]] = 1.0
