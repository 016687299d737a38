"""German language rules of the read path, in one place: question shapes, answer kinds, the
abstention sentence, and names told apart from nouns (`index.names`).

The write path keeps its own German (stop words and stemming in `index.analyzer`, reported
speech in `index.quotations`), because `index` never imports `rag`.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from index.analyzer import fold
from index.names import Mention, NameFinder, genitive_base
from rag.answer import AbstainReason

ABSTAIN_TEXT = "In den vorliegenden Artikeln finde ich dazu keine Angaben."
# Said after ABSTAIN_TEXT, so that a reader knows whether the closest passages shown below it are
# worth reading. Hedged: each check errs (docs/experiments/measuring-it.md). The reader and the judge both
# read the quotes, so one sentence serves both.
_CHECKED = "Die Prüfung der gefundenen Stellen ergab, dass sie die Frage wohl nicht beantworten."
_WHY: dict[AbstainReason, str] = {
    "unrelated": "Kein Artikel scheint diese Frage zu behandeln.",
    "missing": "Die Artikel behandeln das Thema, nennen aber offenbar nicht, wonach gefragt ist.",
    "doubtful": "Die gefundenen Stellen beantworten die Frage wahrscheinlich nicht.",
    "reader": _CHECKED,
    "judge": _CHECKED,
}


def abstain_text(reason: AbstainReason) -> str:
    """The answer's text when it abstains: that nothing was found, and why."""
    return f"{ABSTAIN_TEXT} {_WHY[reason]}"


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
# "Wer sagte was über Taiwan?", "Wer hat was zu Taiwan gesagt?": who is quoted about X, by person.
PEOPLE_QUESTION = re.compile(
    r"^\s*wer\s+(?:(?:hat|haben|hatte)\s+)?(?:sagte|sagt|sagten|äußerte|meinte)?\s*was\s+(?:über|zu|zum|zur)\s+"
    r"(?P<topic>.+?)\s*(?:gesagt|geäußert|gemeint)?\s*\??\s*$",
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
# The kind of detail a question asks for, and what a sentence must hold to state it. Each kind
# is German grammar, not a fit: „Wie alt“ is answered by an age („26 Jahre alt“, „44-jährig“),
# „Wie lange“ by a span of time, „Wie viel kostete“ by an amount of money. A number of another
# kind is no answer: the satellite article's „16 Minuten“ does not say what its launch cost.
AnswerKind = Literal[
    "date", "amount", "money", "percent", "age", "duration", "distance", "weight", "speed", "length", "name"
]
KINDS: tuple[AnswerKind, ...] = get_args(AnswerKind)
MONTHS = "januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember"
_DAYS = "montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag"
_DIGIT_WORDS = "zwei|drei|vier|fünf|sechs|sieben|acht|neun"
# number words as whole words: „Leipzig“ ends in „zig“ and „Jahrhundert“ holds „hundert“
_COUNT_WORDS = (
    rf"{_DIGIT_WORDS}|zehn|elf|zwölf|(drei|vier|fünf|sech|sieb|acht|neun)zehn|"
    rf"(\w+und)?((zwan|vier|fünf|sech|sieb|acht|neun)zig|dreißig)|"
    rf"(\w*(ein|{_DIGIT_WORDS}|zehn|zig|ßig|hundert))?(hundert|tausend)\w*|dutzend\w*"
)
# before a unit, „ein Tag“ and „mehrere Stunden“ are quantities too; alone, „ein“ is an article
_NUMBER_WORDS = (
    rf"ein|eine|einen|einem|einer|{_COUNT_WORDS}|mehrere\w*|einige\w*|wenige\w*|halbe\w*|anderthalb|"
    r"eineinhalb|zweieinhalb|millionen|milliarden"
)
# a number, in digits or words, maybe hedged („rund“), and at most two words before the unit
# („zwei volle Tage“, „150.000 bis 170.000 Jahren“)
_QUANTITY = (
    rf"(?:\b(?:etwa|rund|ungefähr|fast|knapp|über|gut|zirka|ca\.)\s+)?(?:\d[\d.,]*|\b(?:{_NUMBER_WORDS}))"
    r"(?:\s+\S+){0,2}?\s*-?\s*"
)
_UNIT = r"(?<=[\d\s-])"  # a unit stands apart from the word before it („einem“ holds no „m“)
_TIME_UNITS = rf"{_UNIT}(?:sekunde|minute|stunde|tag|woche|monat|jahr|jahrzehnt|jahrhundert)\w*"
_DISTANCE_UNITS = rf"{_UNIT}(?:\w*meter\w*|km|m|cm|mm|\w*meilen?|fuß|lichtjahr\w*)\b"
_WEIGHT_UNITS = rf"{_UNIT}(?:\w*gramm|kilo|kg|g|\w*tonnen?|t|pfund|zentner)\b"
_SPEED_UNITS = rf"{_UNIT}(?:km/h|stundenkilometer\w*|knoten|mach)\b"
MONEY = re.compile(
    rf"(\d[\d.,]*|\b(?:{_NUMBER_WORDS})\b)\s*"
    r"(million(en)?\s+|milliarden?\s+|mio\.?\s+|mrd\.?\s+)?"
    r"(euro|€|dollar|us-dollar|\$|pesos?|franken|pfund|yuan|rubel|kronen|cent)\b|[€$]\s*\d|"
    r"\b(kostenlos|kostenfrei|gratis|umsonst|unentgeltlich)\b",
    re.I,
)
_ANSWERS: dict[AnswerKind, str] = {
    "money": MONEY.pattern,
    "percent": (
        rf"\d\s*%|{_QUANTITY}{_UNIT}prozent|hälfte|drittel|viertel|fünftel|zehntel|fache\b|"
        r"\bjede[rs]?\s+(zweite|dritte|vierte|fünfte)"
    ),
    # years only as an age („83 Jahre alt“, „mit / im Alter von 78 Jahren“, „vor 515 Millionen
    # Jahren“), not as a span („seit 25 Jahren“); -jährig after a number („diesjährig“ is none)
    "age": (
        rf"{_QUANTITY}{_UNIT}jahre?n?\s+alt\b|\b(mit|von|vor)\s+{_QUANTITY}{_UNIT}jahren\b|"
        rf"(\d+-?|\b(?:{_NUMBER_WORDS}))jährig\w*|\balter\b|\(\d{{1,3}}\)|\bgeboren\b|\bjahrgang\b|"
        r"baujahr|lebensjahr"
    ),
    "duration": (
        rf"{_QUANTITY}{_TIME_UNITS}|\bseit\s+(\d|{MONTHS}|{_DAYS}|de[mr]|jahren|monaten|wochen|tagen|langem|kurzem|"
        r"ende|anfang|mitte|beginn)|\bbis\s+(zu[mr]?|ende|anfang|mitte|\d)|\w+lang\b|"
        r"stündig|tägig|wöchig|monatig|\bdauer"
    ),
    "distance": rf"{_QUANTITY}{_DISTANCE_UNITS}|\w*meter(lang|hoch|tief|breit|weit)",
    "weight": rf"{_QUANTITY}{_WEIGHT_UNITS}",
    # a speed is often a distance and a time written apart („3000 Höhenmeter in einer Minute“)
    "speed": rf"{_QUANTITY}{_SPEED_UNITS}|{_QUANTITY}{_DISTANCE_UNITS}",
    "date": (
        rf"\b(1[0-9]|20)\d\d\b|\b({MONTHS}|{_DAYS})\b|(?<![\d.])\d{{1,2}}\.\s?\d{{1,2}}\.(\d{{2,4}}\b|(?!\d))|"
        r"(\d{1,2}([.:]\d\d)?\s*)?\buhr\b|"
        r"\b(heute|gestern|morgen|vorgestern|übermorgen|heuer|demnächst|kürzlich|jüngst)\b|"
        r"\b(nächste|kommende|vergangene|letzte|diese|vorige|folgende|selbe|gleiche)\w*\s+"
        r"(woche|monat|jahr|tag|wochenende|nacht|abend|morgen)\w*|"
        rf"\b(vor|in|nach|binnen|innerhalb|ab)\s+{_QUANTITY}{_TIME_UNITS}|"
        r"\b(frühjahr|frühling|sommer|herbst|winter|weihnacht\w*|ostern|silvester|neujahr|pfingsten)\b|"
        r"\b(anfang|mitte|ende)\s+(des|der|nächst|kommend)|jahrhundert|jahrzehnt|\b\d+er(n|jahren?)?\b|"
        r"\b(am|gegen|in der)\s+(früh\w*\s+)?(morgen|vormittag|mittag|nachmittag|abend|nacht)\b"
    ),
    # a number that is no year, clock time or day of the month
    "amount": (
        rf"\b(?!(1[5-9]|20)\d\d\b)\d+([.,]\d+)*(?![\d:])(?!\s*uhr)(?!\.\s*({MONTHS}|\d{{1,2}}\.))|"
        rf"\b({_COUNT_WORDS}|hälfte|prozent|millionen?|milliarden?|beide\w*|"
        r"\w+mal|selten|häufig|oft|mehrfach|täglich|wöchentlich|monatlich|jährlich)\b|drittel|viertel|fache"
    ),
}
_ANSWERS["length"] = f"{_ANSWERS['distance']}|{_ANSWERS['duration']}"  # „Wie lang“: a distance or a time
ANSWERS: dict[AnswerKind, re.Pattern[str]] = {k: re.compile(v, re.I) for k, v in _ANSWERS.items()}

# Question shapes, the first that matches wins. „Wie hoch“ asks for money, a share or a count
# depending on its noun, so the kinds with a noun come first.
_HOW_MUCH = r"(\w+\s+)?(wie\s*viele?\w*|wie hoch|wie groß|wie teuer|welche\w* (preis|summe|betrag|höhe))\b"
# how much of a mass noun: „wie viele Nominierungen für den Preis“ asks for a count, not money
_HOW_MUCH_MONEY = r"(\w+\s+)?(wie\s*viel|wie hoch|wie teuer|welche\w* (preis|summe|betrag|höhe))\b"
_COST = r"(kost(e|et|ete|eten|en)?|gekostet)"  # the verb, not „Kostüm“
_QUESTIONS: tuple[tuple[AnswerKind, str], ...] = (
    (
        "money",
        rf"^({_HOW_MUCH_MONEY}.*\b(preis\w*|euro|dollar|geld\w*|{_COST}|lohn|gehalt|lösegeld|kopfgeld|betrag|summe|"
        r"gebühr\w*|\w*schaden|schäden|einbringen|einnahmen|umsatz|gewinn|verlust|bezahlt|gezahlt|investi\w*)\b"
        r"|wie teuer|(\w+\s+)?welche\w* (preis|summe|betrag|gebühr)"
        rf"|was {_COST}\b|was (soll|sollen|sollte|wird|würde|hat|haben|hatte|muss)\b.*\b{_COST}\b)",
    ),
    ("percent", rf"^({_HOW_MUCH}.*\b(prozent\w*|anteil|\w*quote|\w*rate)\b|welche\w* (prozentsatz|anteil))"),
    ("age", r"^(wie alt|in welchem alter|mit wie vielen jahren)\b"),
    (
        "duration",
        r"^((\w+\s+)?wie lange|wie viel zeit|(\w+\s+)?wie viele (sekunden|minuten|stunden|tage|wochen|monate|jahre)\b)",
    ),
    ("length", r"^wie lang\b"),
    ("distance", r"^(wie (weit|tief|breit)\b|(aus|in|auf|bis zu) welche\w* (höhe|tiefe|entfernung))"),
    ("weight", r"^(wie schwer\b|(\w+\s+)?wie viel gewicht|welche\w* gewicht|(\w+\s+)?wie viele (tonnen|kilo\w*)\b)"),
    ("speed", r"^(wie schnell\b|mit welche\w* geschwindigkeit)"),
    (
        "date",
        r"^((seit|bis|ab)\s+)?wann\b|^(in|an|zu|seit|bis|um) welche\w* (jahr|monat|tag|datum|zeitpunkt|uhrzeit)\b"
        r"|^um wie viel uhr",
    ),
    ("amount", rf"^{_HOW_MUCH}|^wie oft\b"),
    (
        "name",
        r"^((mit|von|für|gegen|an|bei|zu|über|durch)\s+)?(wer|wem|wen|wessen)\b"
        r"|^wie (heißt|hieß|heißen|hießen|nennt sich)\b|^wie (lautet|lautete) (der|die) name"
        r"|^(\w+\s+)?welche\w* (firma|unternehmen|konzern|hersteller|partei|verein|organisation|gruppe|zeitung|"
        r"sender|band|mannschaft|team|club|klub|behörde|agentur|politiker\w*|spieler\w*)\b",
    ),
)
_QUESTION_KINDS = tuple((kind, re.compile(p, re.I)) for kind, p in _QUESTIONS)
_TIME_WORDS = f"{MONTHS}|{_DAYS}|jahr|woche|tag|uhr"
TIME_WORD = re.compile(rf"\b(\d{{4}}|{_TIME_WORDS}|gestern|heute|vorgestern|morgen)\b", re.I)
# Reported speech in a sentence, and questions that ask for it („Was sagte …“, „Wie begründete …“).
SPEECH = re.compile(
    r"[„“\"»«]|\b(sagte|sagt|erklärte|erklärt|betonte|sei|seien|habe|hätte|wäre|würden?|forderte|kritisierte)\b", re.I
)
SPEECH_QUESTION = re.compile(
    r"\b(sagt|sagte|äußert|erklärt|meint|wirft|warf|forder|kritisier|begründ|wehrte|kommentier)", re.I
)
# Questions that ask where: a place answers them (the sentence scorer reads it; no kind of its own,
# because a place name is no pattern the abstention rules could check).
PLACE_QUESTION = re.compile(
    r"^(wo|wohin|woher)\b|^(in|an|aus|nach|auf) welche\w* (stadt|land|ort|region|staat|gemeinde|hauptstadt|"
    r"bundesland|provinz|insel|kanton|bezirk|stadtteil|gebäude|halle|stadion)\b",
    re.I,
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
# A date in a question („2010“, „März 2009“, „3. März 2009“), its day, month and year as groups;
# the years a news archive can hold: printed news from 1900, and none from the far future.
# `rag.when` reads the period from it; the question's shape („Was wurde … über X gesagt?“) is
# read without it (`DATED`).
DATE_WORDS = rf"(?:(\d{{1,2}})\.\s*)?(?:({MONTHS})\s+)?((?:19|20)\d\d)"
PART_OF = r"(?:(?:anfang|ende|mitte)\s+)?"  # „Anfang 2010“
DATED = re.compile(rf"\s+(?:(?:im|am|seit|ab|bis|zwischen|und)\s+)?{PART_OF}{DATE_WORDS}\b", re.I)


def answer_kind(question: str) -> AnswerKind | None:
    q = " ".join(question.strip().lower().split())
    return next((kind for kind, pattern in _QUESTION_KINDS if pattern.search(q)), None)


def topic_of(question: str) -> tuple[str | None, bool]:
    """The X of "Was wurde über X gesagt?"-style questions (else None), and whether the question
    asks who said it („Wer sagte was über X?“)."""
    if m := PEOPLE_QUESTION.match(question):
        return m.group("topic").strip(" ?."), True
    m = TOPIC_QUESTION.match(question)
    return (m.group("topic").strip(" ?.") if m else None), False


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
