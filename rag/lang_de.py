"""German language rules of the read path, in one place: question shapes, answer kinds, the
abstention sentence, and names told apart from nouns (`index.names`).

The write path keeps its own German (stop words and stemming in `index.analyzer`, reported
speech in `index.quotations`), because `index` never imports `rag`.
"""

from __future__ import annotations

import re
from typing import Literal

from index.analyzer import fold
from index.names import Mention, NameFinder, genitive_base

AnswerKind = Literal["date", "amount", "name"]

ABSTAIN_TEXT = "In den vorliegenden Artikeln finde ich dazu keine Angaben."

# "Was wurde über X gesagt?", "Was steht in den Artikeln über X?": what the archive says about X.
# A named speaker ("Was sagte Sgrena über X?") asks what one person said (`SPEAKER_QUESTION`),
# so only impersonal subjects are allowed here.
_IMPERSONAL = (
    r"(?:(?:man|es)\s+|(?:in\s+)?(?:den|die|der|das|im)\s+"
    r"(?:artikel\w*|presse|medien|zeitung\w*|quellen|bericht\w*|nachrichten|archiv)\s+)?"
)
TOPIC_QUESTION = re.compile(
    r"^\s*(was\s+(wurde|wird|ist)\s+(über|zu)|"
    rf"was\s+(sagt|sagen|sagte|sagten|berichtet|berichten|berichtete|steht|stand|schreibt|schreiben)\s+{_IMPERSONAL}(über|zu)|"
    r"was\s+gibt\s+es\s+(neues\s+)?(über|zu)|worüber)\s+(?P<topic>.+?)\s*(gesagt|berichtet|bekannt|geschrieben)?\s*\??\s*$",
    re.I,
)
# "Was sagte Olaf Scholz (über die Rente)?", "Was hat Trump zu Taiwan gesagt?"
SPEAKER_QUESTION = re.compile(
    r"^\s*was\s+(?:(?:sagte|sagten|sagt|erklärte|meinte|äußerte|schrieb|forderte|kritisierte|betonte)\s+"
    r"(?P<speaker>.+?)(?:\s+(?:über|zu|zum|zur)\s+(?P<about>.+?))?"
    r"|(?:hat|haben|hatte)\s+(?P<speaker2>.+?)(?:\s+(?:über|zu|zum|zur)\s+(?P<about2>.+?))?\s+"
    r"(?:gesagt|erklärt|gemeint|geäußert|geschrieben|gefordert|kritisiert|betont))\s*\??\s*$",
    re.I,
)
_KIND_PREFIXES: tuple[tuple[AnswerKind, tuple[str, ...]], ...] = (
    ("date", ("wann", "seit wann", "bis wann", "in welchem jahr", "an welchem tag")),
    ("amount", ("wie viel", "wieviel", "wie hoch", "wie viele", "wie groß", "wie lang", "wie alt", "wie teuer")),
    ("name", ("wer ", "wem ", "wen ", "wessen ")),
)
# Questions about money („Wie viel kostet …“): the answer must state an amount of money.
MONEY_QUESTION = re.compile(
    r"\b(preis|preisgeld|euro|dollar|geld|kostet|kosten|gekostet|lohn|gehalt|lösegeld|kopfgeld|betrag|summe|"
    r"gebühr\w*|sachschaden|einbringen|einnahmen|bezahlt|gezahlt)\b",
    re.I,
)
HOW_MUCH = re.compile(r"\b(wie viel|wieviel|wie hoch|welche\w* (preis|summe|betrag)|zu welchem preis|auf wie viel)")
MONEY = re.compile(
    r"(\d[\d.,]*|\b(ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|hundert|tausend)\w*)\s*"
    r"(millionen\s+|milliarden\s+|mio\.?\s+|mrd\.?\s+)?"
    r"(euro|€|dollar|us-dollar|\$|pesos?|franken|pfund|yuan|rubel|kronen|cent)\b|[€$]\s*\d",
    re.I,
)
_TIME_WORDS = (
    "januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|"
    "montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|jahr|woche|tag|uhr"
)
DATE = re.compile(rf"\b(\d{{1,4}}|{_TIME_WORDS})\b", re.I)
TIME_WORD = re.compile(rf"\b(\d{{4}}|{_TIME_WORDS}|gestern|heute|vorgestern|morgen)\b", re.I)
AMOUNT = re.compile(
    r"\d|\b(zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|hundert|tausend|"
    r"dutzend|hälfte|drittel|viertel|prozent|millionen?|milliarden?)\b",
    re.I,
)
# Reported speech in a sentence, and questions that ask for it („Was sagte …“, „Wie begründete …“).
SPEECH = re.compile(
    r"[„“\"»«]|\b(sagte|sagt|erklärte|erklärt|betonte|sei|seien|habe|hätte|wäre|würden?|forderte|kritisierte)\b", re.I
)
SPEECH_QUESTION = re.compile(
    r"\b(sagt|sagte|äußert|erklärt|meint|wirft|warf|forder|kritisier|begründ|wehrte|kommentier)", re.I
)
CAUSE = re.compile(r"\b(weil|da|denn|wegen|aufgrund|deshalb|daher|grund|begründ\w*)\b", re.I)
CAUSE_QUESTION = ("warum", "weshalb", "wieso", "weswegen", "mit welcher begründung", "aus welchem grund", "wodurch")
# Words of a follow-up that lean on the conversation („Und was sagte China dazu?“).
REFERRING = frozenset(
    [
        "er",
        "sie",
        "es",
        "ihm",
        "ihn",
        "ihr",
        "ihnen",
        "dazu",
        "dabei",
        "darüber",
        "davon",
        "daran",
        "damit",
        "darauf",
        "dort",
        "damals",
        "dies",
        "diese",
        "dieser",
        "dieses",
        "jene",
        "jener",
        "deren",
        "dessen",
        "derselbe",
        "dasselbe",
        "ebenfalls",
        "auch",
    ]
)
_names = NameFinder()


def answer_kind(question: str) -> AnswerKind | None:
    q = question.strip().lower()
    return next((kind for kind, prefixes in _KIND_PREFIXES if q.startswith(prefixes)), None)


def topic_of(question: str) -> str | None:
    """The X of "Was wurde über X gesagt?"-style questions, else None."""
    m = TOPIC_QUESTION.match(question)
    return m.group("topic").strip(" ?.") if m else None


def asks_money(question: str) -> bool:
    q = question.lower()
    return bool(MONEY_QUESTION.search(q)) and bool(HOW_MUCH.search(q))


def mentions(text: str) -> list[Mention]:
    """Name mentions of a short text (a question, a generated sentence), tagged now."""
    return _names.mentions(text)


def name_keys(found: list[Mention]) -> set[str]:
    """Folded words of the mentions' full names: „Liwei“ gives {"yang", "liwei"}; a word in -s
    also without it, so the genitive „David Camerons“ meets „Cameron“."""
    words = {fold(w) for m in found for w in m.name.split()}
    return words | {genitive_base(w) for w in words}


def names(text: str) -> set[str]:
    """Names (persons, places, organisations) in `text`, folded; common nouns are never names:
    `names("Der Bau kostete 4 Millionen Euro.") == set()`."""
    return name_keys(mentions(text))
