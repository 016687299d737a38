"""Reader training pairs from what retrieval returns, so the reader learns on the candidates it
judges in use.

`data.news_question_examples` pairs a question with the sentences of its own article. In the
product the reader instead sees the sentences of the top passages of several articles, and its
best score over them decides abstention. Trained on the asked article alone, the reader learnt
to tell answerable from detail-absent questions there (held-out answerable AUROC 0.456 → 0.661),
but in the product an unanswerable question still found a sentence it liked in another article,
and abstention did not improve (docs/experiments/the-reader.md, "Hand-written news questions"). Here each question goes
through the product's own retrieval and candidate choice (`Rag.evidence`), and its candidates are
labelled:
- a news question: a sentence overlapping its evidence is a positive; a sentence right before or
  after the evidence is left out (it often shares the answer); every other sentence, of any
  article, is a negative; a question asking for a detail its article lacks has only negatives;
- a topic question „Was wurde über X gesagt?“ (`data.topic_question`): a sentence naming X is a
  positive, whichever article it is in; the others are negatives. It keeps the product's
  central question form from being diluted by the news questions: trained without it, the reader
  ranked Hegseth's quote above the seed article's Taiwan sentences.

Only train-split articles outside the dev set lend candidates (`allowed`), and a training question
takes none from a kept-back article, so the kept-back part shares no text with the training part.

Measured (docs/experiments/the-reader.md, "Trained on what retrieval returns"): trained on from the shipped weights with
971 news and 300 topic questions this way, the reader ranks answerable above unanswerable news
questions better on its own (held-out AUROC +0.105, dev +0.066), but in the product no threshold on
its best score keeps dev false_abstain ≤ 0.10 and helps the held-out sets, so it is not shipped.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from index.sentences import split_sentences
from rag.evidence import Sentence, reader_candidates
from rag.lab.reader_data import Example, Split, held_out, topic_question, training_articles
from rag.lab.reader_news import asked_articles, evidence_sentences
from rag.question import Question
from rag.reader.pairs import Candidate
from rag.retrieval import Passage

Label = Callable[[Sentence], int | None]  # 1 answers, 0 does not, None: leave the sentence out


class Evidence(Protocol):
    """What `rag.pipeline.Rag` offers: retrieval and the candidate sentences of an answer."""

    def candidates(self, question: Question) -> tuple[list[Passage], list[Sentence]]: ...


@dataclass(frozen=True)
class Asked:
    """One question to pair with its retrieved candidates."""

    id: str
    question: str
    article_id: str  # the article it is about; its split decides training or kept back
    label: Label
    source: str


def news_label(q: dict[str, Any], article_id: str, text: str) -> Label:
    """Labels for a hand-written news question (the format of `eval/`'s sets)."""
    if not q["answerable"]:
        return lambda s: 0
    start, end = int(q["evidence_start"]), int(q["evidence_end"])
    spans = split_sentences(text)  # the index splits an article's text with the same function
    inside, near = evidence_sentences(spans, start, end)
    answer, beside = {spans[i][0] for i in inside}, {spans[i][0] for i in near}

    def label(s: Sentence) -> int | None:
        if s.article != article_id:
            return 0
        if s.start in answer:
            return 1
        return None if s.start in beside else 0

    return label


def topic_label(topic: str) -> Label:
    return lambda s: int(topic in s.text)


def topic_asked(articles: list[dict[str, Any]], rng: random.Random, count: int) -> list[Asked]:
    """Up to `count` topic questions, one per article, on articles in a seeded random order."""
    order = sorted(articles, key=lambda a: a["id"])
    rng.shuffle(order)
    out: list[Asked] = []
    for art in order:
        if len(out) >= count:
            break
        made = topic_question(art["text"], rng)
        if made is not None:
            question, topic = made
            out.append(Asked(f"topic-{art['id']}", question, art["id"], topic_label(topic), "topic_retrieved"))
    return out


def retrieved_split(
    rag: Evidence, articles_file: Path, questions_file: Path, exclude: set[str], negatives: int, topics: int, seed: int
) -> Split:
    """The hand-written news questions of `questions_file` (`data.asked_articles`) and `topics`
    topic questions on the other train-split articles outside `exclude`, each with its retrieved
    candidates (`retrieved_examples`)."""
    rng = random.Random(seed)
    pairs = asked_articles(articles_file, questions_file, exclude)
    asked = [
        Asked(q["id"], q["question"], a["id"], news_label(q, a["id"], a["text"]), "news_retrieved") for q, a in pairs
    ]
    training = training_articles(articles_file, exclude)
    used = {a["id"] for _, a in pairs}
    asked += topic_asked([a for a in training if a["id"] not in used], rng, topics)
    return retrieved_examples(rag, asked, {a["id"] for a in training}, negatives, rng)


def retrieved_examples(
    rag: Evidence, asked: list[Asked], allowed: set[str], negatives: int, rng: random.Random
) -> Split:
    """Each question's retrieved candidates as examples: every positive, and up to `negatives`
    negatives, half the best-scored by the product's features (the ones it would quote), half at
    random (the reader's best score ranges over all of them)."""
    out = Split([], [])
    for a in asked:
        kept_back = held_out(a.article_id)
        parsed = Question.parse(a.question)
        passages, sentences = rag.candidates(parsed)
        cands = reader_candidates(sentences, passages)
        pos: list[tuple[float, Candidate]] = []
        neg: list[tuple[float, Candidate]] = []
        for s, c in zip(sentences, cands, strict=True):
            if s.article not in allowed or (held_out(s.article) and not kept_back):
                continue
            y = a.label(s)
            if y is not None:
                (pos if y else neg).append((s.score, c))
        neg.sort(key=lambda t: -t[0])
        hard, rest = neg[: negatives // 2], neg[negatives // 2 :]
        chosen = hard + rng.sample(rest, min(len(rest), negatives - len(hard)))
        rows = [Example(parsed.query, c, 1, a.source, a.id) for _, c in pos]
        rows += [Example(parsed.query, c, 0, a.source, a.id) for _, c in chosen]
        (out.held_out if kept_back else out.train).extend(rows)
    return out
