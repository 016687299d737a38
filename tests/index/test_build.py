"""Index updates: idempotent, replace-on-change, remove, atomic, embedder-checked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index import storage
from index.article import Article
from index.build import remove_articles, upsert_articles
from index.catalog import Catalog
from index.embedder import HashEmbedder
from index.errors import IndexMismatchError, NoIndexError
from tests.conftest import ROOT, SEED_ID


def art(i: str, text: str) -> Article:
    return Article(i, f"Titel {i}", text, date="2025-01-0" + i[-1])


def test_reindexing_is_idempotent_and_changes_replace_old_chunks(tmp_path: Path, hash_embedder: HashEmbedder) -> None:
    a1, a2 = (
        art("a1", "Der Hafen von Hamburg wächst. Neue Kräne kommen."),
        art("a2", "Ein Zug fährt nach Köln."),
    )
    s = upsert_articles(tmp_path, [a1, a2], hash_embedder)
    assert (sorted(s.added), s.unchanged) == (["a1", "a2"], [])
    gen = storage.current_dir(tmp_path)
    s = upsert_articles(tmp_path, [a1, a2], hash_embedder)
    assert (s.added, s.updated, sorted(s.unchanged)) == ([], [], ["a1", "a2"])
    assert storage.current_dir(tmp_path) == gen  # nothing rewritten
    changed = art("a1", "Der Hafen von Hamburg schrumpft.")
    s = upsert_articles(tmp_path, [changed], hash_embedder)
    assert s.updated == ["a1"]
    cat = Catalog.load(tmp_path, hash_embedder)
    texts = [c.text for c in cat.chunks.values() if c.article_id == "a1"]
    assert texts == ["Der Hafen von Hamburg schrumpft."]
    assert len(cat.vectors) == len(cat.chunks) == len(cat.bm25)


def test_removed_articles_are_gone_from_every_store(tmp_path: Path, hash_embedder: HashEmbedder) -> None:
    upsert_articles(tmp_path, [art("a1", "Hamburg Hafen Kräne."), art("a2", "Köln Zug Bahnhof.")], hash_embedder)
    s = remove_articles(tmp_path, ["a1", "zz"], hash_embedder)
    assert s.removed == ["a1"]
    cat = Catalog.load(tmp_path, hash_embedder)
    assert list(cat.articles) == ["a2"]
    assert all(cat.chunks[r].article_id == "a2" for r, _ in cat.bm25.search("Hamburg Hafen Köln", 10))
    q = hash_embedder.embed_query("Hamburg Hafen Kräne")
    assert all(cat.chunks[r].article_id == "a2" for r, _ in cat.vectors.search(q, 10))


def test_a_failed_write_leaves_the_previous_index_loadable(
    tmp_path: Path, hash_embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    upsert_articles(tmp_path, [art("a1", "Erster Stand.")], hash_embedder)

    def crash(self: object, folder: Path) -> None:
        (folder / "articles.jsonl").write_text("halb")
        raise OSError("disk full")

    monkeypatch.setattr(Catalog, "_write", crash)
    with pytest.raises(OSError):
        upsert_articles(tmp_path, [art("a2", "Zweiter Stand.")], hash_embedder)
    monkeypatch.undo()
    cat = Catalog.load(tmp_path, hash_embedder)
    assert list(cat.articles) == ["a1"]


def test_loading_with_another_embedder_is_a_clear_error(tmp_path: Path, hash_embedder: HashEmbedder) -> None:
    upsert_articles(tmp_path, [art("a1", "Text.")], hash_embedder)
    with pytest.raises(IndexMismatchError, match="rag reindex"):
        Catalog.load(tmp_path, HashEmbedder(dim=32))


def test_no_index_message_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(NoIndexError, match="rag index seeds/"):
        Catalog.load(tmp_path / "nothing")


def test_reindex_re_embeds_everything_with_the_new_embedder(tmp_path: Path, hash_embedder: HashEmbedder) -> None:
    from index.build import reembed_all

    upsert_articles(tmp_path, [art("a1", "Hamburg Hafen."), art("a2", "Köln Zug.")], hash_embedder)
    new = HashEmbedder(dim=32)
    with pytest.raises(IndexMismatchError):
        Catalog.load(tmp_path, new)
    s = reembed_all(tmp_path, new)
    assert s.articles == 2
    cat = Catalog.load(tmp_path, new)
    assert cat.manifest.dim == 32 and sorted(cat.articles) == ["a1", "a2"]


def test_stored_sentences_are_the_somajo_split_with_one_vector_each(
    tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    from index.sentences import split_sentences

    text = (ROOT / "seeds" / f"{SEED_ID}.txt").read_text(encoding="utf-8")
    upsert_articles(tmp_path, [art("seed", text)], hash_embedder)
    cat = Catalog.load(tmp_path, hash_embedder)  # read back from disk
    stored = cat.sentences.get("seed")
    assert stored is not None
    assert stored.spans == split_sentences(text)
    assert stored.vectors.shape == (len(stored.spans), hash_embedder.dim)
    first = text[stored.spans[0][0] : stored.spans[0][1]]
    assert np.allclose(stored.vectors[0], hash_embedder.embed_documents([first])[0], atol=1e-3)
    for chunk in cat.chunks.values():  # every chunk is whole stored sentences
        inside = stored.within(chunk.start, chunk.end)
        assert inside and stored.spans[inside[0]][0] == chunk.start and stored.spans[inside[-1]][1] == chunk.end


def test_an_index_of_the_previous_format_is_named_and_reindex_rebuilds_it(
    tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    import json

    from index.build import reembed_all

    upsert_articles(tmp_path, [art("a1", "Hamburg Hafen. Neue Kräne."), art("a2", "Köln Zug.")], hash_embedder)
    folder = storage.current_dir(tmp_path)
    assert folder is not None
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").write_text(json.dumps({**manifest, "format_version": 1}), encoding="utf-8")
    (folder / "sentence_vectors.npy").unlink()  # format 1 had none
    with pytest.raises(IndexMismatchError, match=r"has format 1.*rag reindex"):
        Catalog.load(tmp_path, hash_embedder)
    assert reembed_all(tmp_path, hash_embedder).articles == 2
    assert sorted(Catalog.load(tmp_path, hash_embedder).articles) == ["a1", "a2"]


class _Interrupted(HashEmbedder):
    """Embeds `calls` batches, then stops as Ctrl-C would."""

    def __init__(self, calls: int) -> None:
        super().__init__()
        self.calls = calls

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if self.calls == 0:
            raise KeyboardInterrupt
        self.calls -= 1
        return super().embed_documents(texts)


def test_an_interrupted_index_run_resumes_where_it_stopped(tmp_path: Path) -> None:
    articles = [art(f"a{i:03d}", f"Meldung {i} aus Hamburg. Der Hafen wächst.") for i in range(150)]  # 3 batches
    with pytest.raises(KeyboardInterrupt):
        upsert_articles(tmp_path, articles, _Interrupted(calls=2), checkpoint_s=0.0)
    kept = Catalog.load(tmp_path, HashEmbedder())
    assert len(kept.articles) == 128  # the two finished batches were published
    again = upsert_articles(tmp_path, articles, HashEmbedder())
    assert len(again.unchanged) == 128 and len(again.added) == 22
    assert again.articles == 150


def test_an_index_of_format_2_gains_names_and_quotations_without_re_embedding(
    tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    import json

    from index.build import reembed_all

    text = "Kanzler Olaf Scholz reiste nach Kiel. Scholz sagte, der Hafen sei wichtig."
    upsert_articles(tmp_path, [art("a1", text)], hash_embedder)
    folder = storage.current_dir(tmp_path)
    assert folder is not None
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").write_text(json.dumps({**manifest, "format_version": 2}), encoding="utf-8")
    rows = [json.loads(line) for line in (folder / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    for row in rows:
        del row["speech"]  # format 2 had no names and quotations
    (folder / "articles.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    loaded = Catalog.load(tmp_path, hash_embedder)
    assert loaded.stale_speech and [q.speaker for q in loaded.speech["a1"].quotations] == ["Olaf Scholz"]
    # `rag reindex` saves them; an embedder that fails when called proves nothing is re-embedded
    reembed_all(tmp_path, _Interrupted(calls=0))
    again = Catalog.load(tmp_path, hash_embedder)
    assert not again.stale_speech and again.manifest.format_version == 3
    assert [q.speaker for q in again.speech["a1"].quotations] == ["Olaf Scholz"]


def test_names_found_by_older_rules_are_found_again_on_load(tmp_path: Path, hash_embedder: HashEmbedder) -> None:
    import json

    upsert_articles(tmp_path, [art("a1", "Präsident Macron sagte, Paris sei bereit.")], hash_embedder)
    folder = storage.current_dir(tmp_path)
    assert folder is not None
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["speech_version"] >= 1
    (folder / "manifest.json").write_text(json.dumps({**manifest, "speech_version": 0}), encoding="utf-8")
    assert Catalog.load(tmp_path, hash_embedder).stale_speech


def test_the_speaker_index_follows_upserts_removals_and_loads(tmp_path: Path, hash_embedder: HashEmbedder) -> None:
    scholz = "Kanzler Olaf Scholz reiste nach Kiel. Scholz sagte, der Hafen sei wichtig."
    baerbock = "Die Ministerin Annalena Baerbock sagte, die Gespräche seien konstruktiv gewesen."
    upsert_articles(
        tmp_path,
        [art("a1", scholz), art("a2", baerbock), art("a3", "Der Bau kostete 4 Millionen Euro.")],
        hash_embedder,
    )
    cat = Catalog.load(tmp_path, hash_embedder)
    assert cat.speakers.articles("Scholz") == {"a1"} and cat.speakers.articles("olaf") == {"a1"}
    assert cat.speakers.articles("Baerbock") == {"a2"} and cat.speakers.articles("Bau") == set()
    upsert_articles(tmp_path, [art("a1", baerbock)], hash_embedder)  # a rewritten article loses its old names
    remove_articles(tmp_path, ["a2"], hash_embedder)
    cat = Catalog.load(tmp_path, hash_embedder)
    assert cat.speakers.articles("Scholz") == set() and cat.speakers.articles("Baerbock") == {"a1"}
