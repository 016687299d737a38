"""PDF and DOCX in (issue #42 item 1), on files the tests write (tests/make_documents.py)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from index.documents import document_article, join_lines
from index.readers import read_paths
from index.sentences import split_sentences
from tests.make_documents import (
    LEFT,
    RIGHT,
    encrypted_pdf,
    hyphenated_pdf,
    sample_docx,
    scanned_pdf,
    two_column_pdf,
)


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_a_two_column_page_reads_column_by_column_with_whole_sentences(tmp_path: Path) -> None:
    """The right column is drawn first in the file; reading order is the page's, not the file's."""
    a = document_article("radweg", ".pdf", two_column_pdf(tmp_path / "radweg.pdf").read_bytes())
    assert a.title == "Neuer Radweg in Freiburg" and a.date == "2024-05-06"
    assert a.text.index("Die Stadt Freiburg") < a.text.index("Der Gemeinderat")
    assert sentences(a.text) == sentences(LEFT) + sentences(RIGHT)
    assert "\n\n" in a.text  # the columns are two paragraphs


def test_line_end_hyphens_are_repaired_and_the_heading_is_the_title(tmp_path: Path) -> None:
    a = document_article("berlin", ".pdf", hyphenated_pdf(tmp_path / "berlin.pdf").read_bytes())
    assert a.title == "Ministerin in Berlin"  # no metadata title: the first line
    assert "Ministerin in Berlin" not in a.text
    assert sentences(a.text) == [
        "Die Verkehrsministerin traf die Vertreter der Asean-Staaten in Berlin.",
        "Sie sprach über Ost- und Westdeutschland.",
    ]


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        (["Die Verkehrs-", "ministerin kam."], "Die Verkehrsministerin kam."),
        (["der Asean-", "Staaten"], "der Asean-Staaten"),
        (["Ost-", "und Westdeutschland"], "Ost- und Westdeutschland"),
        (["im Jahr 2021 -", "dann"], "im Jahr 2021 - dann"),  # a dash, not a hyphen
        (["Ge\u00adschäft  und", "  mehr"], "Geschäft und mehr"),  # soft hyphen, runs of spaces
    ],
)
def test_join_lines(lines: list[str], joined: str) -> None:
    assert join_lines(lines) == joined


def test_a_docx_gives_title_date_paragraphs_and_table_cells(tmp_path: Path) -> None:
    a = document_article("pm", ".docx", sample_docx(tmp_path / "pm.docx").read_bytes())
    assert a.title == "Pressemitteilung der Stadt" and a.date == "2024-03-01"
    assert a.text.split("\n\n") == ["Neuer Radweg eröffnet", LEFT, RIGHT, "Länge", "Zwölf Kilometer"]


def test_a_docx_without_a_title_takes_its_first_heading(tmp_path: Path) -> None:
    a = document_article("pm", ".docx", sample_docx(tmp_path / "pm.docx", title=None).read_bytes())
    assert a.title == "Neuer Radweg eröffnet" and a.text.startswith(LEFT)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (scanned_pdf, "no text layer"),
        (encrypted_pdf, "encrypted"),
    ],
)
def test_a_scan_and_an_encrypted_pdf_are_refused_with_the_reason(tmp_path: Path, make: object, message: str) -> None:
    path = make(tmp_path / "brief.pdf")  # type: ignore[operator]
    with pytest.raises(ValueError, match=message):
        document_article("brief", ".pdf", path.read_bytes())


def test_damaged_files_are_refused_with_a_value_error_never_another(tmp_path: Path) -> None:
    """Bytes flipped at random in a good PDF: every outcome is an article or a ValueError."""
    good = two_column_pdf(tmp_path / "a.pdf").read_bytes()
    rng = random.Random(0)
    refused = 0
    for _ in range(60):
        data = bytearray(good)
        for _ in range(rng.choice([1, 5, 20, 100])):
            data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            document_article("a", ".pdf", bytes(data))
        except ValueError:
            refused += 1
    assert refused > 30  # most damage is fatal; the rest still reads
    for suffix, data in [(".pdf", b"not a pdf"), (".pdf", good[: len(good) // 2]), (".docx", b"PK\x03\x04 broken")]:
        with pytest.raises(ValueError, match=r"not a (readable )?(PDF|DOCX)"):
            document_article("a", suffix, data)


def test_read_paths_names_each_refused_file_and_reads_the_rest(tmp_path: Path) -> None:
    two_column_pdf(tmp_path / "radweg.PDF")  # the suffix in capitals is still a PDF
    sample_docx(tmp_path / "pm.docx")
    scanned_pdf(tmp_path / "scan.pdf")
    encrypted_pdf(tmp_path / "geheim.pdf")
    (tmp_path / "kaputt.docx").write_bytes(b"\xd0\xcf\x11\xe0 an old .doc")
    read = read_paths([tmp_path])
    assert sorted(a.id for a in read.articles) == ["pm", "radweg"]
    reasons = {Path(s.name).name: s.reason for s in read.skipped}
    assert set(reasons) == {"scan.pdf", "geheim.pdf", "kaputt.docx"}
    assert "OCR" in reasons["scan.pdf"] and "password" in reasons["geheim.pdf"] and ".doc" in reasons["kaputt.docx"]
