"""Who said it, learned: every noun phrase that could be a quotation's speaker, scored.

The word-order rules of `index.quote_speaker` name one speaker per quotation. On the held-back
fifth of the Wikinews quotation annotations they were right for 0.671 of the quotations
(`rag eval quotations`); the speaker the annotators marked is among the candidates below for
0.922. So the rules' choice became one input among others, and a linear model over the
candidates picks (a conditional logit: one softmax over each quotation's candidates, trained by
`rag train speakers` on the other four fifths; `index.speaker_model` holds the weights and
picks): right for 0.811 held back.

Candidates come from the quotation's sentence, the three before it and the one after, outside
direct quotes:
- name mentions (`index.names`), persons, places and other names;
- pronouns („er“, „sie“) and demonstratives („Dieser“), each standing for the last person
  named before it; „Demnach“, standing for the source of the quotation before;
- noun phrases: with an article or a possessive („die ermittelnde Polizei“, „sein Anwalt“),
  without one at a clause start („Kritiker“, „Verschiedene Medien“; a lone word only when it is
  a noun, never „Allerdings“), and the words after „laut“, „so“ or „nach Angaben“ („laut
  ndr.de“). A phrase holding a name, followed by one („der Agentur „Interfax““) or by one in
  apposition („des Direktors, Jefferson Irwin Jauwena,“) is that person; a role phrase is the
  person introduced with the role (`by_role`);
- the speaker of the quotation before (reported speech goes on in the subjunctive), and the
  rules' own choice.

A linear model, not a small MLP: with 16 or 32 hidden units it measured no better out of fold on
the fitted part (0.714–0.725 against 0.720–0.725 on the same early feature sets) and is harder to
read; its weights are a table. The record: docs/experiments/2026-12-07-newsroom.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.analyzer import STOP_WORDS
from index.names import TITLE, Mention, lexicon
from index.quotations import MIN_QUOTE_WORDS, Quotation, quote_spans
from index.quote_cues import (
    BARE_PHRASE,
    DEMONSTRATIVE,
    POINTER,
    PRONOUN,
    QUOTE_MARKS,
    SOURCE_AFTER,
    SPEAKER_PHRASE,
)
from index.quote_speaker import by_role, genitive, named_in_or_after, pronoun_referent
from index.sentences import Span
from index.speaker_features import Article, Candidate, Found, with_context

# The sentences around a quotation's first that may name its speaker. Of the 1,413 fitted
# quotations, the annotated speaker stood in the same sentence for 1,218, 1 / 2 / 3 / 4 before
# for 111 / 29 / 15 / 7, further back for 3, and in the sentence after for 25 („… Das sagte X.“).
BACK, AHEAD = 3, 1
_STOP = frozenset(w.lower() for w in STOP_WORDS)
_INDEFINITE = frozenset({"ein", "eine", "einer", "eines", "einem"})
_ARTICLES = frozenset({"der", "die", "das", "dem", "den", "des", *_INDEFINITE})
# what may stand between a role and the name set off after it: a genitive („der Fluggesellschaft“)
_APPOSITION = re.compile(r"(?:\s+(?:der|des|von|vom)\s+(?:[\w-]+\s+){0,3}?[A-ZÄÖÜ][\w-]*)?,\s*")
# A phrase's length, counted up to five words: the longest the phrase patterns match
_PHRASE_WORDS = 5
# „Anfang Juli“, „Ende der Woche“: a time, not a source
_TIME_WORDS = frozenset((
    "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
    "November", "Dezember", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag",
    "Anfang", "Ende", "Mitte", "Jahr", "Jahres", "Jahren", "Woche", "Monat", "Tag", "Tage", "Tagen", "Uhr",
    "Morgen", "Abend", "Nacht",
))  # fmt: skip


def candidates(article: Article, q: Quotation, previous: Quotation | None) -> list[Candidate]:
    """The possible speakers of `q`, with their features (`FEATURES`)."""
    text, mentions = article.text, article.mentions
    i = article.sentence_of(q.frame[0])
    found: list[Found] = []
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
            if phrase.re is BARE_PHRASE and len(words) == 1 and not _noun(words[0], article.mentions, a):
                continue  # „Allerdings hätten …“, „Zudem wird …“: an adverb opens the clause, no speaker
            seen.add((a, b))
            name, span, extra = _phrase(article, phrase.group(g), a, b)
            found.append(("phrase", name, span, i - k, extra))
    if previous is not None and previous.speaker:
        found.append(("carried", previous.speaker, None, 0, {}))
        # „Demnach …“ points back to the source before: it is that speaker, standing here
        own = article.sentences[i]
        found += [("pointer", previous.speaker, p.span(), 0, {}) for p in POINTER.finditer(text, *own)]
    if q.speaker:
        found.append(("rule", q.speaker, q.speaker_span, 0, {}))
    return with_context(article, q, previous, found)


def _phrase(article: Article, phrase: str, a: int, b: int) -> tuple[str, Span, dict[str, float]]:
    """A noun phrase's speaker: the person named inside it, else the person introduced with its
    role, else the phrase itself („die Polizei“)."""
    words = phrase.split()
    head = words[-1].strip('„“"')
    extra = {
        "phrase_indefinite": float(words[0].lower() in _INDEFINITE),
        "phrase_title": float(bool(TITLE.search(head))),
        "phrase_bare": float(words[0].lower() not in _ARTICLES),
        "phrase_common": float(_common(head)),
        "phrase_lower": float(head.islower()),
        "phrase_words": min(len(words), _PHRASE_WORDS) / _PHRASE_WORDS,
        "phrase_time": float(any(w.strip(".,") in _TIME_WORDS for w in words)),
    }
    # a person named in it, also one it cuts off („laut Polizeisprecher Hans“ of „… Hans Müller“)
    inside = [m for m in article.mentions if m.start < b and a < m.end and m.kind == "person"]
    if inside:
        return inside[-1].name, (a, max(b, inside[-1].end)), extra | {"phrase_person": 1.0}
    named = named_in_or_after(article.text, 0, (a, b), article.mentions)
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
    return phrase.strip(QUOTE_MARKS), (a, b), extra  # „Computerwoche“ is stored as Computerwoche


def _common(word: str) -> bool:
    """A common noun, also in the plural („Kritiker“, „Behörden“, „Journalisten“) and as the last
    part of a hyphenated compound („UN-Mitarbeiter“)."""
    common = lexicon().common
    word = word.rsplit("-", 1)[-1].capitalize()
    return any(w in common for w in (word, word[:-1], word[:-2]))


def _noun(word: str, mentions: Sequence[Mention], at: int) -> bool:
    """A common noun or a name the name finder found there."""
    return _common(word) or any(m.start == at for m in mentions)


def _last_person(at: int, mentions: Sequence[Mention]) -> str | None:
    """The last person named before `at`: whom a demonstrative („Dieser bestätigte“) points back to."""
    earlier = [m.name for m in mentions if m.end <= at and m.kind == "person"]
    return earlier[-1] if earlier else None
