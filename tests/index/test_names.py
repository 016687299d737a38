"""Names told apart from German nouns, and resolved within an article (real HanTa + lexicons)."""

from __future__ import annotations

from index.names import NameFinder
from index.sentences import split_sentences
from tests.conftest import SEEDS


def found(text: str) -> list[tuple[str, str, str]]:
    return [(m.text, m.kind, m.name) for m in NameFinder().mentions(text, split_sentences(text))]


def test_capitalised_nouns_are_not_names() -> None:
    assert found("Der Bau kostete 4 Millionen Euro.") == []
    assert found("Die Regierung beschloss am Montag eine neue Steuer auf Konfliktthemen.") == []


def test_the_persons_of_the_seed_article_are_found_and_resolved() -> None:
    text = next(SEEDS.glob("*.txt")).read_text(encoding="utf-8")
    persons = {name for _, kind, name in found(text) if kind == "person"}
    assert {"Pete Hegseth", "Dong Jun", "Donald Trump"} <= persons
    # later mentions by surname resolve to the full name
    assert ("Hegseth", "person", "Pete Hegseth") in found(text)
    assert ("Trump", "person", "Donald Trump") in found(text)
    places = {name for _, kind, name in found(text) if kind == "place"}
    assert {"Peking", "Taiwan", "Malaysia"} <= places


def test_a_shortened_name_resolves_to_the_full_name_named_before() -> None:
    mentions = found("Der Astronaut Yang Liwei flog ins All. Liwei sagte, es sei schön. Liweis Mutter weinte.")
    assert mentions == [
        ("Yang Liwei", "person", "Yang Liwei"),
        ("Liwei", "person", "Yang Liwei"),
        ("Liweis", "person", "Yang Liwei"),  # the genitive
    ]


def test_a_surname_the_tagger_misses_is_kept_after_a_first_name() -> None:
    # HanTa does not tag „Passig“ as a name; after the first name „Kathrin“ it is the surname
    assert found("Gewinnerin ist die Schriftstellerin Kathrin Passig. Passig lebt in Berlin.") == [
        ("Kathrin Passig", "person", "Kathrin Passig"),
        ("Passig", "person", "Kathrin Passig"),
        ("Berlin", "place", "Berlin"),
    ]


def test_a_title_makes_a_single_name_a_person_and_places_stay_places() -> None:
    mentions = found("Präsident Macron reiste nach Sankt Petersburg.")
    assert ("Macron", "person", "Macron") in mentions
    assert ("Sankt Petersburg", "place", "Sankt Petersburg") in mentions


def test_a_word_too_long_for_the_tagger_is_tagged_without_it_in_milliseconds() -> None:
    import time

    from index.names import MAX_TAGGED_CHARS, tag_words

    word = "Friedens" * 250  # 2,000 characters: 45 s in the tagger (issue #39)
    t = time.perf_counter()
    tagged = tag_words(["Die", "Regierung", "hat", word, "unterzeichnet", "."])
    assert time.perf_counter() - t < 2.0
    assert tagged[3] == (word, word, "XY") and len(word) > MAX_TAGGED_CHARS
    assert tagged[1][2] == "NN"  # the words around it are still tagged by the tagger
    assert found("Die Regierung hat " + "Friedens" * 190 + "vertrag unterzeichnet.") == []


def test_a_sentence_of_tens_of_thousands_of_tokens_is_tagged_in_windows_without_error() -> None:
    from index.names import TAG_WINDOW, tag_words

    words = ["„a"] * 40_000  # past about 40k tokens HanTa's Viterbi raised KeyError (issue #39)
    tagged = tag_words(words)
    assert len(tagged) == len(words) > TAG_WINDOW
    assert all(w == "„a" for w, _, _ in tagged)
