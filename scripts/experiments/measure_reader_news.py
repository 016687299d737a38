"""Measure a reader where it has to judge: on news questions, against every sentence of the
article they are about (README, "The reader").

    .venv/bin/python scripts/experiments/measure_reader_news.py ../shared/data [weights.safetensors ...] [--show]

Retrieval is taken out: each question's candidates are all sentences of its article (the related
article for an unanswerable one), each with its title and neighbours as the product gives them.
So the numbers say how well the reader alone judges, not how well it judges what retrieval found:
- `top1` / `top3`: share of answerable questions whose best-scored sentence (one of the three
  best) overlaps the evidence (an answer quotes about 3.8 sentences); `top1_or_neighbour`: the
  evidence is the best sentence or the one before or after it;
- `answerable_auroc`: how well the best score tells answerable from unanswerable questions (the
  abstention signal; 0.5 is chance);
- `, sentence pairs`: the reader scores each sentence together with the one before it (the
  evidence often refers back to a sentence naming the subject); top1 then counts a pair that
  holds the evidence;
- `abstain@t` / `false_abstain@t`: abstaining when the best score is below t, the share of
  unanswerable questions that abstain and of answerable ones that wrongly do.

The sets: the news dev set (`questions_dev.jsonl`, never trained on: `rag.lab.reader_data` leaves its
articles out) and the held-out sets in `eval/` (test-split articles no training source reads).
Weights default to the shipped `rag/reader/reader-top.safetensors`; scoring runs in torch. For
reference, `overlap` scores a sentence by the share of the question's content words it holds,
and `cosine` by the configured embedder's question–sentence cosine (what the product's dense
sentence score is; EmbeddingGemma by default). `--show` also prints, to stderr, each question's
two best-scored sentences by each reader (`*`: the evidence), to read what it mistakes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from index.sentences import split_sentences
from rag.config import Settings
from rag.factory import build_embedder
from rag.lab.eval_data import held_out_sets, load_articles, read_jsonl
from rag.lab.measures import evidence_spans
from rag.lab.reader_data import Example, candidate_at
from rag.lab.reader_news import asked_article_id
from rag.lab.reader_train import auroc, predict
from rag.modelprep.reader_model import load_reader
from rag.reader.pairs import Candidate
from rag.text import content_terms, term_overlap

THRESHOLDS = (0.1, 0.3, 0.5, 0.7, 0.9)


def question_sets(data: Path) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The Wikinews articles by id, and the question sets: the news dev set and `eval/`'s held-out
    ones (`held_out`, `held_out_2`, … after their file names)."""
    news = data / "news_wikinews_de"
    if not (news / "questions_dev.jsonl").is_file():
        sys.exit(f"{data}: no news_wikinews_de/questions_dev.jsonl there; give the folder laid out like ../shared/data")
    articles = {a.id: a for a in load_articles([news / "articles.jsonl"])}
    sets = {"dev": read_jsonl(news / "questions_dev.jsonl")}
    for path in held_out_sets():
        number = path.stem.removeprefix("questions_heldout")
        sets["held_out" + (f"_{number}" if number else "")] = read_jsonl(path)
    return articles, sets


def asked_article(q: dict[str, Any], articles: dict[str, Any]) -> Any:
    """The article a question is about: its own, or for an unanswerable one the related article."""
    return articles[asked_article_id(q)]


def abstention(top: np.ndarray, answerable: np.ndarray, thresholds: tuple[float, ...] = THRESHOLDS) -> dict[str, float]:
    """At each threshold t (abstain when a question's best score is below it): the share of
    unanswerable questions that abstain and of answerable ones that wrongly do."""
    row = {}
    for t in thresholds:
        row[f"abstain@{t}"] = float(np.mean(top[~answerable] < t))
        row[f"false_abstain@{t}"] = float(np.mean(top[answerable] < t))
    return row


def examples_for(questions: list[dict[str, Any]], articles: dict[str, Any], pairs: bool = False) -> list[Example]:
    """One example per sentence; with `pairs`, the candidate is the sentence together with the one
    before it (a positive when either overlaps the evidence)."""
    out = []
    for q in questions:
        article = asked_article(q, articles)
        evidence = evidence_spans(q, articles)
        spans = split_sentences(article.text)
        for i in range(len(spans)):
            first = max(0, i - 1) if pairs else i
            label = int(any(spans[first][0] < e and s < spans[i][1] for s, e in evidence))
            c = candidate_at(article.text, spans, i, article.title)
            if first < i:
                before = article.text[spans[first - 1][0] : spans[first - 1][1]] if first > 0 else ""
                c = Candidate(article.text[spans[first][0] : spans[i][1]], c.title, before, c.after)
            out.append(Example(q["question"], c, label, "news", q["id"]))
    return out


def ranked(examples: list[Example], scores: np.ndarray) -> dict[str, list[tuple[int, int]]]:
    """Per question id: (sentence number, example index) of its sentences, best score first;
    ties: the earlier sentence first."""
    rows: dict[str, list[tuple[float, int, int]]] = {}
    for i, (e, s) in enumerate(zip(examples, scores, strict=True)):
        group = rows.setdefault(e.group, [])
        group.append((-float(s), len(group), i))
    return {g: [(n, i) for _, n, i in sorted(r)] for g, r in rows.items()}


def judge(examples: list[Example], scores: np.ndarray) -> dict[str, float]:
    order = ranked(examples, scores)
    groups = sorted(order)

    def labels(g: str) -> list[int]:
        return [examples[i].label for _, i in order[g]]

    top = np.array([float(scores[order[g][0][1]]) for g in groups])
    ans = np.array([any(labels(g)) for g in groups])
    answered = [g for g, a in zip(groups, ans, strict=True) if a]

    def beside_best(g: str) -> bool:
        best = order[g][0][0]
        return any(examples[i].label and abs(n - best) <= 1 for n, i in order[g])

    row = {
        "answerable": float(ans.sum()),
        "unanswerable": float((~ans).sum()),
        "top1": float(np.mean([labels(g)[0] for g in answered])),
        "top1_or_neighbour": float(np.mean([beside_best(g) for g in answered])),
        "top3": float(np.mean([any(labels(g)[:3]) for g in answered])),
        "answerable_auroc": auroc(top, ans.astype(int)),
    }
    row |= abstention(top, ans)
    return {k: round(v, 3) for k, v in row.items()}


def show(title: str, examples: list[Example], scores: np.ndarray, best: int = 2) -> None:
    print(f"## {title}", file=sys.stderr)
    for rows in ranked(examples, scores).values():
        first = examples[rows[0][1]]
        kind = "answerable" if any(examples[i].label for _, i in rows) else "unanswerable"
        print(f"{first.question} ({kind})", file=sys.stderr)
        for _, i in rows[:best]:
            e = examples[i]
            print(f"  {scores[i]:.2f} {'*' if e.label else ' '} {e.candidate.sentence[:160]}", file=sys.stderr)


def overlap(examples: list[Example]) -> np.ndarray:
    return np.array(
        [term_overlap(content_terms(e.question), content_terms(e.candidate.sentence)) for e in examples], np.float32
    )


def cosine(examples: list[Example], embedder: Any) -> np.ndarray:
    sentences = sorted({e.candidate.sentence for e in examples})
    vecs = dict(zip(sentences, embedder.embed_documents(sentences), strict=True))
    asked = {q: embedder.embed_query(q) for q in {e.question for e in examples}}
    return np.array([float(vecs[e.candidate.sentence] @ asked[e.question]) for e in examples], np.float32)


def main(data: Path, weights: list[Path], shown: bool = False) -> None:
    from rag.reader.pairs import PairTokenizer

    settings = Settings()
    articles, sets = question_sets(data)
    tokenizer = PairTokenizer(settings.reader_base_dir)
    report: dict[str, Any] = {}
    embedder = build_embedder(settings)
    single = {name: examples_for(questions, articles) for name, questions in sets.items()}
    pairs = {name: examples_for(questions, articles, pairs=True) for name, questions in sets.items()}
    for name, examples in single.items():
        report[f"overlap {name}"] = judge(examples, overlap(examples))
        report[f"cosine {embedder.name} {name}"] = judge(examples, cosine(examples, embedder))
    for w in weights:
        model = load_reader(settings.reader_base_dir, w, None)
        for name in sets:
            scores = predict(model, tokenizer, single[name])
            report[f"{w.name} {name}"] = judge(single[name], scores)
            if shown:
                show(f"{w.name} {name}", single[name], scores)
            report[f"{w.name} {name}, sentence pairs"] = judge(pairs[name], predict(model, tokenizer, pairs[name]))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--show"]
    if not args:
        sys.exit(__doc__)
    weights = [Path(p) for p in args[1:]] or [Path("rag/reader/reader-top.safetensors")]
    main(Path(args[0]), weights, shown="--show" in sys.argv)
