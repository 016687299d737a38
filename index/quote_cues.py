"""The German words that mark reported speech, for `index.quotations` and `index.quote_speaker`:
speech verbs, the subjunctive, the shapes of „laut X“ and „X zufolge“, and the noun phrases a
speaker can be. Lexicon only, no logic: the rules over it are in those two modules.
"""

from __future__ import annotations

import re

# Speech verbs (finite forms and participles), lower case: „Bericht“ is a noun, „berichtet“ a cue.
# Strong cues are speech verbs; weak ones („gab … an“, „stellte … fest“, „sieht“) report speech
# only sometimes, so a sentence's cue is its first strong one, else its first weak one.
STRONG = (
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
WEAK = (
    r"hofft\w*|glaubt\w*|sieht|sah|fügte|bekannte\w*|gab|gibt|wies|verwies|verweist|stellte|stellt|"
    r"lobt\w*|gelobt|vermute\w*|befürchte\w*|rief|ruft|zeigte|zeigt|führt|führte|warf|wirft|machte|"
    r"brachte|weist|hieß|heißt|schloss|informierte|rechnet|geht\s+davon\s+aus|ging\s+davon\s+aus|"
    r"schätzt\w*|eingeschätzt|bat|baten|bittet|gebeten"
)
CUE = re.compile(rf"\b({STRONG})\b")
# Cues whose object is what was said, so the sentence is the statement even without a clause:
# „X kritisierte die Pläne“, „X bezeichnete die Operation als Verstoß“ (not „X sprach in Kiel“).
CONTENT_CUE = re.compile(
    r"kritisier\w*|forder\w*|gefordert|warn\w*|gewarnt|bezeichne\w*|bestätig\w*|dementier\w*|"
    r"begründ\w*|beklagt\w*|bemängel\w*|verlangt\w*|spekulier\w*|bezweifel\w*|vorgeworfen|nannte|nennt|schätzt\w*"
)
WEAK_CUE = re.compile(rf"\b({WEAK})\b")
ACCORDING = re.compile(
    r"\b(laut|zufolge|gemäß|demnach|nach\s+(angaben|aussagen?|einschätzung|ansicht|meinung|auffassung|"
    r"informationen|darstellung|(den\s+)?worten|berichten?|schätzungen|erkenntnissen)|"
    r"(?<=[,“\x22] )so(?!\s+(dass|daß|genannt\w*|wie|weit|lange|viele?|oft|bald|sehr|schnell)\b)|"
    r"wie\s+\w+(\s+\w+){0,3}\s+(mitteilte|sagte|berichtete|"
    r"erklärte|meldete|bestätigte|schrieb))\b",
    re.I,
)
# The subjunctive, the mood of reported speech, in the forms news uses: subjunctive I of the
# auxiliaries and modals, of a few full verbs, and subjunctive II.
KONJ1_AUX = "sei|seien|habe|werde|könne|müsse|solle|wolle|dürfe|gebe"
KONJ1_VERBS = "liege|komme|gehe|stehe|fehle|halte|sehe|bleibe|wisse|gelte|lasse|brauche"
KONJ2 = "hätte|hätten|würde|würden|könnten|müssten|sollten|wollten|wäre|wären|gäbe"
# „zurückzunehmen“, „einzubringen“: the „zu“ of a separable verb's infinitive sits inside it.
SEPARABLE = "(?:ab|an|auf|aus|bei|ein|fest|mit|nach|vor|weg|zurück|hin|her|dar|fort|frei|teil|weiter|wieder|zusammen)"
# What a reported clause after „sagte X,“ looks like: „dass …“, a subjunctive, „zu“ + infinitive,
# or a pronoun with a verb in -e („er warte“).
CLAUSE = re.compile(
    rf"^,\s*dass\b|\b({KONJ1_AUX}|{KONJ2})\b|\bzu\s+\w+en\b|\b{SEPARABLE}zu\w+en\b|\b(er|sie|es|man)\s+\w+e\b"
)
# A sentence in the subjunctive goes on with the quotation before it (`_continues`).
SUBJUNCTIVE = re.compile(rf"\b(seiest|{KONJ1_AUX}|{KONJ1_VERBS}|{KONJ2})\b")
PREPOSITIONS = (
    "in|im|aus|nach|von|vom|mit|bei|beim|auf|über|für|gegen|zu|zum|zur|an|am|vor|unter|seit|während|wegen|trotz"
)
# „in Malaysia sagte Dong“: a name after a preposition is no subject
PREPOSITION = re.compile(rf"\b({PREPOSITIONS})\s+((der|die|das|dem|den|des)\s+)?$", re.I)
PRONOUN = re.compile(r"\b(er|sie|Er|Sie)\b")  # „es“ and „man“ never stand for a person here
# A clause that opens with a prepositional phrase („Für sie fordert X“, „Vor dem Konklave meinte
# X“) has its subject after the verb.
FRONTED_PP = re.compile(rf"^\s*({PREPOSITIONS}|angesichts)\b", re.I)
# A finite auxiliary or modal before a participle or infinitive cue („X hat Y gebeten“, „X wird
# … sagen“) takes the verb-second place.
AUXILIARY = re.compile(
    r"\b(hat|haben|hatte|hatten|ist|sind|war|waren|wird|werden|wurde|wurden|will|wollte|kann|konnte|"
    r"soll|sollte|muss|musste)\b"
)
RELATIVE = re.compile(r"^\s*(der|die|das|dem|den|deren|dessen|welche[rsmn]?)\b")
# What may stand between a cue and the name it introduces: articles, capitalised words,
# inflected adjectives and the prepositions of a title, at most one comma at the end — „meinte
# der Friedensnobelpreisträger Adolfo Pérez Esquivel“, „erklärte die Geschäftsführerin der
# Organisation, Manuela Roßbach“.
TITLE_PHRASE = re.compile(
    r"(?:\s+(?:der|die|das|des|dem|den|im|in|von|vom|für|aus|bei|zum|zur|[A-ZÄÖÜ][\w.-]*|[a-zäöüß]+(?:e|en|er|es))){1,12},?\s*"
)
# What closes a quotation opened by each mark (a German „ closes with “, or with ” or " as typed).
CLOSING = {"„": '“”"', "»": "«", '"': '"', "“": "”"}
SPEAKER_NOUN = re.compile(
    r"\b(?i:der|die|das|ein|eine|eines|einer|des|dem)\s+((?:[A-ZÄÖÜ][\wäöüß-]*\s+){0,2}[A-ZÄÖÜ][\wäöüß-]*)", re.UNICODE
)
# Two or three capitalised words right after a cue, the tagger notwithstanding: a name.
BARE_NAME = re.compile(r"\s*([A-ZÄÖÜ][\wäöüß'’-]+(?:\s+[A-ZÄÖÜ][\wäöüß'’-]+){1,2})\b")
# „laut Anklage“, „laut ''Westfalen-Blatt''“: up to three capitalised words right after the cue
BARE_NOUN = re.compile(r"([A-ZÄÖÜ][\wäöüß-]+(?:\s+[A-ZÄÖÜ][\wäöüß-]+){0,2})\b")
# The article, up to two inflected adjectives and up to three capitalised words that open a
# speaker after „laut“ or „so“: „der britischen Regierung“, „die Staatsanwaltschaft Gießen“.
OPENING_NOUN = re.compile(
    r"(?i:der|die|das|dem|den|des|ein|eine|einer|eines|einem)\s+(?:[a-zäöüß]+(?:e|en|er|es|em)\s+){0,2}"
    r"(?:[A-ZÄÖÜ][\wäöüß-]*\s+){0,2}[A-ZÄÖÜ][\wäöüß-]*"
)
BY = re.compile(r"(?:von|vom)\s+")
QUOTE_MARKS = " '\"„“»«‚‘"
AS = re.compile(r"\s*wie\s+", re.I)  # a clause „Wie X berichtete, …“ names X right after „wie“
# Subjunctive I: a sentence in it reports what someone said, even without a cue of its own.
REPORTED = re.compile(rf"\b({KONJ1_AUX}|{KONJ1_VERBS})\b")

# Candidate speakers for `index.speaker_choice`, matched within one sentence: a noun phrase with
# an article, demonstrative or possessive („die ermittelnde Polizei“, „sein Anwalt“); one without,
# opening a clause („Kritiker hatten …“, „Verschiedene Medien berichteten“); the source after
# „laut“, „so“ or „nach Angaben“, also in quotation marks or a lower-case web address („laut
# ndr.de“); a demonstrative that stands for a person („Dieser bestätigte“).
SPEAKER_PHRASE = re.compile(
    r"\b(?i:der|die|das|dem|den|des|ein|eine|einer|eines|einem|diese[rmns]?|sein[erms]?|seine|ihr[erms]?|ihre)\s+"
    r"(?:[a-zäöüß]+(?:e|en|er|es|em)\s+){0,2}(?:[A-ZÄÖÜ][\wäöüß-]*\s+){0,2}[A-ZÄÖÜ][\wäöüß-]*"
)
BARE_PHRASE = re.compile(
    r"(?:^|(?<=[,:;“] ))(?:[A-ZÄÖÜa-zäöüß]+(?:e|en|er|es)\s+){0,2}[A-ZÄÖÜ][\wäöüß-]*(?=\s+[a-zäöüß])"
)
SOURCE_AFTER = re.compile(
    r"\b(?i:laut|so|nach\s+(?:angaben|aussagen?|einschätzung|ansicht|meinung|auffassung|informationen|"
    r"darstellung|bewertung|berichten?))\s+(?P<source>[„\"]?(?:[a-zäöüß]+\s+){0,2}"
    r"(?:[A-ZÄÖÜ][\w.-]*|[\w-]+[.-][\w.-]+)(?:\s+[A-ZÄÖÜ][\w.-]*)?“?)"
)
# „Demnach …“, „Demzufolge …“: an adverb that points back to the source named before
POINTER = re.compile(r"\b(?:[Dd]emnach|[Dd]emzufolge)\b")
DEMONSTRATIVE = re.compile(r"\b(?:Dieser|Diese|dieser|diese|Letzterer|Letztere)(?=\s+[a-zäöüß])")
