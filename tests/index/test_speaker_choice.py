"""The learned speaker choice: the shipped weights over real candidates, and its logic with
weights written here."""

from __future__ import annotations

import hashlib
import json

import pytest

from index.errors import ModelError
from index.names import NameFinder
from index.quotations import QuotationFinder
from index.sentences import split_sentences
from index.speaker_choice import candidates
from index.speaker_features import FEATURES, Article
from index.speaker_model import WEIGHTS_FILE, WEIGHTS_SHA256, SpeakerModel, choose_speakers, shipped_model
from index.speech import annotate
from tests.conftest import ROOT, SEEDS


def speakers(text: str) -> list[tuple[str, str | None]]:
    speech = annotate(text, split_sentences(text))
    return [(text[q.quote[0] : q.quote[1]], q.speaker) for q in speech.quotations]


def rule_speakers(text: str) -> list[str | None]:
    sentences = split_sentences(text)
    return [q.speaker for q in QuotationFinder().find(text, sentences, NameFinder().mentions(text, sentences))]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # a plural noun with no article opens the clause: the rules knew no such speaker
        (
            "Der Minister Karl Berger stellte den Haushalt vor. Kritiker hatten ihm vorgeworfen, er wolle sich "
            "mit den Projekten nur selbst bereichern.",
            "Kritiker",
        ),
        # a newspaper in quotation marks after „laut“
        (
            "Der Bürgermeister Hans Weber lehnte den Plan ab. Laut „Tagesspiegel“ seien die Kosten um die "
            "Hälfte zu hoch gewesen.",
            "Tagesspiegel",
        ),
        # an adjective before the noun
        (
            "Die Polizei nahm zwei Männer fest. Verschiedene Medien berichteten, dass nur jeder hundertste "
            "Besucher kontrolliert werde.",
            "Verschiedene Medien",
        ),
    ],
)
def test_the_model_finds_speakers_the_rules_missed(text: str, speaker: str) -> None:
    assert rule_speakers(text) == [None]  # what the rules alone stored
    assert [who for _, who in speakers(text)] == [speaker]


def test_a_named_speaker_stays_the_named_person() -> None:
    text = (
        "Heute bestätigte Gabriel Moreau, dass es im Gefängnis ein Problem mit der Versorgung gibt. "
        "„Wir brauchen sofort mehr Lebensmittel für alle Gefangenen“, sagte Moreau."
    )
    assert [who for _, who in speakers(text)] == ["Gabriel Moreau", "Gabriel Moreau"]


def test_every_feature_the_candidates_carry_is_one_the_model_knows() -> None:
    """A feature name missing from FEATURES would get no weight in training and none in use."""
    text = (
        SEEDS.read_text(encoding="utf-8") if SEEDS.is_file() else next(SEEDS.glob("*.txt")).read_text(encoding="utf-8")
    )
    sentences = split_sentences(text)
    mentions = NameFinder().mentions(text, sentences)
    found = QuotationFinder().find(text, sentences, mentions)
    article = Article.of(text, sentences, mentions)
    seen = {
        k for i, q in enumerate(found) for c in candidates(article, q, found[i - 1] if i else None) for k in c.features
    }
    assert len(found) >= 5
    assert seen <= set(FEATURES)
    assert {"person", "phrase", "pronoun", "carried", "rule", "back0", "back1"} <= seen


def test_the_shipped_weights_read_only_known_features_and_beat_the_rules_held_back() -> None:
    model = shipped_model()
    assert set(model.weights) <= set(FEATURES) and len(model.weights) > 20
    report = json.loads((ROOT / "index" / WEIGHTS_FILE).read_text(encoding="utf-8"))["report"]
    assert report["model"]["held_back"] > report["rules"]["held_back"]


def test_the_shipped_weights_are_the_ones_the_stored_speakers_were_found_with() -> None:
    digest = hashlib.sha256((ROOT / "index" / WEIGHTS_FILE).read_bytes()).hexdigest()
    assert digest == WEIGHTS_SHA256, (
        "new weights: record their sha in index/speaker_model.py and raise index.speech.VERSION"
    )


def test_an_unknown_feature_in_the_weights_is_refused_by_name() -> None:
    with pytest.raises(ModelError, match="not_a_feature"):
        SpeakerModel.from_dict({"weights": {"person": 1.0, "not_a_feature": 2.0}})


def test_a_carried_speaker_is_the_one_chosen_for_the_quotation_before() -> None:
    """Weights written here: any phrase that names no person beats everything but a carried
    speaker. The second quotation's sentence names nobody, so it takes the carried speaker, and
    that must be the phrase chosen for the first quotation, not the rules' choice (Anna Roth)."""
    text = (
        "Die Sprecherin der Stadtwerke, Anna Roth, sagte, die Preise würden im Winter steigen. "
        "„Eine Entlastung ist frühestens im Frühjahr zu erwarten.“"
    )
    sentences = split_sentences(text)
    mentions = NameFinder().mentions(text, sentences)
    found = QuotationFinder().find(text, sentences, mentions)
    assert [q.speaker for q in found] == ["Anna Roth", "Anna Roth"]
    weights = {"phrase": 5.0, "phrase_person": -10.0, "phrase_apposition": -10.0, "carried": 20.0}
    chosen = choose_speakers(text, sentences, mentions, found, SpeakerModel(weights))
    assert chosen[0].speaker not in (None, "Anna Roth")
    assert chosen[1].speaker == chosen[0].speaker
    assert chosen[1].quote == found[1].quote and chosen[1].frame == found[1].frame  # only the speaker changes


def _candidates_of(text: str, k: int) -> list[tuple[str, str]]:
    """(name, the words it stands on) of every candidate of the k-th quotation the rules find."""
    sentences = split_sentences(text)
    mentions = NameFinder().mentions(text, sentences)
    found = QuotationFinder().find(text, sentences, mentions)
    cands = candidates(Article.of(text, sentences, mentions), found[k], found[k - 1] if k else None)
    return [(c.name, text[c.span[0] : c.span[1]] if c.span else "") for c in cands]


def test_an_adverb_opening_the_clause_is_no_candidate_but_the_noun_after_it_is() -> None:
    text = (
        "Der Stadtrat Peter Lang lehnte den Antrag ab. Allerdings hätten die Grünen bereits angekündigt, "
        "einen neuen Antrag einzubringen."
    )
    cands = _candidates_of(text, 0)
    assert not [c for c in cands if "Allerdings" in c[1]]
    assert ("die Grünen", "die Grünen") in cands


def test_demnach_points_back_to_the_source_of_the_quotation_before() -> None:
    text = (
        "Die Polizei Kassel teilte am Montag mit, der Unfall habe sich gegen acht Uhr ereignet. "
        "Demnach sei der Fahrer mit mehr als 120 Kilometern pro Stunde unterwegs gewesen."
    )
    cands = _candidates_of(text, 1)
    assert ("Die Polizei Kassel", "Demnach") in cands  # the adverb's place, the source's name
    assert not [c for c in cands if c[0] == "Demnach"]
