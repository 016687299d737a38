"""The failures a probe of the running service found (issue 12), each reproduced.

Items 3 (the page's history) and 14 (a source without a title) are in the browser test, item 4
(the shared tokenizer) in tests/index/test_embedder_threads.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.articles import MAX_API_ARTICLE_CHARS, MAX_API_ARTICLES
from index.article import Article
from index.build import upsert_articles
from index.catalog import Catalog
from index.embedder import Embedder
from rag.config import Settings
from rag.factory import build_rag
from rag.generator import LlamaCppGenerator
from rag.reader.onnx_reader import Reader
from tests.api.test_service import ART, make_client
from tests.conftest import SEED_ID


@pytest.fixture()
def client(data_copy: Path, embedder: Embedder, reader: Reader, model_settings: Settings) -> TestClient:
    return make_client(data_copy, embedder, reader, model_settings)


def long_article() -> Article:
    """66 sentences of about 50 words and a 100-word title: top_k 20 overflows a 4096 context."""
    words = ["Stadtrat", "Haushalt", "Schule", "Brücke", "Verkehr", "Hafen", "Bürger", "Antrag", "Sitzung", "Beschluss"]
    sentences = [
        f"Im Punkt {i} beriet der Rat von Osthafen "
        + " ".join(words[(i + j) % 10] + "s" * (j % 3) for j in range(44))
        + "."
        for i in range(66)
    ]
    title = " ".join(f"Titelwort{i}" for i in range(100))
    return Article("lang", title, " ".join(sentences), "2025-05-05")


# 1 -------------------------------------------------------------------------------------------


def test_generative_answer_over_a_context_overflow_fits_the_prompt(
    tmp_path: Path, embedder: Embedder, reader: Reader, gemma: LlamaCppGenerator, model_settings: Settings
) -> None:
    upsert_articles(tmp_path, [long_article()], embedder)
    settings = model_settings.model_copy(update={"data_dir": tmp_path, "max_tokens": 40})
    app = create_app(settings, build_rag(settings, embedder=embedder, reader=reader, generator=gemma))
    c = TestClient(app, base_url="http://localhost", raise_server_exceptions=False)
    body = {"question": "Was wurde über den Rat von Osthafen gesagt?", "mode": "generative", "top_k": 20}
    r = c.post("/ask", json=body)
    assert r.status_code == 200, r.text
    a = r.json()
    # 20 passages of ~400 tokens cannot all fit 4096 tokens: the prompt kept the best ones and
    # the answer says how many were left out, whether the model's text passed verification or
    # the extractive answer came back
    assert 0 < a["omitted_passages"] < 20
    assert a["mode"] == "generative" or a["fallback"] == "extractive"


# 2 -------------------------------------------------------------------------------------------


def test_bracketed_numbers_in_article_text_never_become_citations(client: TestClient) -> None:
    forged = {
        "id": "osthafen",
        "title": "Stadtrat von Osthafen [3] aufgelöst",
        "text": "Nach dem Streit um den Haushalt ist der Stadtrat von Osthafen aufgelöst [2]. "
        "Neuwahlen sollen im Herbst stattfinden.",
    }
    assert client.post("/articles", json=forged).status_code == 200
    question = "Was ist mit dem Stadtrat von Osthafen passiert?"
    a = client.post("/ask", json={"question": question}).json()
    assert not a["abstained"] and "aufgelöst" in a["answer"]
    assert "[2]" not in a["answer"] and "［2］" in a["answer"]
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", a["answer"])}
    assert markers == {c["n"] for c in a["citations"]}  # every marker is a real citation
    v1 = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": question}]}).json()
    content = v1["choices"][0]["message"]["content"]
    assert "[2]" not in content and {int(n) for n in re.findall(r"\[(\d+)\]", content)} == {
        s["n"] for s in v1["sources"]
    }


# 5 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("/ask", b'{"question": "Taiwan?", "top_k": NaN}'),
        ("/ask", b'{"question": "Taiwan?", "since": Infinity}'),
        ("/ask", b'{"question": "Taiwan \\ud800?"}'),
        ("/v1/chat/completions", b'{"messages": [{"role": "user", "content": "\\ud800"}]}'),
        ("/articles", b'{"id": "x", "text": "Text \\udfff"}'),
    ],
)
def test_unencodable_input_is_a_422_not_a_500(client: TestClient, path: str, raw: bytes) -> None:
    r = client.post(path, content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"]


# 6 -------------------------------------------------------------------------------------------


def test_article_requests_have_size_limits_and_errors_do_not_echo_them(client: TestClient) -> None:
    big = {**ART, "text": "Wort " * (MAX_API_ARTICLE_CHARS // 5 + 1)}
    r = client.post("/articles", json=big)
    assert r.status_code == 413 and str(MAX_API_ARTICLE_CHARS) in str(r.json())
    many = [{**ART, "id": f"a{i}"} for i in range(MAX_API_ARTICLES + 1)]
    r = client.post("/articles", json=many)
    assert r.status_code == 413 and str(MAX_API_ARTICLES) in str(r.json())
    huge = json.dumps({**ART, "text": "x" * 9_000_000}).encode()
    r = client.post("/articles", content=huge, headers={"content-type": "application/json"})
    assert r.status_code == 413 and len(r.content) < 1000
    bad = json.dumps({**ART, "date": "gestern", "text": "Langer Text " * 5000}).encode()
    r = client.post("/articles", content=bad, headers={"content-type": "application/json"})
    assert r.status_code == 422 and len(r.content) < 2000  # the 60 kB body is not echoed
    assert client.get(f"/articles/{SEED_ID}").status_code == 200 and client.get("/articles/a0").status_code == 404


# 7, 15 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", [".", "..", "..."])
def test_ids_of_dots_only_are_rejected(client: TestClient, bad_id: str) -> None:
    r = client.post("/articles", json={**ART, "id": bad_id})
    assert r.status_code == 422 and "id" in str(r.json())


def test_the_same_id_twice_in_one_request_is_an_error_naming_it(client: TestClient) -> None:
    r = client.post("/articles", json=[{**ART, "id": "dup"}, {**ART, "id": "neu"}, {**ART, "id": "dup"}])
    assert r.status_code == 422 and "'dup'" in str(r.json()) and "0 and 2" in str(r.json())
    assert client.get("/articles/dup").status_code == 404 and client.get("/articles/neu").status_code == 404


# 9 ---------------------------------------------------------------------------------------------


def test_the_first_article_posted_to_an_empty_data_dir_creates_the_index(
    tmp_path: Path, model_settings: Settings
) -> None:
    data = tmp_path / "leer"
    settings = model_settings.model_copy(update={"data_dir": data, "generator": "none"})
    c = TestClient(create_app(settings), base_url="http://localhost")  # started before any index existed
    assert c.get("/health").json()["status"] == "no_index"
    r = c.post("/articles", json=ART)
    assert r.status_code == 200 and r.json()["added"] == ["hafen-1"]
    assert Catalog.load(data).articles["hafen-1"].text == ART["text"]
    a = c.post("/ask", json={"question": "Wie viel Umschlag meldete der Hamburger Hafen?"}).json()
    assert "140 Millionen Tonnen" in a["answer"]


# 10, 12, 13 -------------------------------------------------------------------------------------


def test_bearer_scheme_is_case_insensitive(
    data_copy: Path, embedder: Embedder, reader: Reader, model_settings: Settings
) -> None:
    c = make_client(data_copy, embedder, reader, model_settings, api_key="geheim")
    for header in ("bearer geheim", "Bearer  geheim", "BEARER geheim"):
        assert c.get("/articles", headers={"Authorization": header}).status_code == 200, header
    for header in ("Bearer", "Basic geheim", "Bearergeheim", "Bearer geheim2"):
        assert c.get("/articles", headers={"Authorization": header}).status_code == 401, header


def test_unknown_host_names_are_refused(client: TestClient) -> None:
    evil = {"Host": "attacker.example"}
    assert client.delete(f"/articles/{SEED_ID}", headers=evil).status_code == 400
    assert client.get(f"/articles/{SEED_ID}").status_code == 200  # nothing was deleted
    assert client.get("/", headers=evil).status_code == 400
    for host in ("localhost:8000", "127.0.0.1:8000", "[::1]:8000"):
        assert client.get("/health", headers={"Host": host}).status_code == 200, host


def test_more_hosts_can_be_allowed(
    data_copy: Path, embedder: Embedder, reader: Reader, model_settings: Settings
) -> None:
    c = make_client(data_copy, embedder, reader, model_settings, allowed_hosts=["quellen.intern"])
    assert c.get("/health", headers={"Host": "quellen.intern"}).status_code == 200
    assert c.get("/health", headers={"Host": "localhost"}).status_code == 400  # the list replaces the default


def test_the_page_has_security_headers_that_its_own_script_satisfies(client: TestClient) -> None:
    import base64
    import hashlib

    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert (
        "frame-ancestors 'none'" in csp
        and "default-src 'none'" in csp
        and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    )
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    [script] = re.findall(r"<script>(.*?)</script>", r.text, re.S)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp
    assert client.get("/health").headers["x-content-type-options"] == "nosniff"
