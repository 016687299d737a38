"""The HTTP API over the real pipeline on the seed index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from index.catalog import Catalog
from index.embedder import Embedder
from rag.config import Settings
from rag.factory import build_rag
from rag.generator import LlamaCppGenerator
from rag.lang_de import abstain_text
from rag.reader.onnx_reader import Reader
from tests.conftest import SEED_ID


@pytest.fixture(scope="module")
def client(
    seed_data_dir: Path, embedder: Embedder, reader: Reader, gemma: LlamaCppGenerator, model_settings: Settings
) -> TestClient:
    settings = model_settings.model_copy(update={"data_dir": seed_data_dir})
    app = create_app(settings, build_rag(settings, embedder=embedder, reader=reader, generator=gemma))
    return TestClient(app, base_url="http://localhost")


def test_ask_returns_cited_answer_with_exact_passages(client: TestClient, seed_data_dir: Path) -> None:
    r = client.post("/ask", json={"question": "Was wurde über Taiwan gesagt?", "top_k": 5})
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"question", "answer", "abstained", "citations", "timings", "model"}
    text = Catalog.load(seed_data_dir).articles[SEED_ID].text
    assert any("Taiwan" in c["text"] for c in body["citations"])
    for c in body["citations"]:
        assert text[c["start"] : c["end"]] == c["text"]
        assert f"[{c['n']}]" in body["answer"]
    assert set(body["timings"]) == {"embed_ms", "search_ms", "read_ms", "judge_ms", "generate_ms", "total_ms"}


def test_an_abstention_says_why_in_its_text_and_its_reason(client: TestClient) -> None:
    body = client.post("/ask", json={"question": "Wie viele Soldaten hat China nach Malaysia geschickt?"}).json()
    assert body["abstained"] and body["abstain_reason"] == "doubtful" and body["citations"] == []
    assert body["answer"] == abstain_text("doubtful")  # the scorer found no sentence that answers
    answered = client.post("/ask", json={"question": "Wo trafen sich Hegseth und Dong?"}).json()
    assert not answered["abstained"] and answered["abstain_reason"] is None


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ({}, "question"),
        ({"question": ""}, "question"),
        ({"question": " \n "}, "question"),
        ({"question": "Taiwan?", "top_k": 0}, "top_k"),
        ({"question": "x" * 1001}, "question"),
    ],
)
def test_bad_questions_get_422_naming_the_field(client: TestClient, payload: dict, needle: str) -> None:  # type: ignore[type-arg]
    r = client.post("/ask", json=payload)
    assert r.status_code == 422
    assert needle in json.dumps(r.json())


def test_health_reports_counts_and_models(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["articles"] == 1 and body["chunks"] >= 1
    assert body["embedder"] == "embeddinggemma-300m+int8" and body["generator"].endswith(".gguf")
    assert body["judge"] == "none"  # RAG_JUDGE is off by default


def test_openapi_schema_is_served_and_no_page_needs_a_cdn(client: TestClient) -> None:
    # Swagger UI and ReDoc load their scripts from a CDN, which an offline machine cannot reach
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
    assert "/ask" in client.get("/openapi.json").json()["paths"]
    assert "cdn" not in client.get("/").text.lower()


def test_without_index_ask_says_how_to_build_one(tmp_path: Path) -> None:
    c = TestClient(create_app(Settings(data_dir=tmp_path / "none")), base_url="http://localhost")
    assert c.get("/health").json()["status"] == "no_index"
    r = c.post("/ask", json={"question": "Taiwan?"})
    assert r.status_code == 503 and "POST /articles" in r.json()["detail"]
    for response in (r, c.get("/health"), c.get("/articles")):
        assert str(tmp_path) not in response.text and "/none" not in response.text
