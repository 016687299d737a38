"""Who said it, learned: every noun phrase that could be a quotation's speaker, scored.

The word-order rules of `index.quote_speaker` name one speaker per quotation. On the held-back
fifth of the Wikinews quotation annotations they were right for 0.671 of the quotations
(`rag eval quotations`); the speaker the annotators marked was among the candidates below for
0.919. So the rules' choice became one input among others, and a linear model over the
candidates picks (a conditional logit: one softmax over each quotation's candidates, trained by
`rag train speakers` on the other four fifths; `index.speaker_model` holds the weights and picks).

Candidates come from the quotation's sentence and the two before it, outside quotation marks:
- name mentions (`index.names`), persons, places and other names;
- pronouns („er“, „sie“) and demonstratives („Dieser“), each standing for the last person
  named before it;
- noun phrases: with an article („die ermittelnde Polizei“), without one at a clause start
  („Kritiker“, „Verschiedene Medien“), and the word after „laut“ or „so“ („laut ndr.de“). A
  role phrase is the person introduced with the role (`by_role`), one holding a name is that
  person;
- the speaker of the quotation before (reported speech goes on in the subjunctive), and the
  rules' own choice.

A linear model, not a small MLP: with 16 hidden units it measured no better out of fold on the
fitted part (0.718 against 0.720) and is harder to read; its weights are a table.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.analyzer import STOP_WORDS
from index.names import TITLE, Mention, lexicon
from index.quotations import MIN_QUOTE_WORDS, Quotation, quote_spans
from index.quote_cues import (
    BARE_PHRASE,
    DEMONSTRATIVE,
    PREPOSITION,
    PRONOUN,
    SOURCE_AFTER,
    SPEAKER_PHRASE,
    SUBJUNCTIVE,
)
from index.quote_speaker import by_role, genitive, introductions, named_in_or_after, pronoun_referent
from index.sentences import Span

# The sentences around a quotation's first that may name its speaker. Of the 1,413 fitted
# quotations, the annotated speaker stood in the same sentence for 1,218, 1 / 2 / 3 / 4 before
# for 111 / 29 / 15 / 7, further back for 3, and in the sentence after for 25 („… Das sagte X.“).
BACK, AHEAD = 3, 1
_STOP = frozenset(w.lower() for w in STOP_WORDS)
_INDEFINITE = frozenset({"ein", "eine", "einer", "eines", "einem"})
_ARTICLES = frozenset({"der", "die", "das", "dem", "den", "des", *_INDEFINITE})
# what may stand between a role and the name set off after it: a genitive („der Fluggesellschaft“)
_APPOSITION = re.compile(r"(?:\s+(?:der|des|von|vom)\s+(?:[\w-]+\s+){0,3}?[A-ZÄÖÜ][\w-]*)?,\s*")
# a coordinated subject („Er und Dong seien sich einig“): each conjunct is one of several speakers
_AND_AFTER = re.compile(r"\s+(?:und|sowie)\s+")
_AND_BEFORE = re.compile(r"\b(?:und|sowie)\s+$")
_OBLIQUE = frozenset({"dem", "den", "des", "einem", "einen", "eines"})
# „Anfang Juli“, „Ende der Woche“: a time, not a source
_TIME_WORDS = frozenset((
    "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
    "November", "Dezember", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag",
    "Anfang", "Ende", "Mitte", "Jahr", "Jahres", "Jahren", "Woche", "Monat", "Tag", "Tage", "Tagen", "Uhr",
    "Morgen", "Abend", "Nacht",
))  # fmt: skip
_ROLE_HEAD = re.compile(r"\b(?:laut|so|zufolge|nach\s+Angaben)\s*$", re.I)

FEATURES = (
    # where the candidate comes from
    "person", "name", "place", "genitive", "full_name", "pronoun", "demonstrative",
    "phrase", "phrase_person", "phrase_named", "phrase_apposition", "phrase_role", "phrase_indefinite",
    "phrase_title", "phrase_bare",
    "phrase_common", "phrase_lower", "phrase_words", "phrase_time", "oblique", "oblique_after_laut",
    "carried", "rule",
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
_Found = tuple[str, str, Span | None, int, dict[str, float]]


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

    @classmethod
    def of(cls, text: str, sentences: Sequence[Span], mentions: Sequence[Mention]) -> Article:
        counts = Counter(m.name for m in mentions if m.kind == "person")
        return cls(text, sentences, mentions, introductions(text, list(mentions)), counts)

    def sentence_of(self, at: int) -> int:
        return max(0, bisect_right([s for s, _ in self.sentences], at) - 1)


def candidates(article: Article, q: Quotation, previous: Quotation | None) -> list[Candidate]:
    """The possible speakers of `q`, with their features (`FEATURES`)."""
    text, mentions = article.text, article.mentions
    i = article.sentence_of(q.frame[0])
    found: list[_Found] = []
    for k in range(max(0, i - BACK), min(len(article.sentences), i + AHEAD + 1)):
        s, e = article.sentences[k]
        # quotes as the finder counts them: a short one („Die Zeit“, „Reuters“) may be a name
        quoted = [
            (s + a, s + b) for a, b in quote_spans(text[s:e]) if len(text[s + a : s + b].split()) >= MIN_QUOTE_WORDS
        ]

        def outside(a: int, b: int, quoted: list[Span] = quoted) -> bool:
            return not any(x <= a and b <= y for x, y in quoted)

        for m in mentions:
            if s <= m.start and m.end <= e and outside(m.start, m.end):
                extra = {"genitive": float(genitive(m)), "full_name": float(len(m.name.split()) > 1)}
                found.append((m.kind, m.name, (m.start, m.end), i - k, extra))
        for word in [*PRONOUN.finditer(text, s, e), *DEMONSTRATIVE.finditer(text, s, e)]:
            if not outside(word.start(), word.end()):
                continue
            if word.re is PRONOUN:
                # with what follows: „Er und Dong“ is not Dong
                who = pronoun_referent(word.start(), text[word.start() : e], mentions)
                source = "pronoun"
            else:
                who = _last_person(word.start(), mentions)
                source = "demonstrative"
            if who is not None:
                found.append((source, who, (word.start(), word.end()), i - k, {}))
        seen: set[Span] = set()
        sentence = text[s:e]  # phrases matched in the sentence alone: „^“ is its start
        for phrase in (p for r in (SPEAKER_PHRASE, BARE_PHRASE, SOURCE_AFTER) for p in r.finditer(sentence)):
            g = "source" if "source" in phrase.re.groupindex else 0
            a, b = s + phrase.start(g), s + phrase.end(g)
            words = phrase.group(g).split()
            if (a, b) in seen or not outside(a, b) or words[-1].strip('„“"').lower() in _STOP:
                continue
            seen.add((a, b))
            name, span, extra = _phrase(article, phrase.group(g), a, b)
            found.append(("phrase", name, span, i - k, extra))
    if previous is not None and previous.speaker:
        found.append(("carried", previous.speaker, None, 0, {}))
    if q.speaker:
        found.append(("rule", q.speaker, q.speaker_span, 0, {}))
    return _with_context(article, q, previous, found)


def _phrase(article: Article, phrase: str, a: int, b: int) -> tuple[str, Span, dict[str, float]]:
    """A noun phrase's speaker: the person named inside it, else the person introduced with its
    role, else the phrase itself („die Polizei“)."""
    words = phrase.split()
    head = words[-1].strip('„“"')
    lex = lexicon()
    extra = {
        "phrase_indefinite": float(words[0].lower() in _INDEFINITE),
        "phrase_title": float(bool(TITLE.search(head))),
        "phrase_bare": float(words[0].lower() not in _ARTICLES),
        "phrase_common": float(any(w in lex.common for w in (head, head[:-1], head[:-2]))),
        "phrase_lower": float(head.islower()),
        "phrase_words": min(len(words), 5) / 5,
        "phrase_time": float(any(w.strip(".,") in _TIME_WORDS for w in words)),
    }
    # a person named in it, also one it cuts off („laut Polizeisprecher Hans“ of „… Hans Müller“)
    inside = [m for m in article.mentions if m.start < b and a < m.end and m.kind == "person"]
    if inside:
        return inside[-1].name, (a, max(b, inside[-1].end)), extra | {"phrase_person": 1.0}
    named = named_in_or_after(article.text, 0, (a, b), [m for m in article.mentions if m.start >= a])
    if named is not None:  # „der Agentur „Interfax““
        return named.name, (a, named.end), extra | {"phrase_named": 1.0}
    # an apposition: „des Direktors der Fluggesellschaft, Jefferson Irwin Jauwena, …“
    if (comma := _APPOSITION.match(article.text, b)) is not None:
        person = next((m for m in article.mentions if m.start == comma.end() and m.kind == "person"), None)
        if person is not None:
            return person.name, (a, person.end), extra | {"phrase_apposition": 1.0}
    role = by_role(phrase, a, article.roles)
    if role:
        return role, (a, b), extra | {"phrase_role": 1.0}
    return phrase, (a, b), extra


def _with_context(article: Article, q: Quotation, previous: Quotation | None, found: list[_Found]) -> list[Candidate]:
    text = article.text
    s0, e0 = article.sentences[article.sentence_of(q.frame[0])]
    top = max(article.counts.values(), default=0)
    subjunctive = bool(SUBJUNCTIVE.search(text[s0:e0]))
    out: list[Candidate] = []
    for source, name, span, back, extra in found:
        f: dict[str, float] = {source: 1.0, f"back{back}": 1.0, **extra}
        f["rule_name"] = float(q.speaker is not None and name == q.speaker)
        f["rule_span"] = float(bool(span and q.speaker_span and _overlap(span, q.speaker_span)))
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
        f |= {"before_cue": 1.0, "gap_before": min(gap, 10) / 10, "next_before": float(gap <= 1)}
    elif span[0] >= q.cue[1]:
        gap = len(text[q.cue[1] : span[0]].split())
        f |= {"after_cue": 1.0, "gap_after": min(gap, 10) / 10, "next_after": float(gap <= 2)}
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
    f["after_laut"] = float(bool(_ROLE_HEAD.search(head)))
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


def _last_person(at: int, mentions: Sequence[Mention]) -> str | None:
    """The last person named before `at`: whom a demonstrative („Dieser bestätigte“) points back to."""
    earlier = [m.name for m in mentions if m.end <= at and m.kind == "person"]
    return earlier[-1] if earlier else None


def _overlap(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]
