"""German analysis for keyword search: lower-case, fold umlauts and ß, drop stop words, stem.

Folding runs before stemming so that "Straße" and "Strasse" meet; the Snowball German stemmer
then joins "Gespräche"/"Gespräch" and "Bundesländer"/"Bundesland".
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_WORD = re.compile(r"\w+", re.UNICODE)
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})

STOP_WORDS = frozenset(
    """
    aber alle allem allen aller alles als also am an ander andere anderen anderer anderes auch auf
    aus bei beim bin bis bist da damit dann das dass dein deine dem den denn der des dessen dich
    dir die dies diese diesem diesen dieser dieses doch dort du durch ein eine einem einen einer
    eines einige er es etwas euch euer eure für gegen gewesen hab habe haben hat hatte hatten hier
    hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres im in indem ins ist jede jedem
    jeden jeder jedes jener jetzt kann kein keine keinem keinen keiner können könnte man manche
    mein meine mich mir mit muss musste nach nicht nichts noch nun nur ob oder ohne sehr sein
    seine seinem seinen seiner seit sich sie sind so solche soll sollte sondern sonst über um und
    uns unser unsere unter viel vom von vor war waren warst was weg weil weiter welche welchem
    welchen welcher welches wenn wer werde werden wie wieder will wir wird wirst wo wollen wollte
    würde würden zu zum zur zwar zwischen wurde wurden worden gesagt sagte sagten wann warum
    wieso weshalb welche welcher wem wen wessen woher wohin womit worüber wofür wovon laut
    """.split()
)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("german")


def fold(word: str) -> str:
    return word.lower().translate(_FOLD)


_FOLDED_STOP = frozenset(fold(w) for w in STOP_WORDS)


def words(text: str) -> list[str]:
    """Folded words of `text`, stop words removed, not stemmed."""
    return [w for w in (fold(t) for t in _WORD.findall(text)) if w not in _FOLDED_STOP]


def analyze(text: str) -> list[str]:
    """Terms for BM25: folded, stop words removed, stemmed."""
    return list(_stemmer().stemWords(words(text)))
