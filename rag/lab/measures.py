"""What a user sees of an answer, measured per question and summed per question set and writer.

Read by `rag eval answers`. The question formats it reads:
- answerable: `evidence` (one string or a list of strings, each an exact substring of the
  article), `evidence_spans` ([[start, end], …], preferred when given), or `evidence_start` /
  `evidence_end` (`eval/`, whose licence keeps the article text out of the repository);
- unanswerable near misses: `near` (the sentence a careless system would quote) or
  `near_span` ([start, end]) in the article `article_id` or `related_article_id`.

The measures, each over the questions it can be computed for:
- `citation_hit`: a quoted sentence overlaps the evidence; `concise_hit`: that, with at most
  `CONCISE` sentences quoted (a long list that holds the answer somewhere is not an answer);
- `quote_precision`: the share of quoted sentences that overlap the evidence;
- `top1`: the best-scored candidate sentence overlaps the evidence (the ranking alone, whether
  or not the answer abstained);
- `near_quoted`: an unanswerable question answered by quoting its near-miss sentence;
- `confidence_auroc`: how well the best sentence's score tells answerable from unanswerable
  questions (0.5 is chance, 1.0 perfect).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from index.article import Article
from index.errors import InputError
from index.sentences import Span, overlaps
from rag.answer import Answer

CONCISE = 2  # issue #40: an answer a reader takes in at a glance quotes at most two sentences


# The best-scored candidate sentence: its score, article id and span (`rag.lab.evaluate.best_sentence`).
Best = tuple[float, str, Span]


def asked_article(q: dict[str, Any]) -> str:
    """The article a news question is about: its own, or for an unanswerable one the related
    article; '' when it names neither."""
    return str(q.get("article_id") or q.get("related_article_id") or "")


def holds(article: str, span: Span, article_id: str, spans: list[Span]) -> bool:
    """Does a sentence (its article and span) overlap one of `spans` of `article_id`?"""
    return article == article_id and any(overlaps(span, s) for s in spans)


def _check(q: dict[str, Any], span: Span, article: Article) -> Span:
    start, end = span
    if not 0 <= start < end <= len(article.text):
        raise InputError(f"question {q.get('id')}: span {start}-{end} outside article {article.id}")
    return start, end


def _find(q: dict[str, Any], text: str, article: Article) -> Span:
    start = article.text.find(text)
    if start < 0:
        raise InputError(f"question {q.get('id')}: {text[:60]!r} not found in article {article.id}")
    return start, start + len(text)


def evidence_spans(q: dict[str, Any], articles: dict[str, Article]) -> list[Span]:
    """Where an answerable question's evidence lies in its article (every span); [] for an
    unanswerable question or one whose article is not loaded."""
    article = articles.get(q.get("article_id") or "")
    if article is None or not q.get("answerable", True):
        return []
    if q.get("evidence_spans"):
        return [_check(q, (int(s), int(e)), article) for s, e in q["evidence_spans"]]
    if "evidence_start" in q:
        return [_check(q, (int(q["evidence_start"]), int(q["evidence_end"])), article)]
    evidence = q.get("evidence") or []
    texts = [evidence] if isinstance(evidence, str) else list(evidence)
    return [_find(q, t, article) for t in texts if t]


def near_span(q: dict[str, Any], articles: dict[str, Article]) -> Span | None:
    """The near-miss sentence of an unanswerable question, where the question names one."""
    article = articles.get(asked_article(q))
    if article is None or q.get("answerable", True):
        return None
    if q.get("near_span"):
        start, end = q["near_span"]
        return _check(q, (int(start), int(end)), article)
    return _find(q, q["near"], article) if q.get("near") else None


def quoted(a: Answer, article_id: str, spans: list[Span]) -> list[bool]:
    """For each sentence the answer quotes: does it overlap one of `spans` of `article_id`?"""
    return [holds(c.article_id, (x.start, x.end), article_id, spans) for c in a.citations for x in c.quotes]


def auroc(positive: Sequence[float] | np.ndarray, negative: Sequence[float] | np.ndarray) -> float | None:
    """The chance that a random positive outscores a random negative (ties count half); None
    when either side is empty."""
    pos, neg = np.asarray(positive, dtype=np.float64), np.asarray(negative, dtype=np.float64)
    if not len(pos) or not len(neg):
        return None
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class Tally:
    """The user-seen measures of one question set (or one writer's part of it)."""

    answerable: int = 0
    false_abstain: int = 0
    hits: int = 0
    concise: int = 0
    top1: int = 0
    quoted: int = 0  # sentences quoted in answers to answerable questions
    quoted_evidence: int = 0
    unanswerable: int = 0
    abstain: int = 0
    near: int = 0  # unanswerable questions that name their near-miss sentence
    near_quoted: int = 0
    scores: dict[bool, list[float]] = field(default_factory=lambda: {True: [], False: []})

    def add(
        self, a: Answer, q: dict[str, Any], spans: list[Span], near: Span | None, best: Best | None
    ) -> dict[str, Any]:
        """Count one answer; `best` is the best-scored candidate sentence's score, article and
        span (None: no candidate). Returns the question's record."""
        answerable = bool(q.get("answerable", True))
        article_id = asked_article(q)
        self.scores[answerable].append(best[0] if best is not None else 0.0)
        rec: dict[str, Any] = {}
        if answerable:
            self.answerable += 1
            self.false_abstain += a.abstained
            marks = quoted(a, article_id, spans)
            hit = rec["citation_hit"] = any(marks)
            self.hits += hit
            rec["concise_hit"] = hit and len(marks) <= CONCISE
            self.concise += rec["concise_hit"]
            self.quoted += len(marks)
            self.quoted_evidence += sum(marks)
            # the evidence's own article: the same offsets in another article are another sentence
            rec["top1"] = best is not None and holds(best[1], best[2], article_id, spans)
            self.top1 += rec["top1"]
        else:
            self.unanswerable += 1
            self.abstain += a.abstained
            if near is not None:
                self.near += 1
                rec["near_quoted"] = any(quoted(a, article_id, [near]))
                self.near_quoted += rec["near_quoted"]
        return rec

    def summary(self) -> dict[str, Any]:
        area = auroc(self.scores[True], self.scores[False])
        return {
            "answerable": self.answerable,
            "unanswerable": self.unanswerable,
            "citation_hit": _share(self.hits, self.answerable),
            "concise_hit": _share(self.concise, self.answerable),
            "quote_precision": _share(self.quoted_evidence, self.quoted),
            "top1": _share(self.top1, self.answerable),
            "abstain_unanswerable": _share(self.abstain, self.unanswerable),
            "false_abstain": _share(self.false_abstain, self.answerable),
            "near_quoted": _share(self.near_quoted, self.near),
            "confidence_auroc": round(area, 4) if area is not None else None,
        }
