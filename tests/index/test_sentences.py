from __future__ import annotations

import itertools

from index.sentences import split_sentences


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
