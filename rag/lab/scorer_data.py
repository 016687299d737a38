"""Training rows for the sentence scorer: every candidate sentence the product would choose from,
with the scorer's features and a label.

Candidates come from the product's own retrieval over an index of the articles (`rag eval`'s
cache), not from the asked article alone: the scorer has to rank what retrieval brings, other
articles' sentences included, and the near-miss sentence of an unanswerable question is among
them as the product would see it. A sentence is positive when it overlaps the question's evidence
in its article; every candidate of an unanswerable question is negative.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from index.article import Article
from rag.lab.measures import asked_article, evidence_spans, holds, near_span
from rag.pipeline import Rag
from rag.question import Question, check_question


@dataclass
class QuestionRows:
    qid: str
    writer: str  # the question set's writer ("C1" …), or the set's name where it has none
    answerable: bool
    rows: np.ndarray  # float32 [candidates, columns]
    labels: np.ndarray  # bool [candidates]: overlaps the evidence
    near: np.ndarray  # bool [candidates]: overlaps the near-miss sentence


def question_rows(rag: Rag, q: dict[str, Any], articles: dict[str, Article], writer: str) -> QuestionRows | None:
    """The candidates of one question as `Rag.stream` gathers them; None for a question about a
    speaker's statements, which the scorer does not rank (`rag.speakers` does)."""
    parsed = Question.parse(check_question(q["question"]))
    if parsed.speaker is not None:
        return None
    _, sentences = rag.candidates(parsed)
    rows = rag.scorer_rows(parsed, sentences)  # the rule scores are set, the scorer's not
    article_id = asked_article(q)
    spans = evidence_spans(q, articles)
    near = near_span(q, articles)
    labels = [holds(s.article, (s.start, s.end), article_id, spans) for s in sentences]
    nears = [holds(s.article, (s.start, s.end), article_id, [near] if near else []) for s in sentences]
    return QuestionRows(
        str(q["id"]),
        writer,
        bool(q.get("answerable", True)),
        rows,
        np.array(labels, dtype=bool),
        np.array(nears, dtype=bool),
    )


def gather(
    rag: Rag,
    sets: dict[str, list[dict[str, Any]]],
    articles: dict[str, Article],
    say: Callable[[str], None],
) -> list[QuestionRows]:
    """Rows of every question of `sets` (name → questions; a question's own `writer` wins). A
    question about an article that is not among `articles` is left out and counted."""
    out: list[QuestionRows] = []
    shipped, rag.scorer = rag.scorer, None  # rows hold what the scorer reads: rule scores, never its own
    try:
        for name, questions in sets.items():
            known = [q for q in questions if asked_article(q) in articles]
            if len(known) < len(questions):
                left = len(questions) - len(known)
                say(f"  {name}: {left} of {len(questions)} questions ask about articles not given")
            for i, q in enumerate(known, start=1):
                got = question_rows(rag, q, articles, str(q.get("writer") or name))
                if got is not None:
                    out.append(got)
                if i % 250 == 0:
                    say(f"  {name}: {i} of {len(known)} questions")
    finally:
        rag.scorer = shipped
    return out


def save_rows(rows: list[QuestionRows], path: Any) -> None:
    """One .npz holding every question's rows (the cache `rag train scorer --rows` reuses)."""
    sizes = np.array([len(r.labels) for r in rows])
    np.savez(
        path,
        qid=np.array([r.qid for r in rows]),
        writer=np.array([r.writer for r in rows]),
        answerable=np.array([r.answerable for r in rows]),
        sizes=sizes,
        rows=np.concatenate([r.rows for r in rows]) if rows else np.zeros((0, 0), np.float32),
        labels=np.concatenate([r.labels for r in rows]) if rows else np.zeros(0, bool),
        near=np.concatenate([r.near for r in rows]) if rows else np.zeros(0, bool),
    )


def load_rows(path: Any) -> list[QuestionRows]:
    with np.load(path, allow_pickle=False) as z:
        arrays = {name: z[name] for name in ("qid", "writer", "answerable", "sizes", "rows", "labels", "near")}
    bounds = np.concatenate([[0], np.cumsum(arrays["sizes"])])
    return [
        QuestionRows(
            str(arrays["qid"][i]),
            str(arrays["writer"][i]),
            bool(arrays["answerable"][i]),
            arrays["rows"][bounds[i] : bounds[i + 1]],
            arrays["labels"][bounds[i] : bounds[i + 1]],
            arrays["near"][bounds[i] : bounds[i + 1]],
        )
        for i in range(len(arrays["sizes"]))
    ]
