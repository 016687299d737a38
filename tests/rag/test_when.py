"""Time in the question as a date filter (issue #42 item 6)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from index.article import Article
from index.build import upsert_articles
from index.embedder import Embedder
from index.filters import Filters
from rag.config import Settings
from rag.factory import build_rag
from rag.question import Question
from rag.when import period_of, with_period


@pytest.mark.parametrize(
    ("question", "since", "until"),
    [
        ("Was sagte Merkel 2010 über die Rente?", date(2010, 1, 1), date(2010, 12, 31)),
        ("Was sagte Merkel im März 2009 über die Rente?", date(2009, 3, 1), date(2009, 3, 31)),
        ("Was sagte Merkel am 3. März 2009?", date(2009, 3, 3), date(2009, 3, 3)),
        ("Was wurde 2015 über Taiwan gesagt?", date(2015, 1, 1), date(2015, 12, 31)),
        ("Wer kritisierte 2006 die Ernennung?", date(2006, 1, 1), date(2006, 12, 31)),
        ("Was sagte Merkel zwischen 2010 und 2012 über die Rente?", date(2010, 1, 1), date(2012, 12, 31)),
        ("Wie viele Flüchtlinge kamen seit 2015 nach Deutschland?", date(2015, 1, 1), None),
        ("Was hat die Regierung seit März 2020 beschlossen?", date(2020, 3, 1), None),
    ],
)
def test_a_statements_time_filters_its_articles(question: str, since: date, until: date | None) -> None:
    period = period_of(Question.parse(question))
    assert period is not None and (period.since, period.until) == (since, until)


@pytest.mark.parametrize(
    "question",
    [
        "Wie viele Menschen kamen 1944 bei dem Massaker ums Leben?",  # an event, reported later
        "Welche Staaten sind zum Gipfel im März 2010 eingeladen?",  # an event, announced earlier
        "Was sagte Merkel über den Finanzrahmen 2007 bis 2013?",  # the subject's own range
        "Was sagte der Minister über die Pläne ab 2013?",  # a plan
        "Was sagte Merkel gestern über die Rente?",  # no reference day
        "Was sagte Merkel über die Rente?",
    ],
)
def test_an_event_a_plan_or_no_year_is_no_filter(question: str) -> None:
    assert period_of(Question.parse(question)) is None


def test_given_dates_win_and_a_given_source_stays() -> None:
    q = Question.parse("Was sagte Merkel 2010 über die Rente?")
    given = Filters(since=date(2011, 1, 1))
    assert with_period(q, given) == (given, None)
    filters, shown = with_period(q, Filters(source="dpa"))
    assert filters == Filters(date(2010, 1, 1), date(2010, 12, 31), "dpa", include_undated=True)
    assert shown is not None and "vom 01.01.2010 bis 31.12.2010" in shown.note and "„2010“" in shown.note


def test_the_answer_quotes_only_the_named_year_and_says_so(
    tmp_path: Path, embedder: Embedder, model_settings: Settings
) -> None:
    said = "Bundeskanzlerin Angela Merkel sagte, die Rente mit 67 sei {} unausweichlich."
    articles = [
        Article("rente-2010", "Merkel zur Rente", said.format("nun"), "2010-05-04"),
        Article("rente-2012", "Merkel erneut zur Rente", said.format("weiterhin"), "2012-06-07"),
    ]
    data = tmp_path / "data"
    upsert_articles(data, articles, embedder)
    rag = build_rag(model_settings.model_copy(update={"data_dir": data, "generator": "none"}), embedder=embedder)
    both = rag.ask("Was sagte Merkel über die Rente?")
    assert {c.article_id for c in both.citations} == {"rente-2010", "rente-2012"} and both.date_filter is None
    one = rag.ask("Was sagte Merkel 2010 über die Rente?")
    assert [c.article_id for c in one.citations] == ["rente-2010"]
    assert one.date_filter is not None and one.date_filter.words == "2010"
    other = rag.ask("Was sagte Merkel 2012 über die Rente?", filters=Filters(since=date(2010, 1, 1)))
    assert {c.article_id for c in other.citations} == {"rente-2010", "rente-2012"}  # the given dates win
