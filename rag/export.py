"""The answer as Markdown for a draft: each citation a footnote with its quoted sentence, title,
date, URL (else the article id) and character span, so a reader of the draft can find the exact
passage again (`rag ask --format md`, the page's „Kopieren“).

Article text is escaped: a quote holding `*`, `[1]` or `<b>` shows as written and cannot make a
footnote, a link or markup of its own.
"""

from __future__ import annotations

import re

from rag.answer import Answer, Citation, Quote

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!~])")
_MARKER = re.compile(r"\[(\d+)\]")
_AUTOLINK = re.compile(r"https?://[^\s<>]+")  # what a Markdown autolink <…> can hold


def escaped(text: str) -> str:
    """`text` as literal Markdown on one line (runs of white space become one space)."""
    return _SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", text))


def _quoted(c: Citation, q: Quote) -> str:
    return c.text[q.start - c.start : q.end - c.start]


class _Notes:
    """Footnotes in order of first reference: one per quoted sentence where the answer's line is
    that sentence (extractive answers), else one per citation with all its quotes."""

    def __init__(self, citations: list[Citation]) -> None:
        self.cited = {c.n: c for c in citations}
        self.keys: dict[tuple[int, tuple[tuple[int, int], ...]], int] = {}

    def ref(self, n: int, line: str) -> str:
        c = self.cited.get(n)
        if c is None:
            return escaped(f"[{n}]")
        own = [q for q in c.quotes if " ".join(_quoted(c, q).split()) in " ".join(line.split())]
        quotes = own[:1] or c.quotes
        spans = tuple(sorted((q.start, q.end) for q in quotes)) or ((c.start, c.end),)
        number = self.keys.setdefault((n, spans), len(self.keys) + 1)
        return f"[^{number}]"

    def lines(self) -> list[str]:
        return [_footnote(number, self.cited[n], spans) for (n, spans), number in self.keys.items()]


def _with_footnotes(line: str, notes: _Notes) -> str:
    """One line of the answer, escaped, each marker [n] a footnote reference; a „[1]“ inside a
    quoted sentence is the article's text, not a marker."""
    quoted = [
        (i, i + len(t)) for c in notes.cited.values() for q in c.quotes if (i := line.find(t := _quoted(c, q))) >= 0
    ]
    parts: list[str] = []
    pos = 0
    for m in _MARKER.finditer(line):
        if any(a <= m.start() < b for a, b in quoted):
            continue
        parts.append(escaped(line[pos : m.start()]))
        parts.append(notes.ref(int(m.group(1)), line[: m.start()]))
        pos = m.end()
    parts.append(escaped(line[pos:]))
    return "".join(parts).strip()


def _footnote(number: int, c: Citation, spans: tuple[tuple[int, int], ...]) -> str:
    quoted = " … ".join(escaped(c.text[s - c.start : e - c.start]).strip() for s, e in spans)
    speakers = sorted({q.speaker for q in c.quotes if q.speaker and (q.start, q.end) in spans})
    said = f" – {escaped(', '.join(speakers))}" if speakers else ""
    where = [f"*{escaped(c.title or c.article_id).strip()}*"]
    if c.date:
        where.append(c.date[:10])
    if c.source:
        where.append(escaped(c.source).strip())
    where.append(f"<{c.url}>" if c.url and _AUTOLINK.fullmatch(c.url) else f"Artikel {escaped(c.article_id)}")
    where.append("Zeichen " + ", ".join(f"{s}–{e}" for s, e in spans))
    return f"[^{number}]: „{quoted}“{said}, " + ", ".join(where) + "."


def answer_markdown(answer: Answer) -> str:
    """The question, the answer with its markers as footnote references, the date filter it
    applied, and the footnotes."""
    notes = _Notes(answer.citations)
    # each line of the answer (a quote, an article's heading) its own paragraph
    body = "\n\n".join(x for line in answer.answer.splitlines() if (x := _with_footnotes(line, notes)))
    lines = [f"**Frage:** {escaped(answer.question).strip()}", "", body]
    if answer.date_filter is not None:
        lines += ["", f"*{escaped(answer.date_filter.note).strip()}*"]
    if notes.keys:
        lines += ["", *notes.lines()]
    return "\n".join(lines) + "\n"
