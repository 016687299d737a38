"""Measure the quotation finder against the Wikinews quotation annotations.

A fifth of the annotated articles (by a hash of the id, so the split never changes) is held
back: the first round of rules was written while looking at the other four fifths only; the
second round after reading 16 missed speaker questions, 3 of them on held-back articles
(docs/experiments/who-said-what.md). Per part:
- precision: share of found quotations whose quote overlaps an annotated quote by at least half
  of the found span;
- recall: share of annotated quotations (of the types that carry content: direct, indirect,
  free indirect) that a found quotation overlaps;
- speaker accuracy: among matched pairs whose annotation names a speaker, share whose speaker
  is the annotated one (`speaker_right`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from index.analyzer import STOP_WORDS
from index.article import Article
from index.names import Mention
from index.quotations import Quotation
from index.quote_cues import PRONOUN
from index.quote_speaker import by_role, introductions, pronoun_referent
from index.sentences import Span, split_sentences
from index.speech import annotate
from rag.answer import Answer

CONTENT_TYPES = frozenset(["Direct", "Indirect", "FreeIndirect", "IndirectFreeIndirect"])
_STOP = frozenset(w.casefold() for w in STOP_WORDS)
Role = tuple[int, str, str]  # where, role, person: `index.quote_speaker.introductions`


def held_back(article_id: str) -> bool:
    return int(hashlib.sha256(article_id.encode()).hexdigest(), 16) % 5 == 0


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _gold(annotation: dict[str, Any]) -> list[Span]:
    return [(q["start"], q["end"]) for q in annotation["quote"]]


def speaker_right(
    name: str | None, span: Span | None, gold: dict[str, Any], text: str, roles: list[Role], mentions: Sequence[Mention]
) -> bool:
    """Whether a found speaker (`name`, standing at `span`) is the annotated one: its mention
    overlaps the annotated one; or its name shares a word that is no stop word with it („der“
    once matched „der Papst“ with „Der Bruder des Papstes“); or the annotation marks a role that
    the article introduced with the found person („Der Bundespräsident“ for „Horst Köhler“,
    `index.quote_speaker.by_role`), or a pronoun that stands for them („er“ for a speaker
    carried over from the sentence before, `pronoun_referent`)."""
    spans = [(sp["start"], sp["end"]) for sp in gold["speaker"]]
    if span and any(_overlap(span, g) for g in spans):
        return True
    if not name:
        return False
    gold_words = {w.strip(".,").casefold() for g in spans for w in text[g[0] : g[1]].split()} - _STOP
    if any(w.casefold() in gold_words for w in name.split() if len(w) > 2):
        return True
    if any(by_role(text[g[0] : g[1]], g[0], roles) == name for g in spans):
        return True
    return any(
        PRONOUN.fullmatch(text[g[0] : g[1]]) and pronoun_referent(g[0], text[g[0] : g[1]], mentions) == name
        for g in spans
    )


def matched(found: list[Quotation], gold: dict[str, Any]) -> int | None:
    """The first found quotation that overlaps the annotated one, by its index."""
    spans = _gold(gold)
    return next((k for k, f in enumerate(found) if any(_overlap(fs, gs) for fs in f.spans() for gs in spans)), None)


def score_article(
    text: str, found: list[Quotation], gold: list[dict[str, Any]], roles: list[Role], mentions: Sequence[Mention]
) -> dict[str, int]:
    content = [g for g in gold if g["type"] in CONTENT_TYPES]
    all_gold = [s for g in gold for s in _gold(g)]
    correct = sum(
        1 for f in found if any(sum(_overlap(fs, g) for g in all_gold) * 2 >= fs[1] - fs[0] for fs in f.spans()[:1])
    )
    recalled = speaker_ok = with_speaker = 0
    for g in content:
        k = matched(found, g)
        if k is not None:
            recalled += 1
            if g["speaker"]:  # some annotations name no speaker; they cannot be judged
                with_speaker += 1
                q = found[k]
                speaker_ok += speaker_right(q.speaker, q.speaker_span, g, text, roles, mentions)
    return {
        "found": len(found),
        "correct": correct,
        "gold": len(content),
        "recalled": recalled,
        "with_speaker": with_speaker,
        "speaker_ok": speaker_ok,
    }


def evaluate_quotations(articles: dict[str, Article], annotations: Iterable[dict[str, Any]]) -> dict[str, Any]:
    totals: dict[str, dict[str, int]] = {}
    for row in annotations:
        article = articles.get(row["article_id"])
        if article is None:
            continue
        speech = annotate(article.text, split_sentences(article.text))
        part = "held_back" if held_back(article.id) else "fitted"
        roles = introductions(article.text, speech.mentions)
        counts = score_article(article.text, speech.quotations, row["annotations"], roles, speech.mentions)
        t = totals.setdefault(part, dict.fromkeys(counts, 0) | {"articles": 0})
        t["articles"] += 1
        for k, v in counts.items():
            t[k] += v
    return {part: _rates(t) for part, t in sorted(totals.items())}


def _rates(t: dict[str, int]) -> dict[str, Any]:
    return {
        **t,
        "precision": round(t["correct"] / max(t["found"], 1), 3),
        "recall": round(t["recalled"] / max(t["gold"], 1), 3),
        "speaker_accuracy": round(t["speaker_ok"] / max(t["with_speaker"], 1), 3),
    }


class QuoteScores:
    """Speaker questions („Was sagte X?“) against X's annotated quotes: quote_hit (a cited span
    overlaps one of them), quote_recall (share of them that are cited) and quote_precision
    (share of cited spans that overlap one of them)."""

    def __init__(self) -> None:
        self.questions = self.hits = self.gold = self.recalled = self.cited = self.correct = 0

    def add(self, answer: Answer, question: dict[str, Any]) -> dict[str, Any]:
        """Count one answer; returns its own numbers for the per-question record."""
        gold = [(g["start"], g["end"]) for g in question["quotes"]]
        cited = [(x.start, x.end) for c in answer.citations if c.article_id == question["article_id"] for x in c.quotes]
        every = sum(len(c.quotes) for c in answer.citations)
        correct = sum(any(_overlap(c, g) for g in gold) for c in cited)
        recalled = sum(any(_overlap(c, g) for c in cited) for g in gold)
        self.questions += 1
        self.hits += correct > 0
        self.gold += len(gold)
        self.recalled += recalled
        self.cited += every
        self.correct += correct
        return {"quote_hit": correct > 0, "quotes_cited": every, "quotes_correct": correct, "quotes_recalled": recalled}

    def summary(self) -> dict[str, float]:
        return {
            "quote_hit": round(self.hits / self.questions, 4),
            "quote_recall": round(self.recalled / max(self.gold, 1), 4),
            "quote_precision": round(self.correct / max(self.cited, 1), 4),
        }
