"""Reported speech and its speakers, found by rules over real name mentions."""

from __future__ import annotations

from index.sentences import split_sentences
from index.speech import ArticleSpeech, annotate
from tests.conftest import SEEDS


def quotes(text: str) -> list[tuple[str, str, str | None]]:
    speech = annotate(text, split_sentences(text))
    return [(q.kind, text[q.quote[0] : q.quote[1]], q.speaker) for q in speech.quotations]


def test_a_direct_quote_after_its_speaker_and_one_before_it() -> None:
    text = (
        "Kanzler Olaf Scholz sprach in Berlin. Scholz sagte: „Wir werden die Rente sichern, das ist versprochen.“ "
        "„Die Lage ist ernst, aber nicht hoffnungslos“, sagte Wirtschaftsminister Robert Habeck."
    )
    assert quotes(text) == [
        ("direct", "„Wir werden die Rente sichern, das ist versprochen.“", "Olaf Scholz"),
        ("direct", "„Die Lage ist ernst, aber nicht hoffnungslos“", "Robert Habeck"),
    ]


def test_indirect_speech_and_according_to_are_attributed() -> None:
    text = (
        "Die Ministerin Annalena Baerbock sagte, die Gespräche seien konstruktiv gewesen. "
        "Laut Polizeisprecher Hans Müller wurde niemand verletzt."
    )
    found = quotes(text)
    assert found[0] == ("indirect", "die Gespräche seien konstruktiv gewesen", "Annalena Baerbock")
    assert found[1][0] == "indirect" and found[1][2] == "Hans Müller"
    assert "niemand verletzt" in found[1][1]


def test_a_pronoun_speaker_is_the_last_person_and_subjunctive_sentences_continue_a_quote() -> None:
    text = (
        "Der Sprecher Peter Schmidt äußerte sich am Abend. Er sagte, die Lage sei unter Kontrolle. "
        "Es gebe keine Gefahr für die Bevölkerung. Der Zug fuhr um acht Uhr ab."
    )
    speech = annotate(text, split_sentences(text))
    assert len(speech.quotations) == 1
    q = speech.quotations[0]
    assert q.speaker == "Peter Schmidt" and text[q.speaker_span[0] : q.speaker_span[1]] == "Er"  # type: ignore[index]
    continued = [text[s:e] for s, e in q.spans()]
    assert continued == ["die Lage sei unter Kontrolle", "Es gebe keine Gefahr für die Bevölkerung"]


def test_the_seed_articles_quotes_belong_to_hegseth_dong_and_trump() -> None:
    text = next(SEEDS.glob("*.txt")).read_text(encoding="utf-8")
    speech = annotate(text, split_sentences(text))

    def speaker_of(words: str) -> str | None:
        return next(q.speaker for q in speech.quotations if any(words in text[s:e] for s, e in q.spans()))

    assert speaker_of("Konflikte entschärfen") == "Pete Hegseth"
    assert speaker_of("noch nie besser") == "Pete Hegseth"
    assert speaker_of("den Dialog auf politischer Ebene") == "Dong Jun"
    assert speaker_of("Taiwan-Frage") == "Donald Trump"
    # stored with the article and read back unchanged
    again = ArticleSpeech.from_dict(speech.to_dict(), text)
    assert again.quotations == speech.quotations and again.mentions == speech.mentions
