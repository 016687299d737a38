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


def overlaps(a: Span, b: Span) -> bool:
    """Whether two spans share at least one character."""
    return a[0] < b[1] and b[0] < a[1]


_OPENERS = "„»"
_CLOSERS = "“«"
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _somajo() -> Any:
    from somajo import SoMaJo

    splitter = SoMaJo("de_CMC", character_offsets=True)
    _skip_emoji_search_without_emoji(splitter._tokenizer)
    return splitter


def _skip_emoji_search_without_emoji(tokenizer: Any) -> None:
    """SoMaJo 2.5.0 (pinned) looks for emoji one grapheme at a time, a regex search for each: 0.8 s
    of the 1.9 s it took to split the 91k characters of a 20-page PDF. A text without a single
    character of the emoji classes it searches for has no emoji token, so the search is skipped
    for it, on this one tokenizer instance; a text with one takes SoMaJo's own path. The spans
    are the same either way (tests/index/test_sentences.py compares them with an unchanged
    SoMaJo)."""
    import regex

    emoji = regex.compile(r"[\p{Extended_Pictographic}\p{Emoji_Presentation}\uFE0F]")
    own = tokenizer._split_emojis

    def split_emojis(node: Any, token_class: str = "emoticon") -> None:
        if emoji.search(node.value.text):
            own(node, token_class)

    tokenizer._split_emojis = split_emojis


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
