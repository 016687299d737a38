"""PDF and Word (DOCX) documents as articles: press releases, agency reports, court rulings.

PDF text comes from pdfminer.six's layout analysis, which orders text boxes by where they stand
on the page, not by the order the file draws them. Measured on generated pages (fpdf2): a
two-column page whose right column is drawn first reads left column first with pdfminer, right
column first with pypdf; a 20-page text PDF took 0.88-0.98 s with pdfminer against 0.10 s with
pypdf. Reading order decides whether a sentence is whole, so pdfminer it is; the time stays
within a second per 20 pages, below the embedding's.

Line breaks are repaired so that German sentences split correctly: a word hyphenated at a line
end is joined („Verkehrs-“ / „ministerin“), a compound keeps its hyphen („Asean-“ / „Staaten“),
and the lines of one text box make one paragraph. Title and date come from the document's
metadata, else the title is the first line. A PDF with no text layer (a scan), an encrypted
one and a file that is no PDF or DOCX raise ValueError naming the problem; the caller names the
file.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable
from typing import Any

from index.article import Article

DOCUMENT_SUFFIXES = (".pdf", ".docx")
# pdfminer groups lines into one text box when they are at most this many line heights apart.
# Its default (0.5) split a justified column into boxes of one or two lines and interleaved two
# columns on the generated test page; 1.0 keeps each column's paragraph together.
LINE_MARGIN = 1.0
# Pieces of one printed line lie on one baseline; this many points of difference are rounding.
_SAME_BASELINE = 2.0
# Words after a line-end hyphen that show it is a suspended compound („Ost- und Westdeutschland“),
# not a word split at the line end.
_CONJUNCTIONS = frozenset({"und", "oder", "bis", "sowie", "beziehungsweise", "bzw."})
_SPACES = re.compile(r"[ \t\u00a0]+")
_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")


def document_article(article_id: str, suffix: str, data: bytes) -> Article:
    """The article in a PDF or DOCX file's bytes; ValueError says what is wrong with it."""
    if suffix == ".pdf":
        title, date, paragraphs = _pdf(data)
    elif suffix == ".docx":
        title, date, paragraphs = _docx(data)
    else:
        raise ValueError(f"unsupported document type {suffix!r} (PDF and DOCX are read)")
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        raise ValueError("no text in the document")
    if not title:
        title = paragraphs[0] if len(paragraphs[0]) <= 200 else paragraphs[0][:200].rsplit(" ", 1)[0] + " …"
    if paragraphs[0] == title and len(paragraphs) > 1:
        paragraphs = paragraphs[1:]  # the heading is the title, not part of the body
    return Article(id=article_id, title=title, text="\n\n".join(paragraphs), date=date)


def join_lines(lines: Iterable[str]) -> str:
    """The lines of one paragraph as one line, hyphenation at the line ends repaired."""
    out = ""
    for raw in lines:
        line = _SPACES.sub(" ", raw.replace("\u00ad", "")).strip()
        if not line:
            continue
        if not out:
            out = line
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha():
            first = line.split(" ", 1)[0]
            if first[0].islower() and first not in _CONJUNCTIONS:
                out = out[:-1] + line  # a word split at the line end
            elif first in _CONJUNCTIONS:
                out = out + " " + line  # „Ost- und Westdeutschland“
            else:
                out = out + line  # a compound split at its hyphen: „Asean-Staaten“
        else:
            out = out + " " + line
    return out


def _pdf(data: bytes) -> tuple[str, str | None, list[str]]:
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams, LTTextContainer
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    if not data.startswith(b"%PDF"):
        raise ValueError("not a PDF (it does not start with %PDF)")
    try:
        # one parse serves the metadata and the pages (pdfminer's extract_pages would parse again)
        doc = PDFDocument(PDFParser(io.BytesIO(data)))
        info = doc.info[0] if doc.info else {}
        resources = PDFResourceManager()
        device = PDFPageAggregator(resources, laparams=LAParams(line_margin=LINE_MARGIN))
        interpreter = PDFPageInterpreter(resources, device)
        paragraphs = []
        for page in PDFPage.create_pages(doc):
            interpreter.process_page(page)
            for box in device.get_result():
                if isinstance(box, LTTextContainer):
                    text = join_lines(_box_lines(box))
                    if text and not text.isdigit():  # a page number is no paragraph
                        paragraphs.append(text)
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise ValueError("the PDF is encrypted: save it without a password, then index it again") from None
    except Exception as e:  # a damaged file fails anywhere in the parser, with any exception type
        raise ValueError(f"not a readable PDF ({type(e).__name__}: {e})") from None
    if not paragraphs:
        raise ValueError("the PDF has no text layer (a scan?): run OCR on it first, e.g. ocrmypdf")
    return _pdf_text(info.get("Title")), _pdf_date(info.get("CreationDate")), paragraphs


def _box_lines(box: Any) -> list[str]:
    """A text box's lines top to bottom. Justified text leaves wide gaps between words, and
    pdfminer then cuts one printed line into pieces that it may order wrongly („im Jahr 2021
    lobte die beschlossen.“ on the test page); the pieces on one baseline are put back in
    left-to-right order here."""
    from pdfminer.layout import LTComponent

    rows: list[list[Any]] = []
    for line in sorted((x for x in box if isinstance(x, LTComponent)), key=lambda x: (-x.y0, x.x0)):
        if rows and abs(rows[-1][0].y0 - line.y0) <= _SAME_BASELINE:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [" ".join(x.get_text().strip() for x in sorted(row, key=lambda x: x.x0)) for row in rows]


def _pdf_text(value: object) -> str:
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    value = resolve1(value)
    if isinstance(value, bytes):
        return " ".join(decode_text(value).split())
    return " ".join(value.split()) if isinstance(value, str) else ""


def _pdf_date(value: object) -> str | None:
    m = _PDF_DATE.match(_pdf_text(value))
    if not m or not m.group(2) or not m.group(3):
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def _docx(data: bytes) -> tuple[str, str | None, list[str]]:
    import docx

    if data.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE file: an encrypted DOCX, or an old .doc
        raise ValueError("the file is encrypted or an old .doc: save it as .docx without a password")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # as for PDFs: a damaged package fails with any exception type
        raise ValueError(f"not a readable DOCX ({type(e).__name__}: {e})") from None
    props = document.core_properties
    title = " ".join((props.title or "").split())
    paragraphs = [join_lines(p.text.splitlines()) for p in document.paragraphs]
    for table in document.tables:  # a table's cells after the running text, row by row
        for row in table.rows:
            cells = [join_lines(c.text.splitlines()) for c in row.cells]
            # a merged cell is returned once per column it spans
            paragraphs += [c for i, c in enumerate(cells) if i == 0 or c != cells[i - 1]]
    if not title:
        styled = [(p.text, p.style.name if p.style is not None else None) for p in document.paragraphs]
        title = join_lines([text for text, style in styled if (style or "").startswith("Heading")][:1])
    created = props.created
    return title, created.date().isoformat() if created else None, paragraphs
