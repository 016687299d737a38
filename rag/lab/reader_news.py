"""The reader's examples from hand-written news questions (`news_questions.jsonl` in
`rag/reader/`, docs/experiments/the-reader.md): paraphrased questions on train-split Wikinews
articles, a quarter of them asking for a detail their article lacks. Only they have the shape of
the product's hardest case, „right article, detail absent“. The other sources are in
`rag.lab.reader_data`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from index.errors import InputError
from index.sentences import Span, split_sentences
from rag.lab.eval_data import read_jsonl
from rag.lab.measures import asked_article
from rag.lab.reader_data import Example, Split, candidate_at, held_out, training_articles


def asked_article_id(q: dict[str, Any]) -> str:
    """The id of the article a news question (the format of `eval/`'s sets) is about: its own,
    or for an unanswerable one the related article; an InputError names a question with neither."""
    article_id = asked_article(q)
    if not article_id:
        raise InputError(f"question {q.get('id')!r}: has neither article_id nor related_article_id")
    return article_id


def asked_articles(
    articles_file: Path, questions_file: Path, exclude: set[str]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Hand-written news questions (the format of `eval/`'s sets), each with the train-split
    article outside `exclude` it is about; an InputError names a question about any other."""
    articles = {a["id"]: a for a in training_articles(articles_file, exclude)}
    out = []
    for q in read_jsonl(questions_file):
        article_id = asked_article_id(q)
        art = articles.get(article_id)
        if art is None:
            raise InputError(
                f"{questions_file}: question {q.get('id')!r} is about {article_id!r}, which is no train-split "
                "article outside the news dev set; training questions may only use those (evaluation reads the rest)"
            )
        out.append((q, art))
    return out


def evidence_sentences(spans: list[Span], start: int, end: int) -> tuple[list[int], set[int]]:
    """The label rule for a hand-written news question's evidence [start, end): the sentences it
    overlaps answer the question, and the one before and the one after them are no label either
    way (they often share the answer, and ride along in a candidate as context)."""
    inside = [i for i, (a, b) in enumerate(spans) if a < end and start < b]
    near = {i for i in (inside[0] - 1, inside[-1] + 1) if 0 <= i < len(spans)} if inside else set()
    return inside, near


def news_question_examples(articles_file: Path, questions_file: Path, exclude: set[str]) -> Split:
    """Hand-written news questions (`asked_articles`) against their article's sentences. An
    answerable question has its evidence sentences as positives and the article's other sentences
    as negatives, but for their neighbours (`evidence_sentences`); one asking for a detail its
    article lacks has every sentence of the article as a negative."""
    out = Split([], [])
    for q, art in asked_articles(articles_file, questions_file, exclude):
        text, title = art["text"], art.get("title") or ""
        sp = split_sentences(text)
        inside: list[int] = []
        idx = list(range(len(sp)))
        if q["answerable"]:
            inside, near = evidence_sentences(sp, int(q["evidence_start"]), int(q["evidence_end"]))
            if not inside:
                raise InputError(f"{questions_file}: question {q['id']!r}: the evidence lies outside {art['id']}")
            idx = [*inside, *(j for j in idx if j not in inside and j not in near)]
        rows = [
            Example(q["question"], candidate_at(text, sp, j, title), int(j in inside), "news", q["id"]) for j in idx
        ]
        (out.held_out if held_out(art["id"]) else out.train).extend(rows)
    return out
