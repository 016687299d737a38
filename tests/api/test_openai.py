"""The official `openai` client against /v1/chat/completions on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from openai import OpenAI


@pytest.fixture(scope="module")
def client(server: str) -> Iterator[OpenAI]:
    with OpenAI(base_url=server + "/v1", api_key="unused", max_retries=0, timeout=120) as c:
        yield c


def test_models_lists_quellen(client: OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["quellen"]


def test_non_streaming_answer_carries_sources(client: OpenAI, seed_data_dir: Path) -> None:
    resp = client.chat.completions.create(
        model="quellen", messages=[{"role": "user", "content": "Was wurde über Taiwan gesagt?"}]
    )
    text = resp.choices[0].message.content or ""
    sources = resp.model_extra["sources"]  # type: ignore[index]
    assert "Taiwan" in text and sources
    assert all(f"[{s['n']}]" in text for s in sources)


def test_an_abstention_carries_its_reason(client: OpenAI) -> None:
    resp = client.chat.completions.create(
        model="quellen", messages=[{"role": "user", "content": "Wie viele Soldaten hat China nach Malaysia geschickt?"}]
    )
    assert resp.model_extra["abstained"] and resp.model_extra["abstain_reason"] == "doubtful"  # type: ignore[index]
    assert "beantworten die Frage wahrscheinlich nicht" in (resp.choices[0].message.content or "")


def test_streaming_answer_with_history(client: OpenAI) -> None:
    stream = client.chat.completions.create(
        model="quellen",
        stream=True,
        messages=[
            {"role": "user", "content": "Was wurde über Taiwan gesagt?"},
            {"role": "assistant", "content": "Die heikle Taiwan-Frage sei nicht angesprochen worden. [1]"},
            {"role": "user", "content": "Und was sagte China dazu?"},
        ],
    )
    parts, sources = [], None
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            parts.append(chunk.choices[0].delta.content)
        if chunk.model_extra and chunk.model_extra.get("sources"):
            sources = chunk.model_extra["sources"]
    text = "".join(parts)
    assert text and sources and "[1]" in text
