"""The answer as Markdown for a draft (issue #42 item 4): footnotes that point at the spans."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from index.catalog import Catalog
from index.embedder import Embedder
from rag.answer import Answer, Citation, DateFilter, ModelInfo, Quote, Timings
from rag.config import Settings
from rag.export import answer_markdown, escaped
from rag.factory import build_rag
from tests.conftest import SEED_ID

TEXT = "Vorspann. Der *Rat* tagte [1] in <b>Bonn</b>. Er beschloss 40 Millionen Euro. Schluss."


def citation(n: int, quotes: list[tuple[int, int, str | None]], url: str | None = "https://example.org/a") -> Citation:
    return Citation(
        n=n, article_id="art_1", title="Rat [Bonn]", date="2024-05-06T10:00:00", url=url, source="Agentur",
        chunk_id="art_1#0", text=TEXT, start=0, end=len(TEXT), score=0.5, verified=True,
        quotes=[Quote(start=s, end=e, speaker=who) for s, e, who in quotes],
    )  # fmt: skip


def answer(text: str, citations: list[Citation], **extra: object) -> Answer:
    return Answer(
        question="Was tagte *wo*?", answer=text, citations=citations, timings=Timings(),
        model=ModelInfo(embedder="e", generator="none"), **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def footnotes(md: str) -> dict[str, str]:
    return dict(re.findall(r"^\[\^(\d+)\]: (.*)$", md, re.M))


def test_each_quoted_sentence_gets_its_footnote_with_title_date_url_and_span() -> None:
    one, two = "Der *Rat* tagte [1] in <b>Bonn</b>.", "Er beschloss 40 Millionen Euro."
    first, second = (TEXT.index(one), TEXT.index(one) + len(one)), (TEXT.index(two), TEXT.index(two) + len(two))
    assert (first, second) == ((10, 45), (46, 77))
    c = citation(1, [(*first, None), (*second, "Anna Rat")])
    md = answer_markdown(answer(f"{one} [1]\n{two} [1] – Anna Rat", [c]))
    assert md.startswith("**Frage:** Was tagte \\*wo\\*?\n")
    body = md.split("\n\n")[1:3]
    assert body == [
        "Der \\*Rat\\* tagte \\[1\\] in \\<b\\>Bonn\\</b\\>. [^1]",  # the quote's own „[1]“ is text, not a marker
        "Er beschloss 40 Millionen Euro. [^2] – Anna Rat",
    ]
    notes = footnotes(md)
    assert notes["1"] == (
        "„Der \\*Rat\\* tagte \\[1\\] in \\<b\\>Bonn\\</b\\>.“, *Rat \\[Bonn\\]*, 2024-05-06, Agentur, "
        "<https://example.org/a>, Zeichen 10–45."
    )
    assert notes["2"].startswith("„Er beschloss 40 Millionen Euro.“ – Anna Rat, ") and notes["2"].endswith(
        "Zeichen 46–77."
    )


def test_a_generated_line_cites_all_of_its_passages_quotes_and_no_url_means_the_article_id() -> None:
    c = citation(1, [(10, 45, None), (46, 77, None)], url="javascript:alert(1)")
    md = answer_markdown(answer("Der Rat bewilligte in Bonn Geld. [1] Siehe [2].", [c]))
    assert "[^1]" in md and "\\[2\\]" in md  # [2] cites nothing: shown as text
    assert footnotes(md)["1"].endswith("Artikel art\\_1, Zeichen 10–45, 46–77.")
    assert "javascript" not in md


def test_the_date_filter_and_an_abstention_read_as_text() -> None:
    period = DateFilter(words="2010", since=date(2010, 1, 1), until=date(2010, 12, 31))
    md = answer_markdown(answer("Dazu finde ich nichts.", [], abstain_reason="missing", date_filter=period))
    assert md == (
        "**Frage:** Was tagte \\*wo\\*?\n\nDazu finde ich nichts.\n\n"
        "*Zeitraum aus der Frage („2010“): nur Artikel vom 01.01.2010 bis 31.12.2010 und Artikel ohne Datum.*\n"
    )


@pytest.mark.parametrize(("raw", "md"), [("a_b*c", "a\\_b\\*c"), ("x\n\n  y", "x y"), ("#1 | ok!", "\\#1 \\| ok\\!")])
def test_escaped(raw: str, md: str) -> None:
    assert escaped(raw) == md


def test_the_seed_answer_exports_with_footnotes_on_the_right_spans(
    seed_data_dir: Path, embedder: Embedder, model_settings: Settings
) -> None:
    rag = build_rag(
        model_settings.model_copy(update={"data_dir": seed_data_dir, "generator": "none"}), embedder=embedder
    )
    text = Catalog.load(seed_data_dir).articles[SEED_ID].text
    a = rag.ask("Was wurde über Taiwan gesagt?")
    md = a.markdown
    notes = footnotes(md)
    assert len(notes) == sum(len(c.quotes) for c in a.citations) >= 2
    for note in notes.values():
        quoted = re.match(r"„(.*)“", note).group(1)  # type: ignore[union-attr]
        ((start, end),) = [tuple(map(int, s.split("–"))) for s in re.findall(r"\d+–\d+", note.rsplit("Zeichen", 1)[1])]
        assert text[start:end].replace("*", "\\*") == quoted  # the span holds exactly the quoted sentence
    assert any(n.startswith("„Die heikle Taiwan-Frage") and "– Donald Trump," in n for n in notes.values())
