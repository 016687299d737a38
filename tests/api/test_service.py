"""Articles lifecycle over HTTP and the service's guards (key, sizes, opaque 500s)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from index.embedder import Embedder
from rag.config import Settings
from rag.factory import build_rag
from rag.reader.onnx_reader import Reader
from tests.conftest import SEED_ID


def make_client(
    data: Path, embedder: Embedder, reader: Reader, model_settings: Settings, **extra: object
) -> TestClient:
    settings = model_settings.model_copy(update={"data_dir": data, "generator": "none", **extra})
    app = create_app(settings, build_rag(settings, embedder=embedder, reader=reader))
    return TestClient(app, raise_server_exceptions=False, base_url="http://localhost")


@pytest.fixture()
def client(data_copy: Path, embedder: Embedder, reader: Reader, model_settings: Settings) -> TestClient:
    return make_client(data_copy, embedder, reader, model_settings)


ART = {
    "id": "hafen-1",
    "title": "Hamburger Hafen meldet Rekord",
    "text": "Der Hamburger Hafen hat 2024 einen Rekordumschlag von 140 Millionen Tonnen gemeldet.",
    "date": "2025-02-01",
    "source": "Testagentur",
}


def test_add_update_list_and_delete_articles(client: TestClient) -> None:
    r = client.post("/articles", json=ART)
    assert r.status_code == 200 and r.json()["added"] == ["hafen-1"] and r.json()["articles"] == 2
    ask = client.post("/ask", json={"question": "Wie viel Umschlag meldete der Hamburger Hafen?"}).json()
    assert any(c["article_id"] == "hafen-1" for c in ask["citations"])
    assert "140 Millionen Tonnen" in ask["answer"]

    changed = {**ART, "text": ART["text"].replace("140", "150")}
    r = client.post("/articles", json=[changed, {**ART, "id": "hafen-2"}])
    assert r.json()["updated"] == ["hafen-1"] and r.json()["added"] == ["hafen-2"]
    assert client.get("/articles/hafen-1").json()["text"] == changed["text"]

    page = client.get("/articles", params={"since": "2025-01-01"}).json()
    assert page["total"] == 2 and {i["id"] for i in page["items"]} == {"hafen-1", "hafen-2"}
    assert client.get("/articles", params={"source": "testagentur", "limit": 1}).json()["total"] == 2

    assert client.delete("/articles/hafen-1").status_code == 200
    assert client.get("/articles/hafen-1").status_code == 404
    ask = client.post("/ask", json={"question": "Wie viel Umschlag meldete der Hamburger Hafen 150?"}).json()
    assert all(c["article_id"] != "hafen-1" for c in ask["citations"] + ask["related"])
    assert client.delete("/articles/hafen-1").status_code == 404


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ({**ART, "id": ""}, "id"),
        ({**ART, "id": "a/b"}, "id"),
        ({**ART, "text": ""}, "text"),
        ({**ART, "date": "gestern"}, "date"),
        ({"title": "ohne id"}, "id"),
    ],
)
def test_bad_articles_are_rejected_and_nothing_stored_is_lost(client: TestClient, payload: dict, needle: str) -> None:  # type: ignore[type-arg]
    r = client.post("/articles", json=payload)
    assert r.status_code == 422 and needle in str(r.json())
    assert client.get(f"/articles/{SEED_ID}").status_code == 200


def test_oversized_and_overlong_requests(client: TestClient) -> None:
    r = client.post(
        "/ask", content=b'{"question": "' + b"x" * 70_000 + b'"}', headers={"content-type": "application/json"}
    )
    assert r.status_code == 413 and "64 KiB" in r.json()["detail"]
    r = client.post("/ask", json={"question": "x" * 1001})
    assert r.status_code == 422 and "1000" in str(r.json())
    r = client.post("/ask", json={"question": "Taiwan?", "top_k": 21})
    assert r.status_code == 422 and "top_k" in str(r.json())


def test_api_key_is_enforced(data_copy: Path, embedder: Embedder, reader: Reader, model_settings: Settings) -> None:
    c = make_client(data_copy, embedder, reader, model_settings, api_key="geheim")
    assert c.get("/health").status_code == 200
    assert c.get("/").status_code == 200
    assert c.post("/ask", json={"question": "Taiwan?"}).status_code == 401
    wrong = c.post("/ask", json={"question": "Taiwan?"}, headers={"Authorization": "Bearer falsch"})
    assert wrong.status_code == 401 and "API key" in wrong.json()["detail"]
    ok = c.post("/ask", json={"question": "Taiwan?"}, headers={"Authorization": "Bearer geheim"})
    assert ok.status_code == 200
    assert c.get(f"/articles/{SEED_ID}").status_code == 401


def test_unexpected_errors_are_opaque_json_500(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.pipeline import Rag

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(Rag, "ask", boom)
    r = client.post("/ask", json={"question": "Taiwan?"})
    assert r.status_code == 500
    body = r.json()
    assert body["detail"] == "internal error" and len(body["request_id"]) == 12
    assert "secret" not in r.text and "Traceback" not in r.text


def test_a_question_without_top_k_gets_the_servers_rag_top_k() -> None:
    """The request's top_k used to default to 5, so RAG_TOP_K never reached /ask; the bound is
    rag.config's MAX_TOP_K, the same for the settings, the CLI and the API."""
    from api.schemas import AskRequest
    from rag.config import MAX_TOP_K

    assert AskRequest(question="Taiwan?").top_k is None  # the pipeline then takes its own top_k
    assert AskRequest.model_json_schema()["properties"]["top_k"]["anyOf"][0]["maximum"] == MAX_TOP_K
