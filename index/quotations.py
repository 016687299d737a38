"""Reported speech in German news: quotations and who said them, found at index time.

News reports speech in a few fixed shapes, and rules over them are cheap and inspectable:
- direct: „…“, sagte X. / X sagte: „…“ / „…“, so X.
- indirect: X sagte, die Gespräche seien … / X erklärte, dass … / Laut X … / X zufolge … /
  Nach Angaben von X … / Wie X mitteilte, …
- continued: the next sentences in the subjunctive („sei“, „habe“, „würden“) with no speaker of
  their own go on with the last speaker.

The speaker is the name mention (`index.names`) nearest to the verb inside the sentence, outside
the quote, on the side German word order puts the subject: before the verb when the clause
opens with it, after it for „sagte X“, „laut X“ and a clause opened by a prepositional phrase;
the auxiliary is the verb of „X hat … gebeten“; a title („der Nobelpreisträger X“), an
apposition or a relative clause may stand between. A pronoun („er“, „sie“) is the last person
of its gender named before it. A quote with no speech verb belongs to the sentence's subject,
and a sentence in the subjunctive with no verb of its own to the person named in the sentence
before. The speaker's full name comes from the article's name resolution, so „Hegseth erklärte
…“ is stored as said by „Pete Hegseth“.

Measured on the held-back fifth of the Wikinews quotation annotations (`rag eval quotations`,
numbers in docs/experiments/who-said-what.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from index.names import Mention, gender, genitive_base
from index.sentences import Span

QuoteKind = Literal["direct", "indirect"]

# Speech verbs (finite forms and participles), lower case: „Bericht“ is a noun, „berichtet“ a cue.
# Strong cues are speech verbs; weak ones („gab … an“, „stellte … fest“, „sieht“) report speech
# only sometimes, so a sentence's cue is its first strong one, else its first weak one.
_STRONG = (
    r"sag\w*|gesagt|erklär\w*|beton\w*|meint\w*|teilt\w*|mitgeteilt|kündigt\w*|angekündigt|"
    r"warn\w*|gewarnt|forder\w*|gefordert|kritisier\w*|bericht\w*|bestätig\w*|versicher\w*|"
    r"behaupt\w*|räumt\w*|eingeräumt|schrieb\w*|schreibt|geschrieben|bezeichne\w*|äußer\w*|"
    r"geäußert|zitier\w*|begründ\w*|nannte\w*|genannt|meldet\w*|gemeldet|verkündet\w*|"
    r"unterstrich|unterstreicht|ergänzt\w*|hinzugefügt|bekräftig\w*|beklagt\w*|widersprach|"
    r"dementier\w*|antwortet\w*|kommentier\w*|argumentier\w*|mahnt\w*|appellier\w*|verlangt\w*|"
    r"vorgeworfen|bemängel\w*|entgegne\w*|erwider\w*|bestritt|bestreitet|einräumte|beteuer\w*|"
    r"schilder\w*|ankündigte|mitteilte|erläuter\w*|resümier\w*|prognostizier\w*|spekulier\w*|"
    r"bezweifel\w*|sprach|spricht|zufolge|erinnert\w*"
)
_WEAK = (
    r"hofft\w*|glaubt\w*|sieht|sah|fügte|bekannte\w*|gab|gibt|wies|verwies|verweist|stellte|stellt|"
    r"lobt\w*|gelobt|vermute\w*|befürchte\w*|rief|ruft|zeigte|zeigt|führt|führte|warf|wirft|machte|"
    r"brachte|weist|hieß|heißt|schloss|informierte|rechnet|geht\s+davon\s+aus|ging\s+davon\s+aus|"
    r"schätzt\w*|eingeschätzt|bat|baten|bittet|gebeten"
)
_CUE = re.compile(rf"\b({_STRONG})\b")
# Cues whose object is what was said, so the sentence is the statement even without a clause:
# „X kritisierte die Pläne“, „X bezeichnete die Operation als Verstoß“ (not „X sprach in Kiel“).
_CONTENT_CUE = re.compile(
    r"kritisier\w*|forder\w*|gefordert|warn\w*|gewarnt|bezeichne\w*|bestätig\w*|dementier\w*|"
    r"begründ\w*|beklagt\w*|bemängel\w*|verlangt\w*|spekulier\w*|bezweifel\w*|vorgeworfen|nannte|nennt|schätzt\w*"
)
_WEAK_CUE = re.compile(rf"\b({_WEAK})\b")
_ACCORDING = re.compile(
    r"\b(laut|zufolge|gemäß|demnach|nach\s+(angaben|aussagen?|einschätzung|ansicht|meinung|auffassung|"
    r"informationen|darstellung|(den\s+)?worten|berichten?|schätzungen|erkenntnissen)|"
    r"(?<=[,“\x22] )so(?!\s+(dass|daß|genannt\w*|wie|weit|lange|viele?|oft|bald|sehr|schnell)\b)|"
    r"wie\s+\w+(\s+\w+){0,3}\s+(mitteilte|sagte|berichtete|"
    r"erklärte|meldete|bestätigte|schrieb))\b",
    re.I,
)
# The subjunctive, the mood of reported speech, in the forms news uses: subjunctive I of the
# auxiliaries and modals, of a few full verbs, and subjunctive II.
_KONJ1_AUX = "sei|seien|habe|werde|könne|müsse|solle|wolle|dürfe|gebe"
_KONJ1_VERBS = "liege|komme|gehe|stehe|fehle|halte|sehe|bleibe|wisse|gelte|lasse|brauche"
_KONJ2 = "hätte|hätten|würde|würden|könnten|müssten|sollten|wollten|wäre|wären|gäbe"
# „zurückzunehmen“, „einzubringen“: the „zu“ of a separable verb's infinitive sits inside it.
_SEPARABLE = "(?:ab|an|auf|aus|bei|ein|fest|mit|nach|vor|weg|zurück|hin|her|dar|fort|frei|teil|weiter|wieder|zusammen)"
# What a reported clause after „sagte X,“ looks like: „dass …“, a subjunctive, „zu“ + infinitive,
# or a pronoun with a verb in -e („er warte“).
_CLAUSE = re.compile(
    rf"^,\s*dass\b|\b({_KONJ1_AUX}|{_KONJ2})\b|\bzu\s+\w+en\b|\b{_SEPARABLE}zu\w+en\b|\b(er|sie|es|man)\s+\w+e\b"
)
# A sentence in the subjunctive goes on with the quotation before it (`_continues`).
_SUBJUNCTIVE = re.compile(rf"\b(seiest|{_KONJ1_AUX}|{_KONJ1_VERBS}|{_KONJ2})\b")
_PREPOSITIONS = (
    "in|im|aus|nach|von|vom|mit|bei|beim|auf|über|für|gegen|zu|zum|zur|an|am|vor|unter|seit|während|wegen|trotz"
)
# „in Malaysia sagte Dong“: a name after a preposition is no subject
_PREPOSITION = re.compile(rf"\b({_PREPOSITIONS})\s+((der|die|das|dem|den|des)\s+)?$", re.I)
_PRONOUN = re.compile(r"\b(er|sie|Er|Sie)\b")  # „es“ and „man“ never stand for a person here
# A clause that opens with a prepositional phrase („Für sie fordert X“, „Vor dem Konklave meinte
# X“) has its subject after the verb.
_FRONTED_PP = re.compile(rf"^\s*({_PREPOSITIONS}|angesichts)\b", re.I)
# A finite auxiliary or modal before a participle or infinitive cue („X hat Y gebeten“, „X wird
# … sagen“) takes the verb-second place.
_AUXILIARY = re.compile(
    r"\b(hat|haben|hatte|hatten|ist|sind|war|waren|wird|werden|wurde|wurden|will|wollte|kann|konnte|"
    r"soll|sollte|muss|musste)\b"
)
_RELATIVE = re.compile(r"^\s*(der|die|das|dem|den|deren|dessen|welche[rsmn]?)\b")
# What may stand between a cue and the name it introduces: articles, capitalised words,
# inflected adjectives and the prepositions of a title, at most one comma at the end — „meinte
# der Friedensnobelpreisträger Adolfo Pérez Esquivel“, „erklärte die Geschäftsführerin der
# Organisation, Manuela Roßbach“.
_TITLE_PHRASE = re.compile(
    r"(?:\s+(?:der|die|das|des|dem|den|im|in|von|vom|für|aus|bei|zum|zur|[A-ZÄÖÜ][\w.-]*|[a-zäöüß]+(?:e|en|er|es))){1,12},?\s*"
)
# What closes a quotation opened by each mark (a German „ closes with “, or with ” or " as typed).
_CLOSING = {"„": '“”"', "»": "«", '"': '"', "“": "”"}
_SPEAKER_NOUN = re.compile(
    r"\b(?i:der|die|das|ein|eine|eines|einer|des|dem)\s+((?:[A-ZÄÖÜ][\wäöüß-]*\s+){0,2}[A-ZÄÖÜ][\wäöüß-]*)", re.UNICODE
)
# Two or three capitalised words right after a cue, the tagger notwithstanding: a name.
_BARE_NAME = re.compile(r"\s*([A-ZÄÖÜ][\wäöüß'’-]+(?:\s+[A-ZÄÖÜ][\wäöüß'’-]+){1,2})\b")
# „laut Anklage“, „laut ''Westfalen-Blatt''“: up to three capitalised words right after the cue
_BARE_NOUN = re.compile(r"([A-ZÄÖÜ][\wäöüß-]+(?:\s+[A-ZÄÖÜ][\wäöüß-]+){0,2})\b")
# The article, up to two inflected adjectives and up to three capitalised words that open a
# speaker after „laut“ or „so“: „der britischen Regierung“, „die Staatsanwaltschaft Gießen“.
_OPENING_NOUN = re.compile(
    r"(?i:der|die|das|dem|den|des|ein|eine|einer|eines|einem)\s+(?:[a-zäöüß]+(?:e|en|er|es|em)\s+){0,2}"
    r"(?:[A-ZÄÖÜ][\wäöüß-]*\s+){0,2}[A-ZÄÖÜ][\wäöüß-]*"
)
_BY = re.compile(r"(?:von|vom)\s+")
_QUOTE_MARKS = " '\"„“»«‚‘"
_AS = re.compile(r"\s*wie\s+", re.I)  # a clause „Wie X berichtete, …“ names X right after „wie“
_MIN_QUOTE_WORDS = 4  # shorter quoted strings are mostly titles or scare quotes („Stärke“)
_MIN_BARE_QUOTE_WORDS = 6  # a quote with no cue and no speaker nearby must be a statement
# Subjunctive I: a sentence in it reports what someone said, even without a cue of its own.
_REPORTED = re.compile(rf"\b({_KONJ1_AUX}|{_KONJ1_VERBS})\b")


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
    for closers in set(_CLOSING.values()):
        nxt, at = n, [n] * (n + 1)
        for k in range(n - 1, -1, -1):
            if text[k] in closers:
                nxt = k
            at[k] = nxt
        following[closers] = at
    out: list[Span] = []
    i = 0
    while i < n:
        closing = _CLOSING.get(text[i])
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
        for s, e in sentences:
            sentence = text[s:e]
            quoted = [(s + a, s + b) for a, b in quote_spans(sentence)]
            direct = [q for q in quoted if len(text[q[0] : q[1]].split()) >= _MIN_QUOTE_WORDS]
            # quotes and parentheses („Sandra Boser (GRÜNE) erklärte“) blanked, offsets kept
            frame_text = _without_parentheses(_outside(sentence, s, quoted))
            bracketed = _without_parentheses(sentence)
            inside = [
                m
                for m in mentions
                if s <= m.start and m.end <= e and not _within(m, direct) and bracketed[m.start - s] != " "
            ]
            cue = _CUE.search(frame_text) or _ACCORDING.search(frame_text) or _WEAK_CUE.search(frame_text)
            speaker = _speaker(s, frame_text, cue, inside, mentions) if cue else None
            if cue is None and direct:  # „Nick Brauns hat weniger Hemmungen, das zu zeigen: „…““
                speaker = _subject(s, frame_text[: direct[0][0] - s], inside, mentions)
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
            if not new and quote is None and _REPORTED.search(frame_text):
                quote = _trim(text, (s, e))  # subjunctive I: reported speech without a cue of its own
                if cue is None and introduced:  # „Parwanow ist besorgt. Der Konflikt sei …“
                    who, where = introduced[0].name, None
            if quote is not None:
                new.append(Quotation(quote, "indirect", who, where, _span(s, cue), (s, e)))
            introduced = [] if new else [m for m in inside if m.kind == "person" and not _genitive(m)]
            if new:
                found.extend(new)
                last, since_last = new[-1], 0
            else:
                since_last += 1
        return found


def _speaker(
    s: int, frame: str, cue: re.Match[str], inside: list[Mention], mentions: list[Mention]
) -> tuple[str, Span | None] | None:
    """Who speaks in a sentence whose cue is `cue` (offsets in `frame`, which starts at `s`)."""
    c0 = s + cue.start()
    word = cue.group(0).lower()
    if cue.re is _ACCORDING and word.startswith("wie"):  # „wie die Bahnpolizei mitteilte“
        return _opening(s, frame, cue.start() + 3, inside, mentions)
    if cue.re is _ACCORDING and word not in ("zufolge", "demnach"):  # „laut X“, „nach Angaben des X“, „so X“
        return _opening(s, frame, cue.end(), inside, mentions)
    if cue.re is _ACCORDING and word == "demnach":  # it points back; a speaker may follow further on
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
    aux = _AUXILIARY.search(frame, clause_start, cue.start())
    v0, v1 = (aux.start(), aux.end()) if aux else (cue.start(), cue.end())
    head = frame[clause_start:v0]
    fronted_pp = bool(_FRONTED_PP.match(head))
    before = [m for m in inside if s + clause_start <= m.start and m.end <= s + v0]
    if (
        before
        and not fronted_pp
        and before[-1].kind != "place"
        and not frame[before[-1].end - s : v0].strip()
        and not _PREPOSITION.search(frame[: before[-1].start - s])
    ):
        return _said_by(before[-1])
    if not head.strip() and frame[:v0].rstrip().endswith(","):
        subject = _set_off_subject(s, frame, clause_start - 1, inside)
        if subject is not None:
            return subject
    if not fronted_pp:
        subject = _pronoun(s + clause_start, head[:8], mentions) or _noun_phrase(s + clause_start, head, at_start=True)
        if subject is None and (wie := _AS.match(head)):  # „Wie das Bundeskriminalamt berichtete, …“
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


def _subject(s: int, head: str, inside: list[Mention], mentions: list[Mention]) -> tuple[str, Span] | None:
    """The subject of a sentence with no speech verb, from what precedes its quote: a person
    who opens it, after at most a title („Jelpkes Mitarbeiter Nick Brauns hat …“, „Auch der
    Sprecher der SPD im Bundestag, Dieter Wiefelspütz, will …“), else a pronoun among its
    first words („Ebenso griff sie … an: „…““)."""
    for m in inside:
        if m.end <= s + len(head) and m.kind == "person" and not _genitive(m):
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
        if not (_RELATIVE.match(frame[start:comma]) or frame.rfind(",", 0, start - 1) == -1):
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
    titled = [m for m in titled if _TITLE_PHRASE.fullmatch(frame[at : m.start - s])]
    if titled or near:
        return _said_by((titled or near)[0])
    found = _pronoun(s + at, window[:12], mentions) or _noun_phrase(s + at, window)
    if found is None and (bare := _BARE_NAME.match(window)):  # „sagte Mark Toner“: nouns to the tagger
        return bare.group(1), (s + at + bare.start(1), s + at + bare.end(1))
    return found


def _opening(
    s: int, frame: str, at: int, inside: list[Mention], mentions: list[Mention]
) -> tuple[str, Span | None] | None:
    """The speaker that the words after „laut“, „nach Angaben“, „so“ or „wie“ open with: a name
    (after a title: „laut dem Sprecher Max Kern“), a pronoun, a noun phrase or a bare noun
    („laut Anklage“). Never a noun further on, which is the clause's own: „laut Anklage
    entschlossen haben, ein Postfahrzeug zu überfallen“ is not said by „ein Postfahrzeug“."""
    a = len(frame) - len(frame[at:].lstrip(_QUOTE_MARKS))  # past any quote marks after the cue
    if by := _BY.match(frame, a):  # „nach Angaben von der Agentur …“
        a = by.end()
    for m in inside:
        if m.start == s + a or (m.kind == "person" and s + a < m.start and _title_before(frame[a : m.start - s])):
            return _said_by(m)
    opening = frame[a:]
    found = _pronoun(s + a, opening[:4], mentions)
    if found is None and (phrase := _OPENING_NOUN.match(opening)):
        end = a + phrase.end()
        # a name inside it or right after it is who: „die Nachrichtenagentur ANSA“, „der Agentur „Interfax““
        for m in inside:
            if m.kind != "place" and s + a <= m.start and not frame[end : m.start - s].strip(_QUOTE_MARKS):
                return _said_by(m)
        found = phrase.group(0), (s + a, s + end)
    if found is None and (bare := _BARE_NOUN.match(opening)):
        found = bare.group(1), (s + a, s + a + bare.end(1))
    return found


def _title_before(text: str) -> bool:
    """Whether `text` (what stands between a cue and a name) is a title: „dem Sprecher“."""
    return bool(_TITLE_PHRASE.fullmatch(" " + text))


def _pronoun(at: int, head: str, mentions: list[Mention]) -> tuple[str, Span] | None:
    """The last person named before a pronoun, of the pronoun's gender where the first name
    tells it („Sie sagte“ is not „Robert Gibbs“)."""
    m = _PRONOUN.search(head)
    if not m:
        return None
    other = "f" if m.group(0).lower() == "er" else "m"
    earlier = [x for x in mentions if x.end <= at + m.start() and x.kind == "person" and gender(x.name) != other]
    return (earlier[-1].name, (at + m.start(), at + m.end())) if earlier else None


def _noun_phrase(at: int, head: str, at_start: bool = False) -> tuple[str, Span] | None:
    m = _SPEAKER_NOUN.search(head)
    if m is None or (at_start and head[: m.start()].strip()):
        return None
    return m.group(0), (at + m.start(), at + m.end())


def _indirect(
    text: str, s: int, e: int, frame: str, cue: re.Match[str], named: bool, where: Span | None
) -> Span | None:
    """The reported clause: after the comma that follows the cue („sagte X, …“, „…, dass …“,
    „…, stärken zu wollen“), the part before the cue („…, sagte X“), or the whole sentence
    around „laut X“ / „wie X mitteilte“, or of a strong cue with a named speaker and no clause
    („X bezeichnete die Operation als Verstoß“)."""
    if cue.re is _ACCORDING or _ACCORDING.search(frame):
        return _trim(text, (s, e))
    comma = frame.find(",", cue.end())
    if comma != -1 and _CLAUSE.search(frame[comma:]):
        return _trim(text, (s + comma + 1, e))
    head = frame[: cue.start()].rstrip()
    if head.endswith(",") and not (where and where[1] <= s + len(head)):  # not „X, Bürgermeister, schätzt“
        return _trim(text, (s, s + len(head)))
    if named and _CONTENT_CUE.fullmatch(cue.group(0)):
        return _trim(text, (s, e))
    return None


def _without_parentheses(frame: str) -> str:
    return re.sub(r"\([^()]*\)", lambda m: " " * len(m.group(0)), frame)


def _span(s: int, cue: re.Match[str] | None) -> Span | None:
    return (s + cue.start(), s + cue.end()) if cue else None


def _genitive(m: Mention) -> bool:
    """„Jelpkes Mitarbeiter“: a name in the genitive owns something; it is not the subject."""
    last = m.text.split()[-1]
    return last != m.name.split()[-1] and genitive_base(last) == m.name.split()[-1]


def _within(m: Mention, spans: list[Span]) -> bool:
    return any(a <= m.start and m.end <= b for a, b in spans)


def _continues(text: str, last: Quotation, s: int, e: int, inside: list[Mention]) -> bool:
    """A sentence right after a quotation, in the subjunctive, naming no new person."""
    if s - last.frame[1] > 3 or "\n\n" in text[last.frame[1] : s]:
        return False
    if any(m.kind == "person" and m.name != last.speaker for m in inside):
        return False
    return bool(_SUBJUNCTIVE.search(text[s:e]))
