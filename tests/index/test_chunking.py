from __future__ import annotations

from index.article import Article
from index.chunking import ChunkingParams, chunk_article


def test_windows_overlap_by_one_sentence_and_offsets_are_exact() -> None:
    text = " ".join(f"Satz Nummer {i} handelt von Dr. Müller." for i in range(1, 8))
    art = Article("a", "T", text)
    chunks = chunk_article(art, ChunkingParams(sentences_per_chunk=3, overlap=1))
    assert [c.text.count("Satz Nummer") for c in chunks] == [3, 3, 3]
    for c in chunks:
        assert art.text[c.start : c.end] == c.text
    # the last sentence of one window is the first of the next
    assert chunks[0].text.split(". ")[-1] in chunks[1].text
    assert chunks[1].start < chunks[0].end


def test_long_sentences_stop_a_window_early_but_never_cut_a_sentence() -> None:
    long = "Wort " * 200 + "Ende."
    art = Article("b", "T", f"{long} {long} Kurz.")
    chunks = chunk_article(art, ChunkingParams(max_chars=1200))
    assert all(art.text[c.start : c.end] == c.text for c in chunks)
    assert all(c.text.endswith(".") for c in chunks)
    assert len(chunks) >= 2
