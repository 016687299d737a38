from __future__ import annotations

import itertools

from index.sentences import _somajo, split_sentences
from tests.conftest import SEEDS


def texts(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_keeps_abbreviations_initials_dates_and_quotes_whole() -> None:
    text = (
        "Dr. Müller kam z. B. am 3. Oktober nach Berlin. James L. Jones sagte u. a. etwas. "
        "Er rief: „Das ist gut. Sehr gut.“ Dann ging er."
    )
    assert texts(text) == [
        "Dr. Müller kam z. B. am 3. Oktober nach Berlin.",
        "James L. Jones sagte u. a. etwas.",
        "Er rief: „Das ist gut. Sehr gut.“",
        "Dann ging er.",
    ]


def test_offsets_slice_the_text_exactly() -> None:
    text = 'Erster Satz.\nZweiter "zitierter. Satz" hier.  Dritter!'
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["Erster Satz.", 'Zweiter "zitierter. Satz" hier.', "Dritter!"]
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_skipping_the_emoji_search_splits_exactly_as_somajo_does() -> None:
    """The shortcut in `index.sentences._somajo` against an unchanged SoMaJo, on text with no
    emoji, with emoji (😀, a flag, a joined family) and with © and ® (emoji classes, too)."""
    from somajo import SoMaJo

    reference = SoMaJo("de_CMC", character_offsets=True)
    seed = next(SEEDS.glob("*.txt")).read_text(encoding="utf-8")
    samples = [
        seed,
        "Das war gut 😀 sagte sie. Dann 🇩🇪 und 👨‍👩‍👧 am Ende. Noch ein Satz ☺️!",
        "Die Marke © 2024 gehört der Firma®. Sie klagt. Dr. Weber bestätigte das.",
    ]
    for text in samples:
        ours = [(t[0].character_offset[0], t[-1].character_offset[1]) for t in _somajo().tokenize_text([text]) if t]
        theirs = [(t[0].character_offset[0], t[-1].character_offset[1]) for t in reference.tokenize_text([text]) if t]
        assert ours == theirs and len(ours) >= 3
    emoji_tokens = [
        tok.text for s in _somajo().tokenize_text([samples[1]]) for tok in s if tok.token_class == "emoticon"
    ]
    assert "😀" in emoji_tokens  # the emoji path still runs where there are emoji
