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
