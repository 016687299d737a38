"""POST /articles with an uploaded PDF or DOCX (issue #42 item 1): the document becomes an
article that answers questions, a bad file is a 422 naming it, and nothing stored is lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.uploads import article_id_of
from index.embedder import Embedder
from index.errors import InputError
from rag.config import Settings
from rag.reader.onnx_reader import Reader
from tests.api.test_service import make_client
from tests.conftest import SEED_ID
from tests.make_documents import encrypted_pdf, sample_docx, scanned_pdf, two_column_pdf


@pytest.fixture()
def client(data_copy: Path, embedder: Embedder, reader: Reader, model_settings: Settings) -> TestClient:
    return make_client(data_copy, embedder, reader, model_settings)


def upload(client: TestClient, path: Path, **fields: str) -> object:
    with path.open("rb") as f:
        return client.post("/articles", files={"file": (path.name, f)}, data=fields)


def test_an_uploaded_pdf_is_indexed_and_answers_with_its_passage(client: TestClient, tmp_path: Path) -> None:
    r = upload(client, two_column_pdf(tmp_path / "Radweg Freiburg.pdf"), source="Stadt Freiburg")
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    assert r.json()["added"] == ["Radweg-Freiburg"]  # type: ignore[attr-defined]
    stored = client.get("/articles/Radweg-Freiburg").json()
    assert stored["title"] == "Neuer Radweg in Freiburg" and stored["date"] == "2024-05-06"
    assert stored["source"] == "Stadt Freiburg"  # a form field replaces what the document says
    a = client.post("/ask", json={"question": "Wie lang ist der neue Radweg in Freiburg?"}).json()
    assert a["citations"] and a["citations"][0]["article_id"] == "Radweg-Freiburg", a
    cited = a["citations"][0]
    assert stored["text"][cited["start"] : cited["end"]].startswith("Die Stadt Freiburg")


def test_an_uploaded_docx_takes_the_id_field(client: TestClient, tmp_path: Path) -> None:
    r = upload(client, sample_docx(tmp_path / "pm.docx"), id="pm-2024-03")
    assert r.status_code == 200 and r.json()["added"] == ["pm-2024-03"], r.text  # type: ignore[attr-defined]
    assert client.get("/articles/pm-2024-03").json()["title"] == "Pressemitteilung der Stadt"


@pytest.mark.parametrize(("make", "needle"), [(scanned_pdf, "no text layer"), (encrypted_pdf, "encrypted")])
def test_a_scan_or_an_encrypted_pdf_is_a_422_naming_the_file_and_nothing_is_lost(
    client: TestClient, tmp_path: Path, make: object, needle: str
) -> None:
    before = client.get("/articles").json()["total"]
    r = upload(client, make(tmp_path / "brief.pdf"))  # type: ignore[operator]
    assert r.status_code == 422, r.text  # type: ignore[attr-defined]
    detail = r.json()["detail"][0]["msg"]  # type: ignore[attr-defined]
    assert "brief.pdf" in detail and needle in detail
    assert client.get("/articles").json()["total"] == before
    assert client.get(f"/articles/{SEED_ID}").status_code == 200


def test_an_upload_without_a_file_or_of_an_unknown_type_is_a_422(client: TestClient, tmp_path: Path) -> None:
    r = client.post("/articles", data={"id": "x"}, files={"other": ("a.txt", b"Text.")})
    assert r.status_code == 422 and "form field 'file'" in r.text, r.text
    odd = tmp_path / "tabelle.xlsx"
    odd.write_bytes(b"PK\x03\x04")
    r = upload(client, odd)
    assert r.status_code == 422 and "tabelle.xlsx" in r.text and ".docx" in r.text  # type: ignore[attr-defined]


def test_the_schema_offers_both_request_types(client: TestClient) -> None:
    body = client.get("/openapi.json").json()["paths"]["/articles"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "multipart/form-data"}
    assert body["multipart/form-data"]["schema"]["required"] == ["file"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Pressemitteilung März.pdf", "Pressemitteilung-Marz"),
        ("C:\\docs\\urteil 12.docx", "urteil-12"),
        ("a.b.pdf", "a.b"),
    ],
)
def test_article_ids_from_file_names(name: str, expected: str) -> None:
    assert article_id_of(name) == expected


def test_a_file_name_without_letters_needs_the_id_field() -> None:
    with pytest.raises(InputError, match="form field 'id'"):
        article_id_of("日本.pdf")


def test_the_id_field_serves_a_file_name_without_one(client: TestClient, tmp_path: Path) -> None:
    r = upload(client, two_column_pdf(tmp_path / "日本.pdf"), id="radweg-jp")
    assert r.status_code == 200 and r.json()["added"] == ["radweg-jp"], r.text  # type: ignore[attr-defined]
