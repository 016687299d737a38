"""Articles and chunks: the data contract between the write path and the read path."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Article:
    """One news article. `text` is the exact text every offset refers to."""

    id: str
    title: str
    text: str
    date: str | None = None
    url: str | None = None
    source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def content_hash(self) -> str:
        """Hash of everything that affects chunks or their embedding."""
        h = hashlib.sha256()
        for part in (self.title, self.date or "", self.url or "", self.source or "", self.text):
            h.update(part.encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if not d["extra"]:
            del d["extra"]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Article:
        return cls(
            id=str(d["id"]),
            title=str(d.get("title") or ""),
            text=str(d["text"]),
            date=d.get("date") or None,
            url=d.get("url") or None,
            source=d.get("source") or None,
            extra=dict(d.get("extra") or {}),
        )


@dataclass(frozen=True)
class Chunk:
    """A window of whole sentences; `article.text[start:end] == text` always holds."""

    id: str
    article_id: str
    title: str
    date: str | None
    url: str | None
    text: str
    start: int
    end: int
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Chunk:
        return cls(**d)
