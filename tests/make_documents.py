"""Small PDFs and DOCX files written by the tests (fpdf2, python-docx): the shapes that break
naive text extraction. fpdf2's core fonts are Latin-1, so the texts use umlauts but no „“."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

LEFT = (
    "Die Stadt Freiburg hat am Montag einen neuen Radweg eröffnet. Er ist zwölf Kilometer lang "
    "und verbindet die Innenstadt mit dem Vorort Kirchzarten. Die Bauarbeiten dauerten zwei Jahre."
)
RIGHT = (
    "Der Gemeinderat hatte das Projekt im Jahr 2021 beschlossen. Die Verkehrsministerin lobte die "
    "Zusammenarbeit der Behörden. Weitere Radwege sollen im kommenden Jahr folgen."
)
# Explicit line breaks: a word split at the line end, a compound split at its hyphen, and a
# suspended compound before „und“.
HYPHENATED = (
    "Die Verkehrs-\nministerin traf die Vertreter der Asean-\nStaaten in Berlin.\n"
    "Sie sprach über Ost-\nund Westdeutschland."
)


def _pdf(title: str | None = None, created: dt.date | None = None):  # type: ignore[no-untyped-def]
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    if title:
        pdf.set_title(title)
    if created:
        pdf.set_creation_date(dt.datetime(created.year, created.month, created.day, tzinfo=dt.UTC))
    return pdf


def two_column_pdf(path: Path, title: str | None = "Neuer Radweg in Freiburg") -> Path:
    """One page, two justified columns, the right one drawn first (reading order is not file order)."""
    pdf = _pdf(title, dt.date(2024, 5, 6))
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.set_xy(110, 20)
    pdf.multi_cell(90, 6, RIGHT)
    pdf.set_xy(10, 20)
    pdf.multi_cell(90, 6, LEFT)
    pdf.output(str(path))
    return path


def hyphenated_pdf(path: Path) -> Path:
    """No metadata: the title is the first line, a heading."""
    pdf = _pdf()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", size=14)
    pdf.multi_cell(0, 8, "Ministerin in Berlin")
    pdf.ln(4)
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, HYPHENATED)
    pdf.output(str(path))
    return path


def long_pdf(path: Path, pages: int = 20) -> Path:
    pdf = _pdf("Ein langer Bericht", dt.date(2023, 1, 2))
    for p in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        for k in range(12):
            pdf.multi_cell(0, 6, f"Absatz {k + 1} auf Seite {p + 1}. {LEFT} {RIGHT}")
            pdf.ln(3)
    pdf.output(str(path))
    return path


def scanned_pdf(path: Path) -> Path:
    """A page that is only an image of text, as a scanner makes it: no text layer."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (800, 300), 255)
    ImageDraw.Draw(image).text((20, 20), "Die Stadt Freiburg hat einen Radweg eroeffnet.", fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    pdf = _pdf("Gescannter Brief")
    pdf.add_page()
    pdf.image(buffer, x=10, y=10, w=190)
    pdf.output(str(path))
    return path


def encrypted_pdf(path: Path) -> Path:
    pdf = _pdf("Vertraulich")
    pdf.set_encryption(owner_password="owner", user_password="geheim")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, LEFT)
    pdf.output(str(path))
    return path


def sample_docx(path: Path, title: str | None = "Pressemitteilung der Stadt") -> Path:
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    document.core_properties.created = dt.datetime(2024, 3, 1, 9, 30)
    document.add_heading("Neuer Radweg eröffnet", level=1)
    document.add_paragraph(LEFT)
    document.add_paragraph(RIGHT)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Länge"
    table.rows[0].cells[1].text = "Zwölf Kilometer"
    document.save(str(path))
    return path
