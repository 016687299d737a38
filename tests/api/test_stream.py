"""Server-sent events against a real uvicorn server on loopback."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from api.app import create_app
from index.embedder import Embedder
from rag.config import Settings
from rag.factory import build_rag
from rag.generator import LlamaCppGenerator
from rag.pipeline import Rag
from rag.reader.onnx_reader import Reader


def events(resp: httpx.Response) -> Iterator[tuple[str, dict]]:  # type: ignore[type-arg]
    event = "message"
    for line in resp.iter_lines():
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            yield event, json.loads(line[5:].strip())


def test_events_arrive_in_order_and_end_with_the_verified_answer(server: str) -> None:
    body = {"question": "Was wurde über Taiwan gesagt?", "mode": "generative"}
    with httpx.stream("POST", server + "/ask/stream", json=body, timeout=120) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        seen = list(events(r))
    kinds = [k for k, _ in seen]
    assert kinds[0] == "sources" and kinds[-2:] == ["answer", "done"]
    assert set(kinds[1:-2]) <= {"token"} and "token" in kinds
    assert any("Taiwan" in s["text"] for s in seen[0][1])
    answer = seen[-2][1]
    assert answer["citations"] and all(f"[{c['n']}]" in answer["answer"] for c in answer["citations"])


def test_an_aborted_stream_frees_the_model_for_the_next_request(server: str, stream_rag: Rag) -> None:
    body = {"question": "Was wurde über Taiwan gesagt?", "mode": "generative"}
    with httpx.stream("POST", server + "/ask/stream", json=body, timeout=120) as r:
        for kind, _ in events(r):
            if kind == "token":
                break  # leave mid-generation: the connection closes here
    t0 = time.perf_counter()
    r2 = httpx.post(server + "/ask", json={**body, "question": "Wo trafen sich Hegseth und Dong?"}, timeout=120)
    assert r2.status_code == 200
    gen = stream_rag.generator
    assert isinstance(gen, LlamaCppGenerator)
    assert not gen._lock.locked()
    # the aborted generation (up to 120 tokens) did not run to its end before the second one
    assert time.perf_counter() - t0 < 30


class FailingGenerator:
    name = "failing"

    def generate(self, messages, max_tokens, temperature, stop=None, grammar=None):  # type: ignore[no-untyped-def]
        yield "Ein "
        raise RuntimeError("model crashed")

    def fits(self, messages, max_tokens):  # type: ignore[no-untyped-def]
        return True


def test_a_failure_mid_stream_arrives_as_an_error_event(
    seed_data_dir: Path, embedder: Embedder, reader: Reader, model_settings: Settings
) -> None:
    from fastapi.testclient import TestClient

    settings = model_settings.model_copy(update={"data_dir": seed_data_dir})
    rag = build_rag(settings, embedder=embedder, reader=reader, generator=FailingGenerator())
    client = TestClient(create_app(settings, rag), base_url="http://localhost")
    body = {"question": "Was wurde über Taiwan gesagt?", "mode": "generative"}
    with client.stream("POST", "/ask/stream", json=body) as r:
        seen = list(events(r))
    assert [k for k, _ in seen] == ["sources", "token", "error"]
    assert seen[-1][1] == {"message": "Interner Fehler bei der Antwort."}


def test_bad_filters_are_rejected_before_streaming(server: str) -> None:
    r = httpx.post(server + "/ask/stream", json={"question": "Taiwan?", "since": "kein-datum"}, timeout=60)
    assert r.status_code == 422
    [err] = r.json()["detail"]
    assert err["loc"] == ["body", "since"] and "date" in err["msg"]
