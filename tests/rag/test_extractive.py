"""Question forms that decide how an extractive answer is gathered."""

from __future__ import annotations

import pytest

from rag.extractive import topic_of


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("Was wurde über Taiwan gesagt?", "Taiwan"),
        ("Was steht in den Artikeln über die Seltenen Erden?", "die Seltenen Erden"),
        ("Was sagt man über Hegseth?", "Hegseth"),
        ("Was gibt es Neues zu Taiwan?", "Taiwan"),
        # a named speaker: what one person said is a factual question, not a survey of the archive
        ("Was sagte Giuliana Sgrena über die Schüsse auf ihren Wagen?", None),
        ("Was sagte Kathrin Passig nach ihrem Sieg über das Schreiben?", None),
        ("Wo trafen sich die Minister?", None),
    ],
)
def test_topic_questions_are_told_from_speaker_questions(question: str, topic: str | None) -> None:
    assert topic_of(question) == topic
