"""An independent check of a finished answer: is every sentence backed by its citation?

Used by `rag eval answers` to count `unsupported_sentences`. A sentence counts as supported
when it is a verbatim part of the text its [n] citation quotes, or passes the verifier's
support test against that quote.
"""

from __future__ import annotations

import re

from index.article import Article
from rag.answer import Answer
from rag.text import cited_numbers, restore_markers, strip_citations

_LINE_HEADER = re.compile(r"^„.*“( \(.*\))?:$")
_CLAIM = re.compile(r"[^\[]+?(?:\s*\[\d+\])+")


def answer_sentences(answer: Answer) -> list[str]:
    """Claims of the answer with their markers (header lines naming an article are skipped)."""
    if answer.abstained:
        return []
    out: list[str] = []
    for line in answer.answer.splitlines():
        line = line.strip()
        if not line or _LINE_HEADER.match(line):
            continue
        out.extend(m.group(0).strip() for m in _CLAIM.finditer(line))
    return out


def sentence_supported(sentence: str, answer: Answer, articles: dict[str, Article]) -> bool:
    from rag.verify import VerifyParams, supports

    claim = restore_markers(strip_citations(sentence))
    by_n = {c.n: c for c in answer.citations}
    for n in cited_numbers(sentence):
        c = by_n.get(n)
        if c is None:
            return False
        text = articles[c.article_id].text
        for q in c.quotes:
            quote = text[q.start : q.end]
            if claim in quote or supports(claim, quote, c.text, VerifyParams())[0]:
                return True
    return False
