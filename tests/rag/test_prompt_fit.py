"""Fitting the prompt to the generator's context window (issue 12, item 1), with a fake
generator that counts words as tokens; the real Gemma path is in tests/api/test_hardening.py."""

from __future__ import annotations

from index.article import Chunk
from rag.generator import EchoGenerator
from rag.prompt import build_messages, fit_messages
from rag.retrieval import Passage


def passages(n: int, words: int) -> list[Passage]:
    out = []
    for i in range(n):
        text = " ".join(f"wort{i}" for _ in range(words))
        chunk = Chunk(f"a#{i}", "a", f"Titel {i}", None, None, text, 0, len(text))
        out.append(Passage(row=i, chunk=chunk, score=1.0 / (i + 1)))
    return out


def test_all_passages_are_kept_when_they_fit() -> None:
    gen = EchoGenerator("", n_ctx=10_000)
    fitted = fit_messages("Frage?", passages(5, 100), lambda m: gen.fits(m, 200))
    assert fitted is not None and fitted[1] == 5


def test_the_lowest_ranked_passages_are_dropped_first() -> None:
    gen = EchoGenerator("", n_ctx=800)
    ps = passages(10, 100)
    fitted = fit_messages("Frage?", ps, lambda m: gen.fits(m, 200))
    assert fitted is not None
    messages, n = fitted
    assert 1 <= n < 10 and gen.fits(messages, 200) and not gen.fits(build_messages("Frage?", ps[: n + 1]), 200)
    prompt = messages[1]["content"]
    assert "wort0" in prompt and f"wort{n - 1}" in prompt and f"wort{n}" not in prompt  # a prefix, so [1]…[n] hold


def test_nothing_fits_is_none() -> None:
    gen = EchoGenerator("", n_ctx=150)
    assert fit_messages("Frage?", passages(3, 100), lambda m: gen.fits(m, 100)) is None
