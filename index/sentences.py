"""German sentence splitting with character offsets.

SoMaJo (de_CMC) keeps abbreviations ("z. B.", "Dr.", "u. a."), initials and ordinal dates
("3. Oktober") inside their sentence. It does split inside quotations, so sentences whose
quotation marks are still open are merged with the next one: a quote is one statement.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

Span = tuple[int, int]

_OPENERS = "„»"
_CLOSERS = "“«"
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _somajo() -> Any:
    from somajo import SoMaJo

    return SoMaJo("de_CMC", character_offsets=True)


def _quote_open(text: str) -> bool:
    depth = sum(text.count(c) for c in _OPENERS) - sum(text.count(c) for c in _CLOSERS)
    return depth > 0 or text.count('"') % 2 == 1


def _raw_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    with _lock:  # SoMaJo keeps state in its tokenizer; one caller at a time
        for sentence in _somajo().tokenize_text([text]):
            if sentence:
                spans.append((sentence[0].character_offset[0], sentence[-1].character_offset[1]))
    return spans


def split_sentences(text: str) -> list[Span]:
    """Return (start, end) spans of sentences in `text`, in order, never overlapping."""
    merged: list[Span] = []
    pending: Span | None = None
    for start, end in _raw_spans(text):
        if pending is not None:
            start = pending[0]
        piece = text[start:end]
        if _quote_open(piece) and not _paragraph_break(text, start, end):
            pending = (start, end)
            continue
        merged.append((start, end))
        pending = None
    if pending is not None:
        merged.append(pending)
    return merged


def _paragraph_break(text: str, start: int, end: int) -> bool:
    """An unbalanced quote never swallows the next paragraph."""
    return bool(re.search(r"\n\s*\n", text[start:end])) or text[end : end + 1] == "\n"
