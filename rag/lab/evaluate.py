"""`rag eval retrieval` and `rag eval answers`: measured quality on QA and news dev sets.

Both build their own index in a cache folder keyed by the input files and the embedder (never
the user's index, `rag.lab.eval_data.cached_index`), so repeated runs while tuning only pay for
the questions.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from index.article import Article
from index.errors import InputError
from rag.answer import Answer
from rag.lab.audit import answer_sentences, sentence_supported
from rag.lab.evaluate_speech import QuoteScores
from rag.lab.measures import Best, Tally, evidence_spans, near_span
from rag.pipeline import Rag
from rag.question import Question, check_question
from rag.rerank import best_first
from rag.retrieval import Passage
from rag.text import content_terms, is_german, term_overlap

RetrievalMode = Literal["hybrid", "dense", "bm25"]


@dataclass
class Target:
    qid: str
    question: str
    article_id: str
    start: int
    end: int


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank `q` quantile (0 when there are no values); every report uses this one."""
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def rank_passages(rag: Rag, question: str, passages: list[Passage], query_vector: np.ndarray) -> list[Passage]:
    """`passages` reordered by their best candidate sentence, in the answer's order
    (`rag.rerank.best_first`); passages without a candidate keep the fused order, last."""
    parsed = Question.parse(check_question(question))
    _, sentences = rag.evidence(parsed, passages, None, query_vector)
    rag.reread(parsed, passages, sentences)
    first: dict[int, int] = {}
    for rank, s in enumerate(best_first(sentences)):
        first.setdefault(s.passage, rank)
    order = sorted(range(len(passages)), key=lambda i: (i not in first, first.get(i, 0), i))
    return [passages[i] for i in order]


def best_sentence(rag: Rag, question: str) -> Best | None:
    """The answer's confidence (the scorer's best probability) with the article and span of the
    sentence it would quote first, whether or not it abstains (`rag eval answers`' top1 and
    AUROC); None without candidates."""
    parsed = Question.parse(check_question(question))
    passages, sentences = rag.candidates(parsed)
    if not sentences:
        return None
    rag.reread(parsed, passages, sentences)
    best = best_first(sentences)[0]
    return max(s.score for s in sentences), best.article, (best.start, best.end)


def retrieval_targets(questions: list[dict[str, Any]], articles: dict[str, Article]) -> list[Target]:
    out = []
    for q in questions:
        if "context_id" in q:
            start = q["answer_starts"][0]
            out.append(Target(q["id"], q["question"], q["context_id"], start, start + len(q["answers"][0])))
        elif spans := evidence_spans(q, articles):  # the passage must hold the first evidence sentence
            out.append(Target(q["id"], q["question"], q["article_id"], *spans[0]))
    return out


def evaluate_retrieval(
    rag: Rag, targets: list[Target], k: int, mode: RetrievalMode, by_sentence: bool = False
) -> dict[str, Any]:
    """Recall@k and friends of `mode`'s passage ranking; with `by_sentence`, of the same passages
    reordered by their best sentence's score (`Rag.rank_passages`)."""
    ranks: list[int | None] = []
    latency: list[float] = []
    depth = max(k, 10)
    for t in targets:
        t0 = time.perf_counter()
        res = rag.retriever.retrieve(t.question, depth, mode=mode)
        passages = rank_passages(rag, t.question, res.passages, res.query_vector) if by_sentence else res.passages
        latency.append((time.perf_counter() - t0) * 1000)
        rank = next(
            (
                i
                for i, p in enumerate(passages, start=1)
                if p.chunk.article_id == t.article_id and p.chunk.start <= t.start and t.end <= p.chunk.end
            ),
            None,
        )
        ranks.append(rank)
    n = len(targets) or 1

    def recall(at: int) -> float:
        return sum(1 for r in ranks if r is not None and r <= at) / n

    return {
        "n": len(targets),
        "mode": mode,
        "by_sentence": by_sentence,
        "recall_at_1": round(recall(1), 4),
        "recall_at_5": round(recall(5), 4),
        "recall_at_10": round(recall(10), 4),
        f"recall_at_{k}": round(recall(k), 4),
        "mrr": round(sum(1 / r for r in ranks if r is not None and r <= 10) / n, 4),
        "ndcg_at_10": round(sum(1 / math.log2(r + 1) for r in ranks if r is not None and r <= 10) / n, 4),
        "ms_per_query_p50": round(percentile(latency, 0.5), 2),
        "ms_per_query_p95": round(percentile(latency, 0.95), 2),
    }


LEVELS = [x / 20 for x in range(2, 19)]  # 0.1 … 0.9: the thresholds and sure levels the eval tables replay


def abstention_table(rows: list[tuple[float, bool, bool]], setting: str) -> list[dict[str, float]]:
    """abstain_unanswerable and false_abstain had `setting` (the threshold the answers'
    confidences were compared to) been each of LEVELS; a question the rules abstain on
    abstains at any threshold, and one never judged (math.inf) at none."""
    n_un = sum(1 for _, _, answerable in rows if not answerable) or 1
    n_ans = sum(1 for _, _, answerable in rows if answerable) or 1
    table = []
    for t in LEVELS:
        abstains = [(by_rules or conf < t, answerable) for conf, by_rules, answerable in rows]
        table.append(
            {
                setting: t,
                "abstain_unanswerable": round(sum(a for a, ok in abstains if not ok) / n_un, 4),
                "false_abstain": round(sum(a for a, ok in abstains if ok) / n_ans, 4),
            }
        )
    return table


def marking_table(rows: list[tuple[float, bool]], setting: str) -> list[dict[str, float]]:
    """Of the answers given with a confidence, the share of wrong ones (an unanswerable question
    answered, or an answerable one whose citations miss the evidence) and of right ones that
    `low_confidence` would mark, had `setting` (the sure level) been each of LEVELS. A useful
    level marks many wrong answers and few right ones; levels below the abstention threshold
    mark nothing, because those answers were not given."""
    n_wrong = sum(1 for _, right in rows if not right) or 1
    n_right = sum(1 for _, right in rows if right) or 1
    return [
        {
            setting: t,
            "wrong_marked": round(sum(1 for c, right in rows if not right and c < t) / n_wrong, 4),
            "right_marked": round(sum(1 for c, right in rows if right and c < t) / n_right, 4),
        }
        for t in LEVELS
    ]


def marking_row(rag: Rag, a: Answer, right: bool) -> tuple[float, bool] | None:
    """(confidence, right) for `marking_table`: an answer given, with the confidence its
    low_confidence mark compared (with the judge on, only judged answers have one)."""
    if a.abstained or a.confidence is None or (rag.judging is not None and a.timings.judge_ms is None):
        return None
    return (a.confidence, right)


def threshold_row(rag: Rag, a: Answer, answerable: bool) -> tuple[float, bool, bool] | None:
    """(confidence, abstained by the rules, answerable) for `abstention_table`; None when no
    confidence gates the answers (neither judge nor reader; with a scorer the reader only orders,
    `rag.rerank`). Rules first: the gate (the judge, else the reader) reads only the answers the
    rules gave, and its confidence is theirs."""
    if rag.judging is None and (rag.reader is None or rag.scorer is not None):
        return None
    gated = (a.timings.judge_ms if rag.judging is not None else a.timings.read_ms) is not None
    by_rules = a.abstained and not gated
    return (a.confidence if gated and a.confidence is not None else math.inf, by_rules, answerable)


def evaluate_answers(
    rag: Rag,
    questions: list[dict[str, Any]],
    articles: dict[str, Article],
    mode: str,
    details: bool,
    ask: Callable[[str, str], Answer] | None = None,
) -> dict[str, Any]:
    """Answer every question (through `ask`, default `rag.ask`; the CLI can pass POST /ask) and
    score the answers; questions with annotated `quotes` are also scored as speaker questions."""
    ask = ask or (lambda question, how: rag.ask(question, mode=how))  # type: ignore[arg-type]
    spans = [evidence_spans(q, articles) for q in questions]  # a broken question fails before minutes of answering
    nears = [near_span(q, articles) for q in questions]
    for q, found in zip(questions, spans, strict=True):
        if q.get("answerable", True) and not found:
            raise InputError(f"question {q.get('id')}: answerable but without evidence in a known article")
    tally = Tally()
    writers: dict[str, Tally] = {}
    quotes = QuoteScores()
    cites_ok, cites, recalls, latency = 0, 0, [], []
    unsupported, german, records = 0, 0, []
    per_answer: list[int] = []
    read_ms: list[float] = []
    confidences: list[tuple[float, bool, bool]] = []  # (confidence, abstained by the rules, answerable)
    marks: list[tuple[float, bool]] = []  # (confidence, right) of answers given
    by_reason: dict[str, dict[str, int]] = {}  # which check abstained, on which kind of question
    for q, found, near in zip(questions, spans, nears, strict=True):
        ev = " ".join(articles[q["article_id"]].text[s:e] for s, e in found)
        t0 = time.perf_counter()
        a = ask(q["question"], mode)
        latency.append((time.perf_counter() - t0) * 1000)
        best = best_sentence(rag, q["question"])
        if a.timings.read_ms is not None:  # answers the reader read, not the rules' abstentions
            read_ms.append(a.timings.read_ms)
        if not a.abstained:
            per_answer.append(sum(len(c.quotes) for c in a.citations))
        if (row := threshold_row(rag, a, bool(q.get("answerable", True)))) is not None:
            confidences.append(row)
        german += is_german(a.answer)
        bad = [s for s in answer_sentences(a) if not sentence_supported(s, a, articles)]
        unsupported += len(bad)
        rec: dict[str, Any] = {
            "id": q["id"],
            "abstained": a.abstained,
            "answer": a.answer,
            "unsupported": bad,
            "confidence": a.confidence,
            "abstain_reason": a.abstain_reason,
        }
        if a.abstain_reason is not None:
            counts = by_reason.setdefault(a.abstain_reason, {"unanswerable": 0, "answerable": 0})
            counts["answerable" if q.get("answerable", True) else "unanswerable"] += 1
        rec |= tally.add(a, q, found, near, best)
        if "writer" in q:
            writers.setdefault(str(q["writer"]), Tally()).add(a, q, found, near, best)
        hit = bool(rec.get("citation_hit"))  # False for an unanswerable question (no evidence)
        if q.get("answerable", True):
            gold = content_terms(q.get("answer") or "")
            if gold:  # a question set may give evidence only (`eval/questions_heldout.jsonl`)
                recalls.append(term_overlap(gold, content_terms(a.answer)))
            if "quotes" in q:
                rec |= quotes.add(a, q)
        if (mark := marking_row(rag, a, hit)) is not None:
            marks.append(mark)
        for c in a.citations:
            cites += 1
            said = " ".join(articles[c.article_id].text[x.start : x.end] for x in c.quotes)
            ok = c.article_id == q.get("article_id") or (
                bool(ev) and term_overlap(content_terms(ev), content_terms(said)) >= 0.5
            )
            cites_ok += ok
        if details:
            records.append(rec)
    setting, sure = ("judge_threshold", "judge_sure") if rag.judging is not None else ("min_reader", "sure_reader")
    out: dict[str, Any] = {
        "n": len(questions),
        "mode": mode,
        "citation_precision": round(cites_ok / max(cites, 1), 4),
        "answer_recall": round(statistics.fmean(recalls) if recalls else 0.0, 4),
        "abstentions_by_reason": dict(sorted(by_reason.items())),
        "unsupported_sentences": unsupported,
        "german_rate": round(german / max(len(questions), 1), 4),
        "p50_ms": round(percentile(latency, 0.5), 1),
        "p95_ms": round(percentile(latency, 0.95), 1),
        "quoted_sentences_per_answer": round(statistics.fmean(per_answer), 2) if per_answer else 0.0,
        "reader_ms_p50": round(percentile(read_ms, 0.5), 1) if read_ms else None,
        "abstention_by_threshold": abstention_table(confidences, setting) if confidences else None,
        "low_confidence_by_level": marking_table(marks, sure) if marks else None,
    }
    out |= tally.summary()
    if writers:
        out["by_writer"] = {w: t.summary() for w, t in sorted(writers.items())}
    if quotes.questions:
        out |= quotes.summary()
    if details:
        out["details"] = records
    return out
