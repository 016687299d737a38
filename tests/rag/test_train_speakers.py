"""`rag train speakers` and the speaker measure it trains against, on articles written here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from api.cli.main import app
from index.names import NameFinder
from index.quote_speaker import introductions
from index.sentences import split_sentences
from index.speaker_model import SpeakerModel
from rag.lab.evaluate_speech import held_back, speaker_right

# Each article: its text, the annotated quotation and the annotated speaker (as substrings).
ARTICLES = [
    (
        "Die Stadt Kassel baut eine neue Brücke. Kritiker hatten dem Bürgermeister vorgeworfen, er verschwende "
        "mit dem Bau öffentliches Geld.",
        "er verschwende mit dem Bau öffentliches Geld",
        "Kritiker",
    ),
    (
        "In Bremen wurde ein Museum eröffnet. Laut „Weserkurier“ kamen am ersten Tag mehr als tausend Besucher.",
        "kamen am ersten Tag mehr als tausend Besucher",
        "Weserkurier",
    ),
    (
        "Die Bahn erhöht die Preise. Verschiedene Verbände kritisierten, dass die Pendler erneut zahlen müssten.",
        "dass die Pendler erneut zahlen müssten",
        "Verschiedene Verbände",
    ),
    (
        "Der Trainer Jonas Keller verlängerte seinen Vertrag. „Ich freue mich auf die nächsten zwei Jahre hier“, "
        "sagte Keller am Montag.",
        "Ich freue mich auf die nächsten zwei Jahre hier",
        "Keller",
    ),
]


def _span(text: str, part: str) -> dict[str, int]:
    at = text.index(part)
    return {"start": at, "end": at + len(part)}


def write_fixture(folder: Path) -> tuple[Path, Path]:
    """Articles with ids chosen so that the last one falls into the held-back fifth."""
    fitted = (f"t-{i}" for i in range(1000) if not held_back(f"t-{i}"))
    held = next(f"h-{i}" for i in range(1000) if held_back(f"h-{i}"))
    ids = [next(fitted) for _ in ARTICLES[:-1]] + [held]
    articles, annotations = folder / "articles.jsonl", folder / "quotations.jsonl"
    with articles.open("w", encoding="utf-8") as a, annotations.open("w", encoding="utf-8") as q:
        for article_id, (text, quote, speaker) in zip(ids, ARTICLES, strict=True):
            a.write(json.dumps({"id": article_id, "title": "T", "text": text, "date": "2024-01-01"}) + "\n")
            gold = {"type": "Indirect", "quote": [_span(text, quote)], "speaker": [_span(text, speaker)]}
            q.write(json.dumps({"article_id": article_id, "annotations": [gold]}) + "\n")
    return articles, annotations


def test_train_speakers_writes_weights_that_choose_the_annotated_speakers(tmp_path: Path) -> None:
    articles, annotations = write_fixture(tmp_path)
    out = tmp_path / "speaker-choice.json"
    args = ["train", "speakers", "--articles", str(articles), "--annotations", str(annotations), "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["quotations"] == {"fitted": 3, "held_back": 1}
    assert report["rules"]["fitted"] < 1.0  # the rules miss some of these speakers …
    assert report["model"]["fitted"] == 1.0  # … the model, fitted on them, does not
    model = SpeakerModel.from_dict(json.loads(out.read_text(encoding="utf-8")))
    assert model.weights and json.loads(out.read_text(encoding="utf-8"))["report"] == {
        k: v for k, v in report.items() if k != "out"
    }


def test_train_speakers_names_a_missing_input(tmp_path: Path) -> None:
    args = ["train", "speakers", "--articles", str(tmp_path / "fehlt.jsonl"), "--annotations", "x", "--out", "y"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1 and "fehlt.jsonl" in result.output


def test_a_pronoun_annotated_as_speaker_counts_for_the_person_it_stands_for() -> None:
    text = "Die Ministerin Clara Vogt besuchte Kiel. Sie sagte, der Hafen werde ausgebaut."
    sentences = split_sentences(text)
    mentions = NameFinder().mentions(text, sentences)
    gold: dict[str, Any] = {"speaker": [_span(text, "Sie")]}
    roles = introductions(text, mentions)
    assert speaker_right("Clara Vogt", None, gold, text, roles, mentions)  # carried over, no span of its own
    assert not speaker_right("Jonas Keller", None, gold, text, roles, mentions)
