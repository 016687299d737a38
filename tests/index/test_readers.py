from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.errors import InputError
from index.readers import read_paths


def test_txt_title_is_first_sentence_unless_front_matter(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Dr. Müller kam am 3. Oktober. Dann ging er.", encoding="utf-8")
    (tmp_path / "b.md").write_text("---\ntitle: Ein Titel\ndate: 2025-11-02\n---\nText hier.", encoding="utf-8")
    res = read_paths([tmp_path])
    by_id = {a.id: a for a in res.articles}
    assert by_id["a"].title == "Dr. Müller kam am 3. Oktober."
    assert by_id["b"].title == "Ein Titel" and by_id["b"].date == "2025-11-02"
    assert by_id["b"].text == "Text hier."
    assert res.skipped == []


def test_bad_files_are_named_and_skipped_while_the_rest_is_read(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Ein guter Artikel.", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("Grüße".encode("latin-1"))
    lines = [
        json.dumps({"id": "j1", "title": "T", "text": "Text eins."}),
        "{kaputt",
        json.dumps({"id": "j3", "title": "T"}),
        json.dumps({"id": "j4", "title": "T", "text": "Text.", "date": "gestern"}),
    ]
    (tmp_path / "more.jsonl").write_text("\n".join(lines), encoding="utf-8")
    res = read_paths([tmp_path])
    assert sorted(a.id for a in res.articles) == ["good", "j1"]
    reasons = {Path(s.name).name: s.reason for s in res.skipped}
    assert "binary" in reasons["binary.txt"]
    assert "empty" in reasons["empty.txt"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "malformed JSON" in reasons["more.jsonl:2"]
    assert "missing field text" in reasons["more.jsonl:3"]
    assert "ISO date" in reasons["more.jsonl:4"]


def test_missing_path_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.txt"):
        read_paths([tmp_path / "nope.txt"])


def test_html_main_text_title_date_and_url(tmp_path: Path) -> None:
    html = (
        '<html><head><title>Hafen meldet Rekord | Zeitung</title><meta name="date" content="2025-02-01">'
        '<link rel="canonical" href="https://example.org/hafen"></head><body><nav>Menü Start Impressum</nav>'
        "<article><h1>Hafen meldet Rekord</h1><p>Der Hamburger Hafen hat 2024 einen Rekordumschlag gemeldet. "
        "Das teilte die Hafenbehörde am Montag mit.</p><p>Im Vorjahr waren es weniger.</p></article>"
        "<footer>Kontakt</footer></body></html>"
    )
    (tmp_path / "hafen.html").write_text(html, encoding="utf-8")
    (tmp_path / "leer.html").write_text("<html><head><title>x</title></head><body></body></html>", encoding="utf-8")
    res = read_paths([tmp_path])
    [a] = res.articles
    assert (a.id, a.title, a.date, a.url) == ("hafen", "Hafen meldet Rekord", "2025-02-01", "https://example.org/hafen")
    assert a.text.startswith("Der Hamburger Hafen hat 2024") and "Menü" not in a.text and "Kontakt" not in a.text
    assert [Path(s.name).name for s in res.skipped] == ["leer.html"]


def test_files_over_the_size_limit_are_skipped_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import index.readers as readers

    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 1024 * 1024)
    (tmp_path / "riesig.txt").write_text("Ein Satz. " * 120_000, encoding="utf-8")
    (tmp_path / "klein.txt").write_text("Ein kleiner Artikel.", encoding="utf-8")
    res = read_paths([tmp_path])
    assert [a.id for a in res.articles] == ["klein"]
    [skip] = res.skipped
    assert Path(skip.name).name == "riesig.txt" and "larger than 1 MiB" in skip.reason
