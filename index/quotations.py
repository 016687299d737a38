"""Reported speech in German news: quotations and who said them, found at index time.

News reports speech in a few fixed shapes, and rules over them are cheap and inspectable:
- direct: „…“, sagte X. / X sagte: „…“ / „…“, so X.
- indirect: X sagte, die Gespräche seien … / X erklärte, dass … / Laut X … / X zufolge … /
  Nach Angaben von X … / Wie X mitteilte, …
- continued: the next sentences in the subjunctive („sei“, „habe“, „würden“) with no speaker of
  their own go on with the last speaker.

The rules' speaker is the name mention (`index.names`) nearest to the verb inside the sentence,
outside the quote, on the side German word order puts the subject: before the verb when the
clause opens with it, after it for „sagte X“, „laut X“ and a clause opened by a prepositional
phrase; the auxiliary is the verb of „X hat … gebeten“; a title („der Nobelpreisträger X“), an
apposition or a relative clause may stand between. A pronoun („er“, „sie“) is the last person
of its gender named before it. A quote with no speech verb belongs to the sentence's subject,
and a sentence in the subjunctive with no verb of its own to the person named in the sentence
before. The speaker's full name comes from the article's name resolution, so „Hegseth erklärte
…“ is stored as said by „Pete Hegseth“. That choice is one input of the speaker model
(`index.speaker_choice`), which picks the stored speaker among all candidates: on the held-back
fifth of the Wikinews quotation annotations the rules alone were right for 0.671, the model for
0.811 (`rag eval quotations`; docs/experiments/2026-12-07-newsroom.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from index.names import Mention
from index.quote_cues import (
    ACCORDING,
    CLAUSE,
    CLOSING,
    CONTENT_CUE,
    CUE,
    REPORTED,
    SUBJUNCTIVE,
    WEAK_CUE,
)
from index.quote_speaker import by_role, genitive, introductions, speaker_of, subject_of
from index.sentences import Span

QuoteKind = Literal["direct", "indirect"]

MIN_QUOTE_WORDS = 4  # shorter quoted strings are mostly titles or scare quotes („Stärke“)
_MIN_BARE_QUOTE_WORDS = 6  # a quote with no cue and no speaker nearby must be a statement


@dataclass
class Quotation:
    quote: Span
    kind: QuoteKind
    speaker: str | None  # the resolved full name, or the speaking noun phrase („die Polizei“)
    speaker_span: Span | None
    cue: Span | None
    frame: Span  # the sentence(s) holding quote and attribution
    parts: list[Span] = field(default_factory=list)  # further quote spans that continue it

    def spans(self) -> list[Span]:
        return [self.quote, *self.parts]

    def to_dict(self) -> dict[str, Any]:
        return {
            "quote": [list(s) for s in self.spans()],
            "kind": self.kind,
            "speaker": self.speaker,
            "speaker_span": list(self.speaker_span) if self.speaker_span else None,
            "cue": list(self.cue) if self.cue else None,
            "frame": list(self.frame),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Quotation:
        spans = [(s, e) for s, e in d["quote"]]
        return cls(
            quote=spans[0],
            kind=d["kind"],
            speaker=d["speaker"],
            speaker_span=tuple(d["speaker_span"]) if d["speaker_span"] else None,
            cue=tuple(d["cue"]) if d["cue"] else None,
            frame=tuple(d["frame"]),
            parts=spans[1:],
        )


def quote_spans(text: str) -> list[Span]:
    """The quotations of `text`, each from its opening mark to the first closing one (at least one
    character between), left to right and never overlapping. One linear pass over precomputed
    next-closer positions: the regex it replaces rescanned to the end for every unclosed „, 20.7 s
    on 100k characters of „a (issue #39)."""
    n = len(text)
    following: dict[str, list[int]] = {}
    for closers in set(CLOSING.values()):
        nxt, at = n, [n] * (n + 1)
        for k in range(n - 1, -1, -1):
            if text[k] in closers:
                nxt = k
            at[k] = nxt
        following[closers] = at
    out: list[Span] = []
    i = 0
    while i < n:
        closing = CLOSING.get(text[i])
        j = following[closing][i + 1] if closing is not None else n
        if j < n and j >= i + 2:
            out.append((i, j + 1))
            i = j + 1
        else:
            i += 1
    return out


def _outside(text: str, start: int, quotes: list[Span]) -> str:
    """`text` (which begins at `start`) with quoted stretches blanked, offsets kept."""
    chars = list(text)
    for s, e in quotes:
        for i in range(max(s - start, 0), min(e - start, len(chars))):
            chars[i] = " "
    return "".join(chars)


def _trim(text: str, span: Span) -> Span:
    """A span without surrounding blanks and the closing full stop."""
    s, e = span
    while s < e and text[s] in " \n\t,:;":
        s += 1
    while e > s and text[e - 1] in " \n\t.,:;":
        e -= 1
    return s, e


class QuotationFinder:
    def find(self, text: str, sentences: list[Span], mentions: list[Mention]) -> list[Quotation]:
        found: list[Quotation] = []
        last: Quotation | None = None
        since_last = 0  # sentences since the last quotation
        introduced: list[Mention] = []  # persons named by the sentence before, if it quoted nobody
        names = {m.name for m in mentions}
        roles = introductions(text, mentions)
        for s, e in sentences:
            sentence = text[s:e]
            quoted = [(s + a, s + b) for a, b in quote_spans(sentence)]
            direct = [q for q in quoted if len(text[q[0] : q[1]].split()) >= MIN_QUOTE_WORDS]
            # quotes and parentheses („Sandra Boser (GRÜNE) erklärte“) blanked, offsets kept
            frame_text = _without_parentheses(_outside(sentence, s, quoted))
            bracketed = _without_parentheses(sentence)
            inside = [
                m
                for m in mentions
                if s <= m.start and m.end <= e and not _within(m, direct) and bracketed[m.start - s] != " "
            ]
            cue = CUE.search(frame_text) or ACCORDING.search(frame_text) or WEAK_CUE.search(frame_text)
            speaker = speaker_of(s, frame_text, cue, inside, mentions) if cue else None
            if cue is None and direct:  # „Nick Brauns hat weniger Hemmungen, das zu zeigen: „…““
                speaker = subject_of(s, frame_text[: direct[0][0] - s], inside, mentions)
            if speaker is not None and speaker[1] is not None and speaker[0] not in names:
                # a role („der US-Präsident“) is the person the article introduced with it
                person = by_role(speaker[0], speaker[1][0], roles)
                speaker = (person, speaker[1]) if person else speaker
            # a short quote needs a cue or a speaker in its own sentence: „Jeder stirbt für sich
            # allein“ after someone's statement is a film title, not theirs
            long_enough = cue is not None or speaker is not None
            recent = last if last is not None and since_last <= 2 else None
            if speaker is None and recent is not None and recent.speaker:
                speaker = (recent.speaker, None)
            who, where = speaker or (None, None)
            new: list[Quotation] = []
            for q in direct:
                if long_enough or len(text[q[0] : q[1]].split()) >= _MIN_BARE_QUOTE_WORDS:
                    new.append(Quotation(_trim(text, q), "direct", who, where, _span(s, cue), (s, e)))
            quote = None
            if cue is not None and not new:
                quote = _indirect(text, s, e, frame_text, cue, who is not None, where)
            if not new and quote is None and recent is not None and _continues(text, recent, s, e, inside):
                recent.parts.append(_trim(text, (s, e)))
                recent.frame = (recent.frame[0], e)
                since_last = 0
                continue
            if not new and quote is None and REPORTED.search(frame_text):
                quote = _trim(text, (s, e))  # subjunctive I: reported speech without a cue of its own
                if cue is None and introduced:  # „Parwanow ist besorgt. Der Konflikt sei …“
                    who, where = introduced[0].name, None
            if quote is not None:
                new.append(Quotation(quote, "indirect", who, where, _span(s, cue), (s, e)))
            introduced = [] if new else [m for m in inside if m.kind == "person" and not genitive(m)]
            if new:
                found.extend(new)
                last, since_last = new[-1], 0
            else:
                since_last += 1
        return found


def _indirect(
    text: str, s: int, e: int, frame: str, cue: re.Match[str], named: bool, where: Span | None
) -> Span | None:
    """The reported clause: after the comma that follows the cue („sagte X, …“, „…, dass …“,
    „…, stärken zu wollen“), the part before the cue („…, sagte X“), or the whole sentence
    around „laut X“ / „wie X mitteilte“, or of a strong cue with a named speaker and no clause
    („X bezeichnete die Operation als Verstoß“)."""
    if cue.re is ACCORDING or ACCORDING.search(frame):
        return _trim(text, (s, e))
    comma = frame.find(",", cue.end())
    if comma != -1 and CLAUSE.search(frame[comma:]):
        return _trim(text, (s + comma + 1, e))
    head = frame[: cue.start()].rstrip()
    if head.endswith(",") and not (where and where[1] <= s + len(head)):  # not „X, Bürgermeister, schätzt“
        return _trim(text, (s, s + len(head)))
    if named and CONTENT_CUE.fullmatch(cue.group(0)):
        return _trim(text, (s, e))
    return None


def _without_parentheses(frame: str) -> str:
    return re.sub(r"\([^()]*\)", lambda m: " " * len(m.group(0)), frame)


def _span(s: int, cue: re.Match[str] | None) -> Span | None:
    return (s + cue.start(), s + cue.end()) if cue else None


def _within(m: Mention, spans: list[Span]) -> bool:
    return any(a <= m.start and m.end <= b for a, b in spans)


def _continues(text: str, last: Quotation, s: int, e: int, inside: list[Mention]) -> bool:
    """A sentence right after a quotation, in the subjunctive, naming no new person."""
    if s - last.frame[1] > 3 or "\n\n" in text[last.frame[1] : s]:
        return False
    if any(m.kind == "person" and m.name != last.speaker for m in inside):
        return False
    return bool(SUBJUNCTIVE.search(text[s:e]))
