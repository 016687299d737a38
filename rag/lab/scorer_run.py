"""One training run of the sentence scorer, as `rag train scorer` makes it: gather the rows of
every question set through the product's retrieval, fit on the training writers, choose the
threshold out of fold, measure on the held-out writer and the other sets, save.

The sets (`question_sets`), read from a folder laid out like ../shared/data:
- `news_questions_written/questions.jsonl`: five writers; all but `hold_out` train;
- `--news-questions` (rag/reader/news_questions.jsonl, one writer): trains, as "N";
- `news_wikinews_de/questions_dev.jsonl` ("dev") and `eval/questions_heldout*.jsonl` ("H1" …):
  measured, never trained on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from index.article import Article
from index.errors import InputError
from rag.lab.eval_data import held_out_sets, load_articles, read_jsonl
from rag.lab.scorer_data import QuestionRows, gather, load_rows, save_rows
from rag.lab.train_scorer import ScorerConfig, choose_threshold, fit, measure, out_of_fold
from rag.pipeline import Rag
from rag.scorer import SentenceScorer, save_scorer
from rag.scorer_features import FEATURES

WRITTEN = Path("news_questions_written") / "questions.jsonl"
# The articles the question sets ask about: Wikinews, and 10kGNAD for writers C3 and C4's DER
# STANDARD articles; a folder without 10kGNAD (the test fixtures) gives Wikinews alone.
ARTICLE_FILES = (Path("news_wikinews_de") / "articles.jsonl", Path("news_10kgnad") / "articles.jsonl")


def news_articles(data: Path) -> list[Article]:
    """The articles of `ARTICLE_FILES` that the folder `data` holds."""
    return load_articles([data / f for f in ARTICLE_FILES if (data / f).is_file()])


def question_sets(data: Path, news_questions: Path | None) -> dict[str, list[dict[str, Any]]]:
    """name → questions; the written set's questions carry their own writer."""
    written = data / WRITTEN
    if not written.is_file():
        raise InputError(f"--data: {written} is missing; give the folder laid out like ../shared/data")
    sets = {"written": read_jsonl(written)}
    if news_questions is not None:
        sets["N"] = read_jsonl(news_questions)
    dev = data / "news_wikinews_de" / "questions_dev.jsonl"
    if dev.is_file():
        sets["dev"] = read_jsonl(dev)
    for path in held_out_sets():
        number = path.stem.removeprefix("questions_heldout") or "1"
        sets[f"H{number}"] = read_jsonl(path)
    return sets


MEASURED_ONLY = ("dev", "H")  # set names (prefixes) never trained on


def is_training(writer: str, hold_out: str) -> bool:
    return writer != hold_out and not writer.startswith(MEASURED_ONLY)


@dataclass
class ScorerRun:
    scorer: SentenceScorer
    sha256: str
    report: dict[str, Any]


def rows_for(
    rag: Rag,
    sets: dict[str, list[dict[str, Any]]],
    articles: dict[str, Any],
    cache: Path | None,
    say: Callable[[str], None],
) -> list[QuestionRows]:
    """The rows of every set, from `cache` when it exists (gathering takes minutes)."""
    if cache is not None and cache.is_file():
        say(f"rows from {cache}")
        cached = load_rows(cache)
        if cached and cached[0].rows.shape[1] != len(FEATURES):
            # a scorer fitted on them would carry this code's feature names over other columns
            raise InputError(
                f"--rows: {cache} holds {cached[0].rows.shape[1]} columns, this code computes {len(FEATURES)} "
                "features; delete it to gather the rows again"
            )
        return cached
    t = time.perf_counter()
    rows = gather(rag, sets, articles, say)
    say(f"gathered {len(rows)} questions' candidates in {time.perf_counter() - t:.0f} s")
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        save_rows(rows, cache)
    return rows


def train_run(
    rows: list[QuestionRows], cfg: ScorerConfig, hold_out: str, embedder: str, out: Path, say: Callable[[str], None]
) -> ScorerRun:
    train = [q for q in rows if is_training(q.writer, hold_out)]
    if not any(q.answerable for q in train) or all(q.answerable for q in train):
        raise InputError("the training writers need answerable and unanswerable questions")
    t = time.perf_counter()
    best, answerable = out_of_fold(train, cfg, say)
    threshold = choose_threshold(best, answerable, cfg.max_false)
    model = fit(train, cfg)
    seconds = time.perf_counter() - t
    second = min(1.0, threshold + cfg.second_margin)
    groups = sorted({q.writer for q in rows})
    measured = {g: measure(model, [q for q in rows if q.writer == g], threshold, second) for g in groups}
    report = {
        "hold_out": hold_out,
        "trained_on": sorted({q.writer for q in train}),
        "training_questions": len(train),
        "training_seconds": round(seconds, 1),
        "config": asdict(cfg),
        "threshold": threshold,
        "measured": measured,
    }
    scorer = replace(model, embedder=embedder, features=FEATURES, threshold=threshold, second=second, report=report)
    sha = save_scorer(scorer, out)
    return ScorerRun(scorer, sha, report)
