"""Who speaks in a sentence of reported speech: the rules of word order that `index.quotations`
applies (its module docstring describes them, with the measured accuracy)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.analyzer import STOP_WORDS, fold
from index.names import Mention, gender, genitive_base
from index.quote_cues import (
    ACCORDING,
    AS,
    AUXILIARY,
    BARE_NAME,
    BARE_NOUN,
    BY,
    FRONTED_PP,
    OPENING_NOUN,
    PREPOSITION,
    PRONOUN,
    QUOTE_MARKS,
    RELATIVE,
    SPEAKER_NOUN,
    TITLE_PHRASE,
)
from index.sentences import Span

# Capitalised words before a name that are no role: sentence openers and prepositions.
INDEFINITE = frozenset({"ein", "eine", "eines", "einer", "einem", "einen"})
ROLE_STOP = frozenset(fold(w) for w in (*STOP_WORDS, "laut", "nach", "auch", "sagte"))


def speaker_of(
    s: int, frame: str, cue: re.Match[str], inside: list[Mention], mentions: list[Mention]
) -> tuple[str, Span | None] | None:
    """Who speaks in a sentence whose cue is `cue` (offsets in `frame`, which starts at `s`)."""
    c0 = s + cue.start()
    word = cue.group(0).lower()
    if cue.re is ACCORDING and word.startswith("wie"):  # „wie die Bahnpolizei mitteilte“
        return _opening(s, frame, cue.start() + 3, inside, mentions)
    if cue.re is ACCORDING and word not in ("zufolge", "demnach"):  # „laut X“, „nach Angaben des X“, „so X“
        return _opening(s, frame, cue.end(), inside, mentions)
    if cue.re is ACCORDING and word == "demnach":  # it points back; a speaker may follow further on
        return _first_after(s, frame, cue.end(), inside, mentions, 80)
    if word == "zufolge":  # „X zufolge“
        clause_start = max(frame.rfind(",", 0, cue.start()), frame.rfind(".", 0, cue.start())) + 1
        before = [m for m in inside if s + clause_start <= m.start and m.end <= c0]
        if before:
            return _said_by(before[-1])
        words = frame[clause_start : cue.start()].split()[-3:]
        return (" ".join(words), (c0 - len(" ".join(words)) - 1, c0 - 1)) if words else None
    # German puts the verb second: a clause that starts with its subject („Hegseth erklärte“,
    # „Die Polizei teilte mit“) names the speaker right before the verb; one that starts
    # otherwise („Unmissverständlich sagt das Gericht“, „…“, sagte Hegseth, „Laut einer
    # Mitteilung … sagte Dong“) names it right after. With a participle cue the verb is the
    # auxiliary („Wagner hat den Papst gebeten“). A full stop inside a sentence ends no clause
    # („Benedikt XVI. gebeten“).
    clause_start = max(frame.rfind(c, 0, cue.start()) for c in ",:;") + 1
    aux = AUXILIARY.search(frame, clause_start, cue.start())
    v0, v1 = (aux.start(), aux.end()) if aux else (cue.start(), cue.end())
    head = frame[clause_start:v0]
    fronted_pp = bool(FRONTED_PP.match(head))
    before = [m for m in inside if s + clause_start <= m.start and m.end <= s + v0]
    if (
        before
        and not fronted_pp
        and before[-1].kind != "place"
        and not frame[before[-1].end - s : v0].strip()
        and not PREPOSITION.search(frame[: before[-1].start - s])
    ):
        return _said_by(before[-1])
    if not head.strip() and frame[:v0].rstrip().endswith(","):
        subject = _set_off_subject(s, frame, clause_start - 1, inside)
        if subject is not None:
            return subject
    if not fronted_pp:
        subject = _pronoun(s + clause_start, head[:8], mentions) or _noun_phrase(s + clause_start, head, at_start=True)
        if subject is None and (wie := AS.match(head)):  # „Wie das Bundeskriminalamt berichtete, …“
            subject = _noun_phrase(s + clause_start + wie.end(), head[wie.end() :], at_start=True)
        if subject is not None:
            return subject
    after = _first_after(s, frame, v1, inside, mentions, 30, stop=",:;")
    if after is not None:
        return after
    speakers = [m for m in before if m.kind != "place"] or before
    if not speakers:  # an apposition: „Der Vertreter der Arbeitgeber, Peter Clever, hat … gefordert“
        speakers = [m for m in inside if m.end <= c0 and m.kind == "person"]
    return _said_by(speakers[-1]) if speakers else None


def subject_of(s: int, head: str, inside: list[Mention], mentions: list[Mention]) -> tuple[str, Span] | None:
    """The subject of a sentence with no speech verb, from what precedes its quote: a person
    who opens it, after at most a title („Jelpkes Mitarbeiter Nick Brauns hat …“, „Auch der
    Sprecher der SPD im Bundestag, Dieter Wiefelspütz, will …“), else a pronoun among its
    first words („Ebenso griff sie … an: „…““)."""
    for m in inside:
        if m.end <= s + len(head) and m.kind == "person" and not genitive(m):
            opening = head[: m.start - s]
            if not opening.strip() or _title_before(opening):
                return _said_by(m)
    opening_words = re.match(r"\s*\S+\s+\S+\s+\S+", head)
    return _pronoun(s, opening_words.group(0), mentions) if opening_words else None


def _set_off_subject(s: int, frame: str, comma: int, inside: list[Mention]) -> tuple[str, Span] | None:
    """The person before the verb, set off by commas: an apposition („Dieser Arzt, Antonio Noja,
    schilderte“) or a name followed by a relative clause („Robert Chow, der die Allianz führt,
    erinnerte“). `comma` is the comma right before the verb."""
    for _ in range(3):
        start = frame.rfind(",", 0, comma) + 1
        named = [m for m in inside if s + start <= m.start and m.end <= s + comma]
        named = [m for m in named if not frame[m.end - s : comma].strip()]
        if named and named[-1].kind == "person":
            return _said_by(named[-1])
        if start == 0:
            return None
        # step back over a relative clause, or over a title when a name opens the sentence:
        # „Karl-Theodor zu Guttenberg, Obmann der Fraktion, warf …“
        if not (RELATIVE.match(frame[start:comma]) or frame.rfind(",", 0, start - 1) == -1):
            return None
        comma = start - 1
    return None


def _said_by(m: Mention) -> tuple[str, Span]:
    """The speaker a mention names: its resolved full name, and where it stands."""
    return m.name, (m.start, m.end)


def _first_after(
    s: int, frame: str, at: int, inside: list[Mention], mentions: list[Mention], reach: int, stop: str = ".:;"
) -> tuple[str, Span | None] | None:
    """The speaker that follows position `at`: a name, else a pronoun or a noun phrase."""
    end = at + reach
    while end < len(frame) and not frame[end].isspace():  # not „das Max-Planck-Inst“
        end += 1
    window = frame[at:end]
    for ch in stop:
        cut = window.find(ch)
        if cut != -1:
            window = window[:cut]
    near = [m for m in inside if s + at <= m.start < s + at + len(window)]
    persons = [m for m in near if m.kind == "person"]
    if persons:
        return _said_by(persons[0])
    titled = [m for m in inside if m.kind == "person" and s + at < m.start]
    titled = [m for m in titled if TITLE_PHRASE.fullmatch(frame[at : m.start - s])]
    if titled or near:
        return _said_by((titled or near)[0])
    found = _pronoun(s + at, window[:12], mentions) or _noun_phrase(s + at, window)
    if found is None and (bare := BARE_NAME.match(window)):  # „sagte Mark Toner“: nouns to the tagger
        return bare.group(1), (s + at + bare.start(1), s + at + bare.end(1))
    return found


def _opening(
    s: int, frame: str, at: int, inside: list[Mention], mentions: list[Mention]
) -> tuple[str, Span | None] | None:
    """The speaker that the words after „laut“, „nach Angaben“, „so“ or „wie“ open with: a name
    (after a title: „laut dem Sprecher Max Kern“), a pronoun, a noun phrase or a bare noun
    („laut Anklage“). Never a noun further on, which is the clause's own: „laut Anklage
    entschlossen haben, ein Postfahrzeug zu überfallen“ is not said by „ein Postfahrzeug“."""
    a = len(frame) - len(frame[at:].lstrip(QUOTE_MARKS))  # past any quote marks after the cue
    if by := BY.match(frame, a):  # „nach Angaben von der Agentur …“
        a = by.end()
    for m in inside:
        if m.start == s + a or (m.kind == "person" and s + a < m.start and _title_before(frame[a : m.start - s])):
            return _said_by(m)
    opening = frame[a:]
    found = _pronoun(s + a, opening[:4], mentions)
    if found is None and (phrase := OPENING_NOUN.match(opening)):
        end = a + phrase.end()
        named = named_in_or_after(frame, s, (s + a, s + end), inside)
        if named is not None:
            return _said_by(named)
        found = phrase.group(0), (s + a, s + end)
    if found is None and (bare := BARE_NOUN.match(opening)):
        found = bare.group(1), (s + a, s + a + bare.end(1))
    return found


def named_in_or_after(text: str, offset: int, phrase: Span, mentions: Sequence[Mention]) -> Mention | None:
    """The name inside a noun phrase or right after it, which is who speaks: „die
    Nachrichtenagentur ANSA“, „der Agentur „Interfax““. `text` begins at `offset`."""
    a, b = phrase
    for m in mentions:
        if m.kind != "place" and a <= m.start and not text[b - offset : m.start - offset].strip(QUOTE_MARKS):
            return m
    return None


def _title_before(text: str) -> bool:
    """Whether `text` (what stands between a cue and a name) is a title: „dem Sprecher“."""
    return bool(TITLE_PHRASE.fullmatch(" " + text))


def _pronoun(at: int, head: str, mentions: Sequence[Mention]) -> tuple[str, Span] | None:
    """The last person named before a pronoun, of the pronoun's gender where the first name
    tells it („Sie sagte“ is not „Robert Gibbs“), and not one named beside it („Er und Dong“)."""
    m = PRONOUN.search(head)
    if not m:
        return None
    other = "f" if m.group(0).lower() == "er" else "m"
    # „Er und Dong seien sich einig“: a person joined to the pronoun by „und“ is someone else
    joined = re.match(r"\s+und\s+", head[m.end() :])
    beside = {x.name for x in mentions if joined and x.start == at + m.end() + joined.end()}
    earlier = [
        x
        for x in mentions
        if x.end <= at + m.start() and x.kind == "person" and gender(x.name) != other and x.name not in beside
    ]
    return (earlier[-1].name, (at + m.start(), at + m.end())) if earlier else None


def pronoun_referent(at: int, words: str, mentions: Sequence[Mention]) -> str | None:
    """Who the pronoun that opens `words` (which start at `at`) stands for, by `_pronoun`'s rule
    („Er und Dong“: the words after it may name someone it is not), or None."""
    found = _pronoun(at, words, mentions)
    return found[0] if found else None


def _noun_phrase(at: int, head: str, at_start: bool = False) -> tuple[str, Span] | None:
    m = SPEAKER_NOUN.search(head)
    if m is None or (at_start and head[: m.start()].strip()):
        return None
    return m.group(0), (at + m.start(), at + m.end())


def genitive(m: Mention) -> bool:
    """„Jelpkes Mitarbeiter“: a name in the genitive owns something; it is not the subject."""
    last = m.text.split()[-1]
    return last != m.name.split()[-1] and genitive_base(last) == m.name.split()[-1]


# The role a person is introduced with: the capitalised word right before their name
# („US-Verteidigungsminister Pete Hegseth“, „Bundeskanzlerin Angela Merkel“), at least this long
# so that „Herr“ and „Frau“ are no roles.
MIN_ROLE_CHARS = 5
_ROLE_BEFORE = re.compile(r"([A-ZÄÖÜ][\wäöüß-]+)\s+$")


def introductions(text: str, mentions: list[Mention]) -> list[tuple[int, str, str]]:
    """(where, role, person) for each person named right after a role noun in `text`."""
    out = []
    for m in mentions:
        if m.kind != "person":
            continue
        before = _ROLE_BEFORE.search(text, max(0, m.start - 60), m.start)
        # a full name: a single word after a role is as often a place or a genitive („Österreichs“)
        full = len(m.name.split()) >= 2
        if full and before and len(before.group(1)) >= MIN_ROLE_CHARS and fold(before.group(1)) not in ROLE_STOP:
            out.append((m.start, fold(before.group(1)), m.name))
    return out


# Offices that news names by their seat rather than their title: „laut Pentagon-Chef“ for the
# person introduced as „US-Verteidigungsminister“, and the other spelling of the same title.
# World knowledge, so a short explicit table, each title specific enough that no other office's
# holder ends in it (not „Präsident“ for „Kremlchef“: the US president is one too).
ROLE_ALIASES: dict[str, tuple[str, ...]] = {
    fold(role): tuple(fold(t) for t in titles)
    for role, titles in {
        "Pentagon-Chef": ("US-Verteidigungsminister",),
        "Pentagonchef": ("US-Verteidigungsminister",),
        "Kreml-Chef": ("Kremlchef",),
        "Kremlchef": ("Kreml-Chef",),
        "Nato-Chef": ("Nato-Generalsekretär",),
        "UN-Chef": ("UN-Generalsekretär",),
    }.items()
}


def by_role(phrase: str, at: int, introduced: list[tuple[int, str, str]]) -> str | None:
    """The person a definite role phrase refers to („der US-Präsident“, „die Kanzlerin“, „laut
    Pentagon-Chef“): one introduced before `at` with that role or a longer compound of it
    („Bundeskanzlerin“ for „Kanzlerin“), of a gender the role allows; the one introduced so most
    often, then first (the article's subject; a later „Papst Gregor XII.“ is history). None for
    an indefinite phrase („ein Sprecher“ is anyone) and when nobody was introduced so."""
    words = phrase.split()
    if not words or fold(words[0]) in INDEFINITE:
        return None
    noun = fold(words[-1])
    if len(noun) < MIN_ROLE_CHARS:
        return None
    # a feminine role noun („Kanzlerin“), not a word that merely ends so („Bahrain“, „Stein“)
    female = noun.endswith("in") and not noun.endswith(("chin", "ain", "ein"))
    titles = (noun, *ROLE_ALIASES.get(noun, ()))
    found = [
        person
        for where, role, person in introduced
        if where < at and role.endswith(titles) and gender(person) != ("m" if female else "f")
    ]
    if not found:
        return None
    return max(dict.fromkeys(found), key=found.count)  # most often, then first
