"""Pairs for a cross-encoder that reranks the sentence scorer's best candidates (#40, "both").

For each question, the product's candidates as `Rag.evidence` scores them with the shipped
scorer; the best `keep` become (question, candidate with title and neighbours) pairs, as the
reader sees them in use (`rag.evidence.reader_candidates`). A pair is positive when its
sentence overlaps the question's evidence; every pair of an unanswerable question is negative.
Each pair carries the scorer's probability, so that a rerank can be measured against the scorer
alone on the same candidates.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from index.article import Article
from rag.evidence import reader_candidates
from rag.lab.measures import asked_article, evidence_spans, holds
from rag.lab.reader_data import Example
from rag.pipeline import Rag
from rag.question import Question, check_question
from rag.reader.pairs import Candidate


@dataclass(frozen=True)
class RerankPair:
    qid: str
    writer: str
    answerable: bool
    question: str
    candidate: Candidate
    label: bool
    scorer: float  # the shipped scorer's probability
    rank: int  # 0: the scorer's best

    def example(self) -> Example:
        return Example(self.question, self.candidate, int(self.label), self.writer, self.qid)


def question_pairs(
    rag: Rag, q: dict[str, Any], articles: dict[str, Article], writer: str, keep: int
) -> list[RerankPair]:
    """The scorer's best `keep` candidates of one question; none for a question about a speaker's
    statements (`rag.speakers` answers those)."""
    parsed = Question.parse(check_question(q["question"]))
    if parsed.speaker is not None:
        return []
    passages, sentences = rag.candidates(parsed)
    best = sorted(sentences, key=lambda s: -s.score)[:keep]
    article_id = asked_article(q)
    spans = evidence_spans(q, articles)  # [] for an unanswerable question: every pair negative
    return [
        RerankPair(
            str(q["id"]),
            writer,
            bool(q.get("answerable", True)),
            q["question"],
            c,
            holds(s.article, (s.start, s.end), article_id, spans),
            float(s.score),
            rank,
        )
        for rank, (s, c) in enumerate(zip(best, reader_candidates(sentences, passages, best), strict=True))
    ]


def gather_pairs(
    rag: Rag,
    sets: dict[str, list[dict[str, Any]]],
    articles: dict[str, Article],
    keep: int,
    say: Callable[[str], None],
) -> list[RerankPair]:
    out: list[RerankPair] = []
    for name, questions in sets.items():
        known = [q for q in questions if asked_article(q) in articles]
        for i, q in enumerate(known, start=1):
            out += question_pairs(rag, q, articles, str(q.get("writer") or name), keep)
            if i % 250 == 0:
                say(f"  {name}: {i} of {len(known)} questions")
    return out


def save_pairs(pairs: list[RerankPair], path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        for p in pairs:
            f.write(json.dumps(asdict(p), ensure_ascii=False) + "\n")


def load_pairs(path: Path) -> list[RerankPair]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        row["candidate"] = Candidate(**row["candidate"])
        out.append(RerankPair(**row))
    return out
