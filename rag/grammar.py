"""A llama.cpp grammar that lets the model only quote candidate sentences, each with its [n].

With `RAG_GRAMMAR=quotes` the model no longer writes free text: it chooses one to three of the
best-scored candidate sentences, verbatim, each followed by the number of its passage. The
model then acts as a sentence selector, and every sentence it can produce passes verification.
`rag eval answers --mode generative` with and without it measures whether that helps.
"""

from __future__ import annotations

from rag.evidence import Sentence

MAX_CANDIDATES = 8


def _literal(text: str) -> str:
    """A GBNF string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", " ")
    return f'"{escaped}"'


def quote_grammar(sentences: list[Sentence], max_sentences: int = 3) -> str | None:
    """GBNF for 1..max_sentences quotes of the best-scored sentences; None without candidates."""
    best = sorted(sentences, key=lambda s: -s.score)[:MAX_CANDIDATES]
    if not best:
        return None
    options = " | ".join(_literal(f"{' '.join(s.text.split())} [{s.passage + 1}]") for s in best)
    more = f'(" " quote){{0,{max_sentences - 1}}}' if max_sentences > 1 else ""
    return f"root ::= quote {more}\nquote ::= {options}\n"
