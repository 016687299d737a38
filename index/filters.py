"""News filters (dates, source) shared by the read path and by both stores.

The file store applies `allows` to its chunks in Python; the Postgres store turns the same
filters into SQL (`index.pgstore`), and its contract test checks both against `allows`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from index.article import Chunk


def day_of(value: str | None) -> date | None:
    """The calendar day of a stored date (ISO, perhaps with a time); None when there is none."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


@dataclass(frozen=True)
class Filters:
    since: date | None = None
    until: date | None = None
    source: str | None = None
    include_undated: bool = False

    def active(self) -> bool:
        return bool(self.since or self.until or self.source)

    def allows(self, chunk: Chunk) -> bool:
        return self.allows_meta(chunk.date, chunk.source)

    def allows_meta(self, day: str | None, source: str | None) -> bool:
        if self.source and (source or "").lower() != self.source.lower():
            return False
        if self.since or self.until:
            d = day_of(day)
            if d is None:
                return self.include_undated
            if (self.since and d < self.since) or (self.until and d > self.until):
                return False
        return True
