"""Training and kept-back examples for the reader, from the shared German data.

Four sources, and on request a fifth, each split deterministically by a hash of its article or
paragraph id (QAM: its own dev file), so the kept-back part shares no text with the training part:
- QA (XQuAD-de, MLQA-de): the sentence that holds the answer is a positive; the paragraph's
  other sentences are negatives (hard ones: same topic, often the same answer kind), and so are
  sentences of other paragraphs of the same article (on topic, but they do not answer: the
  shape of an unanswerable news question);
- speaker questions (Wikinews quotations, train split): "Was sagte X?" against X's quoted
  sentences as positives, the article's other sentences as negatives;
- topic questions (Wikinews articles): "Was wurde über X gesagt?" for a word X that a few
  sentences of an article mention; those sentences are positives, the others negatives. This
  is the question form the product exists for, and no labelled set has it;
- XGLUE QAM: web queries against passages, labelled answers / does not answer;
- on request, hand-written news questions (`rag.lab.reader_news`).

The news dev set (`questions_dev.jsonl`) is never trained on: its questions are not read, and
the articles it asks about are left out of every source (`exclude`), so measuring on it
measures text the reader has not seen.
"""

from __future__ import annotations

import csv
import hashlib
import random
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.analyzer import STOP_WORDS
from index.sentences import Span, split_sentences
from rag.lab.eval_data import read_jsonl
from rag.reader.pairs import Candidate

HELD_OUT_PERCENT = 20  # a fifth of each source's articles is kept back for measuring
_WORD = re.compile(r"\b[A-ZÄÖÜ][\wäöüß-]{3,}")  # a capitalised word of four letters or more


@dataclass(frozen=True)
class Example:
    question: str
    candidate: Candidate
    label: int  # 1: the sentence answers the question
    source: str  # "qa", "quotes", "topic", "qam"
    group: str  # question id: one question's candidates share it


@dataclass
class Split:
    train: list[Example]
    held_out: list[Example]


def held_out(key: str) -> bool:
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) % 100 < HELD_OUT_PERCENT


def candidate_at(text: str, spans: list[Span], i: int, title: str) -> Candidate:
    def at(j: int) -> str:
        return text[spans[j][0] : spans[j][1]] if 0 <= j < len(spans) else ""

    return Candidate(at(i), title, at(i - 1), at(i + 1))


def _sentence_at(spans: list[Span], offset: int) -> int | None:
    return next((i for i, (s, e) in enumerate(spans) if s <= offset < e), None)


def _words(text: str, opener: bool = False) -> set[str]:
    """Capitalised words that are no stop words; the first only with `opener` (otherwise a
    sentence opener, capitalised whatever it is)."""
    return {
        m.group(0) for m in _WORD.finditer(text) if (opener or m.start() > 0) and m.group(0).lower() not in STOP_WORDS
    }


def swapped_question(question: str, answer: str, paragraph: list[str], rng: random.Random) -> str | None:
    """The question with one of its words that the answer sentence shares (the anchor:
    „Polizisten“ in „Wie viele Polizisten wurden verletzt?“) replaced by a capitalised word of
    another sentence of the same paragraph that neither the question nor the answer sentence
    holds („Demonstranten“). The answer sentence does not answer the new question, though it is on
    topic and holds the kind of detail asked for: the shape of an unanswerable news question
    (right article, detail absent), which no source has. None when the question shares no such
    word with its answer, or the paragraph offers no replacement."""
    asked, answering = _words(question), _words(answer, opener=True)
    anchors = sorted(asked & answering)
    others = sorted(set().union(*(_words(t) for t in paragraph if t != answer)) - asked - answering)
    if not anchors or not others:
        return None
    return re.sub(rf"\b{re.escape(rng.choice(anchors))}\b", rng.choice(others), question)


def qa_examples(folder: Path, rng: random.Random, negatives: int = 6, cross: int = 2, swaps: int = 0) -> Split:
    """Examples from an extractive QA folder (`contexts.jsonl`, `questions.jsonl`); with `swaps`,
    also the answer sentence against up to that many different questions with an anchor word
    swapped (`swapped_question`) as negatives, each in a group of its own (an unanswerable
    question)."""
    contexts = {c["id"]: c for c in read_jsonl(folder / "contexts.jsonl")}
    spans = {cid: split_sentences(c["text"]) for cid, c in contexts.items()}
    by_article: dict[str, list[str]] = defaultdict(list)
    for cid in contexts:
        by_article[_article_of(cid)].append(cid)
    out = Split([], [])
    for q in read_jsonl(folder / "questions.jsonl"):
        cid = q["context_id"]
        ctx, sp = contexts[cid], spans[cid]
        pos = _sentence_at(sp, q["answer_starts"][0])
        if pos is None:
            continue
        title = ctx.get("title") or ""
        rows = [Example(q["question"], candidate_at(ctx["text"], sp, pos, title), 1, "qa", q["id"])]
        others = [i for i in range(len(sp)) if i != pos]
        for i in rng.sample(others, min(negatives, len(others))):
            rows.append(Example(q["question"], candidate_at(ctx["text"], sp, i, title), 0, "qa", q["id"]))
        siblings = [c for c in by_article[_article_of(cid)] if c != cid]
        for other in rng.sample(siblings, min(cross, len(siblings))):
            o_sp = spans[other]
            if o_sp:
                c = candidate_at(contexts[other]["text"], o_sp, rng.randrange(len(o_sp)), title)
                rows.append(Example(q["question"], c, 0, "qa", q["id"]))
        if swaps:
            paragraph = [ctx["text"][a:b] for a, b in sp]
            made = {w for _ in range(swaps) if (w := swapped_question(q["question"], paragraph[pos], paragraph, rng))}
            for n, swapped in enumerate(sorted(made)):
                rows.append(Example(swapped, rows[0].candidate, 0, "swap", f"{q['id']}-swap{n}"))
        (out.held_out if held_out(_article_of(cid)) else out.train).extend(rows)
    return out


def _article_of(context_id: str) -> str:
    """ "xquad-de/Super_Bowl_50/0" → "xquad-de/Super_Bowl_50"; MLQA ids are their own article."""
    head, _, tail = context_id.rpartition("/")
    return head if tail.isdigit() and head.count("/") >= 1 else context_id


def quote_examples(
    articles_file: Path, questions_file: Path, rng: random.Random, exclude: set[str], negatives: int = 6
) -> Split:
    """'Was sagte X?' against X's annotated quotes (a sentence is a positive when a quote covers
    at least half of it)."""
    articles = {a["id"]: a for a in read_jsonl(articles_file)}
    out = Split([], [])
    for q in read_jsonl(questions_file):
        art = articles.get(q["article_id"])
        if art is None or q["article_id"] in exclude:
            continue
        text, title = art["text"], art.get("title") or ""
        sp = split_sentences(text)
        covered = [_covered(s, e, q["quotes"]) >= 0.5 for s, e in sp]
        pos = [i for i, c in enumerate(covered) if c]
        neg = [i for i, c in enumerate(covered) if not c]
        if not pos:
            continue
        rows = [Example(q["question"], candidate_at(text, sp, i, title), 1, "quotes", q["id"]) for i in pos]
        for i in rng.sample(neg, min(negatives, len(neg))):
            rows.append(Example(q["question"], candidate_at(text, sp, i, title), 0, "quotes", q["id"]))
        (out.held_out if held_out(q["article_id"]) else out.train).extend(rows)
    return out


def _covered(start: int, end: int, quotes: Iterable[dict[str, Any]]) -> float:
    chars = sum(max(0, min(end, int(x["end"])) - max(start, int(x["start"]))) for x in quotes)
    return min(1.0, chars / max(end - start, 1))


TOPIC_QUESTIONS = (
    "Was wurde über {} gesagt?",
    "Was steht in den Artikeln über {}?",
    "Was wird über {} berichtet?",
    "Was gibt es Neues zu {}?",
)


def topic_question(text: str, rng: random.Random) -> tuple[str, str] | None:
    """'Was wurde über X gesagt?' (or another form), and X: a capitalised word (not a sentence
    opener, not a stop word) that one to three sentences of `text` mention, and at most a third of
    them; None when no word fits."""
    sentences = [text[s:e] for s, e in split_sentences(text)]
    words = set().union(*(_words(t) for t in sentences))
    fitting = sorted(w for w in words if 1 <= sum(w in t for t in sentences) <= min(3, len(sentences) // 3))
    if not fitting:
        return None
    topic = rng.choice(fitting)
    return rng.choice(TOPIC_QUESTIONS).format(topic), topic


def topic_examples(articles_file: Path, rng: random.Random, exclude: set[str], negatives: int = 5) -> Split:
    """Topic questions (`topic_question`) on train-split articles, against the article's sentences."""
    out = Split([], [])
    for art in training_articles(articles_file, exclude):
        text, title = art["text"], art.get("title") or ""
        made = topic_question(text, rng)
        if made is None:
            continue
        question, topic = made
        sp = split_sentences(text)
        sentences = [text[s:e] for s, e in sp]
        pos = [i for i, t in enumerate(sentences) if topic in t]
        neg = [i for i, t in enumerate(sentences) if topic not in t]
        group = f"topic-{art['id']}"
        rows = [Example(question, candidate_at(text, sp, i, title), 1, "topic", group) for i in pos]
        for i in rng.sample(neg, min(negatives, len(neg))):
            rows.append(Example(question, candidate_at(text, sp, i, title), 0, "topic", group))
        (out.held_out if held_out(art["id"]) else out.train).extend(rows)
    return out


def training_articles(articles_file: Path, exclude: set[str]) -> list[dict[str, Any]]:
    """The Wikinews articles of the source's train split, in file order, without `exclude`."""
    return [a for a in read_jsonl(articles_file) if a.get("source_split") == "train" and a["id"] not in exclude]


def whole_questions(examples: list[Example], pairs: int, seed: int) -> list[Example]:
    """About `pairs` of `examples`, taken by whole questions (a question's candidates stay
    together) in a seeded random order of the questions."""
    groups: dict[str, list[Example]] = defaultdict(list)
    for e in examples:
        groups[e.group].append(e)
    order = sorted(groups)
    random.Random(seed).shuffle(order)
    out: list[Example] = []
    for g in order:
        if len(out) >= pairs:
            break
        out.extend(groups[g])
    return out


def dev_articles(questions_file: Path) -> set[str]:
    """The articles a validation set asks about (answerable or not): to leave out of training."""
    if not questions_file.is_file():
        return set()
    return {i for q in read_jsonl(questions_file) for i in (q.get("article_id"), q.get("related_article_id")) if i}


def qam_examples(folder: Path, rng: random.Random, train_rows: int) -> Split:
    """XGLUE QAM: `train_rows` sampled from train.tsv; dev.tsv is the kept-back part."""

    def read(name: str) -> list[Example]:
        with (folder / name).open(encoding="utf-8", newline="") as f:
            rows = [r for r in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if len(r) == 3]
        return [Example(q, Candidate(p), int(label), "qam", f"qam-{name}-{n}") for n, (q, p, label) in enumerate(rows)]

    train = read("train.tsv")
    return Split(rng.sample(train, min(train_rows, len(train))), read("dev.tsv"))


def build_examples(data_dir: Path, seed: int, qam_rows: int = 1000, swaps: int = 0) -> Split:
    """All sources under `data_dir` (the layout of ../shared/data)."""
    rng = random.Random(seed)
    news = data_dir / "news_wikinews_de"
    exclude = dev_articles(news / "questions_dev.jsonl")
    parts = [
        qa_examples(data_dir / "xquad_de", rng, swaps=swaps),
        qa_examples(data_dir / "mlqa_de", rng, swaps=swaps),
        quote_examples(news / "articles.jsonl", news / "questions_quotes_train.jsonl", rng, exclude),
        topic_examples(news / "articles.jsonl", rng, exclude),
    ]
    if qam_rows:
        parts.append(qam_examples(data_dir / "de_tasks" / "qam", rng, qam_rows))
    return Split([e for p in parts for e in p.train], [e for p in parts for e in p.held_out])
