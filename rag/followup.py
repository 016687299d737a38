"""Rewrite a follow-up question into a standalone search query, deterministically.

When the new question leans on the conversation (pronouns such as "dazu", "er", "dort", or no
names of its own), the names and topic words of the previous user turns are carried over:
"Und was sagte China dazu?" after "Was wurde über Taiwan gesagt?" searches for
"Und was sagte China dazu? Taiwan". No model is needed, so this is fast and predictable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.analyzer import STOP_WORDS
from index.names import MAX_TAGGED_CHARS
from rag.generator import Message
from rag.lang_de import REFERRING, names, topic_of

_WORD = re.compile(r"[\wäöüßÄÖÜ-]+")
# What a rewrite may carry over. A history turn may hold 20,000 characters, and the query is
# tagged and searched on every ask: names and topic words of one earlier question are a few words,
# so more is noise, and a word longer than the tagger takes (`index.names.MAX_TAGGED_CHARS`) is
# no search term (issue #39: a 2,000-character word from history made an ask take 17 s).
MAX_CARRIED = 8


def _key_words(question: str) -> list[str]:
    topic, _ = topic_of(question)
    if topic:
        return [w for w in _WORD.findall(topic) if w.lower() not in STOP_WORDS]
    out = []
    for w in _WORD.findall(question):
        if w.lower() in STOP_WORDS or w.lower() in REFERRING or len(w) < 3:
            continue
        if w[0].isupper() or len(w) > 6:
            out.append(w)
    return out


def rewrite(question: str, history: Sequence[Message] | None) -> str:
    previous = [m["content"] for m in history or [] if m["role"] == "user" and m["content"].strip()]
    if not previous:
        return question
    words = {w.lower() for w in _WORD.findall(question)}
    leans = bool(words & REFERRING) or (not names(question) and len(words - STOP_WORDS) <= 3)
    if not leans:
        return question
    carried: list[str] = []
    for prev in reversed(previous[-3:]):
        for w in _key_words(prev):
            if w.lower() not in words and w not in carried and len(w) <= MAX_TAGGED_CHARS:
                carried.append(w)
        if carried:
            break
    return f"{question} {' '.join(carried[:MAX_CARRIED])}" if carried else question
