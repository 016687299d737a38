"""The evaluation's inputs: question and article files (JSON lines), the checkout's held-out
sets, and the index of a set of articles, built once in a cache folder keyed by the articles and
the embedder (never the user's index)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from index.article import Article
from index.build import upsert_articles
from index.catalog import Catalog
from index.embedder import Embedder
from index.errors import InputError
from index.storage import write_lock


def held_out_sets() -> list[Path]:
    """The hand-written held-out question sets of the checkout (`eval/`, read from the working
    directory as the CLI's other defaults are), in file-name order."""
    return sorted(Path("eval").glob("questions_heldout*.jsonl"))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise InputError(f"{path}:{n}: malformed JSON ({e.msg})") from None
    return rows


def load_articles(paths: Iterable[Path]) -> list[Article]:
    out = []
    for p in paths:
        for d in read_jsonl(p):
            if "id" not in d or "text" not in d:
                raise InputError(f"{p}: every line needs 'id' and 'text'")
            out.append(Article.from_dict({**d, "title": d.get("title") or ""}))
    return out


def index_folder(articles: list[Article], embedder: Embedder, cache: Path) -> Path:
    """Where `cached_index` keeps the index of these articles and this embedder (a data folder)."""
    h = hashlib.sha256(embedder.name.encode())
    for a in sorted(articles, key=lambda a: a.id):
        h.update(a.content_hash.encode())
    return cache / h.hexdigest()[:16]


def cached_index(articles: list[Article], embedder: Embedder, cache: Path, say: Callable[[str], None]) -> Catalog:
    """The index of `articles` kept in `cache`: built when missing, and completed when a build was
    cut short. A build saves checkpoints as it goes, so an interrupted one leaves an index that
    loads but lacks articles; measured on it, the 159 speaker questions among 2,917 articles
    abstained on 0.84 of them (192 articles had been embedded)."""
    folder = index_folder(articles, embedder, cache)
    try:
        catalog = Catalog.load(folder, embedder)
    except Exception:
        catalog = None
    latest = {a.id: a for a in articles}.values()  # a later duplicate id wins, as in `upsert_articles`
    missing = len(latest) if catalog is None else sum(not catalog.is_unchanged(a) for a in latest)
    if catalog is None or missing:
        t = time.perf_counter()
        say(f"building evaluation index in {folder}: {missing} of {len(latest)} articles to embed …")
        upsert_articles(folder, articles, embedder)  # embeds only what is not there yet
        say(f"  built in {time.perf_counter() - t:.0f} s")
        return Catalog.load(folder, embedder)
    if catalog.stale_speech:
        say(f"saving the names and quotations found again in {folder} …")
        with write_lock(folder):
            catalog.save(folder)
    return catalog
