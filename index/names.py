"""Names in German text: persons, places and organisations, told apart from common nouns.

German capitalises every noun, so "capitalised and not at the sentence start" calls „Bau“,
„Millionen“ and „Euro“ names. Here a token is a name when HanTa's part-of-speech tagger (STTS,
model inside the wheel) tags it `NE` in its sentence, or tags it `NN` but neither the word nor
its lemma is a common noun of german-nouns' 100k Wiktionary nouns (HanTa tags an unknown
surname such as „Habeck“ `NN` out of context). Consecutive name tokens form one mention
(„Pete Hegseth“). A mention is a person when it starts with a known first name (gender-guesser's
48k names and Wiktionary's first names) or follows a title („Präsident“, „Ministerin“), or when it
repeats a part of a person named earlier in the article: „Liwei“ after „Yang Liwei“ resolves to
„Yang Liwei“, and so does the genitive „Liweis“. Places are Wiktionary toponyms.

Tagging costs about 0.27 ms per token (0.1 s for the 365-token seed article), so mentions are
found once at index time and stored with the article; a question is tagged when it is asked.
"""

from __future__ import annotations

import csv
import logging
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from index.analyzer import STOP_WORDS
from index.errors import ModelError
from index.sentences import Span

Kind = Literal["person", "place", "name"]
_TOKEN = re.compile(r"[^\W\d_](?:[\w]|[-'’.](?=\w))*|\d+(?:[.,]\d+)*|[^\w\s]", re.UNICODE)
# Words that introduce a person: „Präsident Trump“, „Ministerin Baerbock“, „Herr Müller“.
TITLE = re.compile(
    r"(herr|frau|dr\.?|prof\.?|präsident|kanzler|minister|sprecher|chef|leiter|vorsitzende|direktor|"
    r"bürgermeister|senator|abgeordnete|trainer|kommissar|richter|anwalt|botschafter|papst|könig|"
    r"premier|regierungschef|staatschef|autor|sänger|schauspieler|spieler|general|kollege)(in|innen|en|s)?$",
    re.I,
)
_FUNCTION_WORDS = frozenset(["der", "die", "das", "und", "oder", "sowie", "mit", "von", "in", "im", "am", "aus", "bei"])
_PARTICLES = frozenset(["von", "van", "de", "da", "del", "di", "bin", "al", "ibn"])
log = logging.getLogger(__name__)
_lock = threading.Lock()
# The tagger's time grows faster than quadratically with a token's length: 10 s for a
# 1,000-character word, 45 s for 2,000, under the lock every caller shares (issue #39). German
# news compounds stay well below 64 characters („Rindfleischetikettierungsüberwachungsaufgaben-
# übertragungsgesetz“ has 63), so a longer token is tagged XY (no word) without the tagger.
MAX_TAGGED_CHARS = 64
# Its Viterbi raises KeyError past about 40,000 tokens in one sentence, and a long sentence would
# hold the lock for seconds: a sentence is tagged in windows of this many tokens, one lock each.
# News sentences have about 20 tokens; a window boundary only costs the tagger its context there.
TAG_WINDOW = 200


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    kind: Kind
    name: str  # the resolved full name: „Yang Liwei“ for a later „Liwei“

    def to_list(self) -> list[Any]:
        return [self.start, self.end, self.kind, self.name]


def tokens(text: str, offset: int = 0) -> list[tuple[int, int, str]]:
    return [(m.start() + offset, m.end() + offset, m.group(0)) for m in _TOKEN.finditer(text)]


def tag_words(words: list[str]) -> list[tuple[str, str, str]]:
    """(word, lemma, STTS tag) of each word, as HanTa tags a sentence, within the limits above; a
    window the tagger fails on is tagged XY and logged, so one odd sentence never fails an article."""
    out: list[tuple[str, str, str]] = []
    for i in range(0, len(words), TAG_WINDOW):
        window = words[i : i + TAG_WINDOW]
        short = [w for w in window if len(w) <= MAX_TAGGED_CHARS]
        tagged: list[tuple[str, str, str]] = []
        if short:
            try:
                with _lock:  # HanTa's tagger caches state per call; one caller at a time
                    tagged = [tuple(t) for t in _tagger().tag_sent(short, taglevel=1)]
            except (KeyError, IndexError, ValueError) as e:
                log.warning("the tagger failed on %d words (%s: %s); tagged XY", len(short), type(e).__name__, e)
                tagged = [(w, w, "XY") for w in short]
        found = iter(tagged)
        out += [next(found) if len(w) <= MAX_TAGGED_CHARS else (w, w, "XY") for w in window]
    return out


# HanTa analyses every word afresh, though news repeats its words: remembering the two analyses
# that depend on the word alone (its possible tags; its lemma under a tag) took tagging 150
# Wikinews articles (190k characters) from 7.0 s to 5.0 s, with identical output. 50,000 words
# each hold a large archive's common vocabulary in a few tens of MB.
_WORD_MEMO = 50_000


@lru_cache(maxsize=1)
def _tagger() -> Any:
    from HanTa import HanoverTagger

    tagger = HanoverTagger.HanoverTagger("morphmodel_ger.pgz")
    # on this one instance only (HanTa==1.2.1 is pinned: both are its own methods, pure per word)
    tagger.analyze_forward = lru_cache(maxsize=_WORD_MEMO)(tagger.analyze_forward)
    tagger._analyze = lru_cache(maxsize=_WORD_MEMO)(tagger._analyze)
    return tagger


@dataclass(frozen=True)
class Lexicon:
    common: frozenset[str]  # lemmas that are only common nouns
    first_names: frozenset[str]
    places: frozenset[str]
    male: frozenset[str]  # first names gender-guesser lists as men's only („Robert“)
    female: frozenset[str]  # … as women's only („Manuela“); „Andrea“, „Kim“ are in neither


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    common: set[str] = set()
    first: set[str] = set()
    places: set[str] = set()
    genders: dict[str, set[str]] = {}
    try:
        nouns = resources.files("german_nouns").joinpath("nouns.csv")
        names = resources.files("gender_guesser").joinpath("data/nam_dict.txt")
    except ModuleNotFoundError as e:
        raise ModelError(
            f"The German name lexicon {e.name!r} is not installed: run `make setup` "
            "(it installs german-nouns==1.2.5 with --no-deps and gender-guesser==0.4.0)"
        ) from e
    with nouns.open(encoding="utf-8") as f:
        rows = csv.reader(f)
        next(rows)
        for row in rows:
            lemma, pos = row[0], set(row[1].split(","))
            if "Vorname" in pos:
                first.add(lemma)
            if "Toponym" in pos:
                places.add(lemma)
            if not pos & {"Vorname", "Nachname", "Toponym", "Eigenname"}:
                common.add(lemma)
    with names.open(encoding="utf-8") as f:
        for line in f:
            if line[:1] not in "#=" and len(parts := line.split()) > 1:
                name = parts[1].replace("+", "-")
                first.add(name)
                # the gender column: M, 1M, ?M are men's names, F, 1F, ?F women's, ? both
                genders.setdefault(name, set()).update(g for g in "MF" if g in parts[0] or parts[0] == "?")
    male = frozenset(n for n, g in genders.items() if g == {"M"})
    female = frozenset(n for n, g in genders.items() if g == {"F"})
    return Lexicon(frozenset(common), frozenset(first), frozenset(places), male, female)


def gender(name: str) -> Literal["m", "f"] | None:
    """„m“ or „f“ when the first word of a full name is a first name of one gender only
    („Robert Gibbs“ → „m“), else None: a pronoun („sie“) can then not stand for that person."""
    first = name.split()[0] if name.split() else ""
    lex = lexicon()
    return "m" if first in lex.male else "f" if first in lex.female else None


def _is_name(word: str, lemma: str, tag: str, sentence_start: bool, lex: Lexicon) -> bool:
    if not word[:1].isupper() or len(word) < 2:
        return False
    if tag == "NE":
        return not (sentence_start and (word in lex.common or lemma in lex.common))
    if tag != "NN" or sentence_start or "-" in word:
        return False
    return not any(w in lex.common or _compound_of_common(w, lex) for w in (word, lemma, word.rstrip("s")))


def _compound_of_common(word: str, lex: Lexicon) -> bool:
    """„Konfliktthema“: a compound whose head („Thema“) is a common noun."""
    return any(word[k:].capitalize() in lex.common for k in range(3, len(word) - 3))


def _surname_after_first_name(previous: str, word: str, lex: Lexicon) -> bool:
    """„Kathrin Passig“, „Peter Pilz“: HanTa may tag an unknown surname as an adjective, and a
    surname that is also a noun („Pilz“, „Hecht“) as a noun; right after a first name that
    begins a name („Henry“, also a unit), a capitalised word is the surname."""
    if not (word[:1].isupper() and word.isalpha() and word.lower() not in _FUNCTION_WORDS):
        return False
    return _first_name(previous, lex, noun_too=True)


def _first_name(word: str, lex: Lexicon, noun_too: bool = False) -> bool:
    """A first name and no function word („In“ is a Korean first name). Outside a name the
    tagger found, it must be no common noun either; inside one, „Yang Liwei“ stays a person
    although Wiktionary knows „Yang“ as a noun."""
    return word in lex.first_names and word.lower() not in STOP_WORDS and (noun_too or word not in lex.common)


def _known_part(word: str, persons: list[str]) -> bool:
    """„Passig“ at a sentence start, after „Kathrin Passig“ was named: the tagger's sentence-start
    caution does not apply to a part of a person named before."""
    return len(word) > 2 and word[:1].isupper() and any(_part_of(word, p) for p in persons)


def _part_of(word: str, person: str) -> bool:
    """„Hegseth“ and the genitive „Hegseths“ are parts of „Pete Hegseth“."""
    parts = person.split()
    return word in parts or genitive_base(word) in parts


def genitive_base(word: str) -> str:
    """„Hegseths“ → „Hegseth“ (German genitive of a name); „Strauss“ stays."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


class NameFinder:
    """Finds and resolves name mentions in an article, sentence by sentence."""

    def mentions(self, text: str, sentences: list[Span] | None = None) -> list[Mention]:
        spans = sentences if sentences is not None else [(0, len(text))]
        lex = lexicon()
        persons: list[str] = []  # full names seen so far in this article, newest last
        out: list[Mention] = []
        for s, e in spans:
            toks = tokens(text[s:e], s)
            if not toks:
                continue
            tagged = tag_words([t for _, _, t in toks])
            flags = [
                _is_name(w, lemma, tag, i == 0, lex)
                for i, ((_, _, w), (_, lemma, tag)) in enumerate(zip(toks, tagged, strict=True))
            ]
            for k in range(len(toks) - 2, -1, -1):  # „Annalena Baerbock“: HanTa reads „Annalena“ as „Annalen“
                word = toks[k][2]
                flags[k] = flags[k] or (flags[k + 1] and _first_name(word, lex))
            i = 0
            while i < len(toks):
                if not flags[i] and not _known_part(toks[i][2], persons):
                    i += 1
                    continue
                j = i + 1
                while j < len(toks) and (
                    flags[j]
                    or (toks[j][2] in _PARTICLES and j + 1 < len(toks) and flags[j + 1])
                    or _surname_after_first_name(toks[j - 1][2], toks[j][2], lex)
                ):
                    j += 1
                words = [t for _, _, t in toks[i:j]]
                titled = i > 0 and bool(TITLE.search(toks[i - 1][2]))
                out.append(self._mention(text, toks[i][0], toks[j - 1][1], words, titled, persons, lex))
                i = j
        return out

    @staticmethod
    def _mention(
        text: str, start: int, end: int, words: list[str], titled: bool, persons: list[str], lex: Lexicon
    ) -> Mention:
        surface = text[start:end]
        known = next((p for p in reversed(persons) if all(_part_of(w, p) for w in words)), None)
        if known is not None:
            return Mention(start, end, surface, "person", known)
        # „Randy Henderson“, also after a title the tagger took for a name („Commander Randy
        # Henderson“), which is left out of the name. A first mention keeps a final s: „Horrocks“.
        first = next((i for i, w in enumerate(words[:-1]) if _first_name(w, lex, noun_too=True)), None)
        if first is not None or titled:
            name = " ".join(words[first or 0 :])
            persons.append(name)
            return Mention(start, end, surface, "person", name)
        place = words[0] if words[0] in lex.places else genitive_base(words[0])  # „Chinas“ is China
        if len(words) == 1 and place in lex.places:
            return Mention(start, end, surface, "place", place)
        if " ".join(words) in lex.places:  # „Sankt Petersburg“, „New York“
            return Mention(start, end, surface, "place", surface)
        return Mention(start, end, surface, "name", surface)
