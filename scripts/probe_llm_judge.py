"""Probe: does a small instruction-tuned LLM tell answerable from unanswerable news questions?
(README, "The reader".)

    .venv/bin/python scripts/probe_llm_judge.py ../shared/data MODEL.gguf [--context article|nearest]

The question goes to the product's judge (`rag.judge.LlamaJudge`: „Beantwortet der Text die
Frage? Antworte nur mit Ja oder Nein.“, p(Ja) / (p(Ja) + p(Nein)) from one forward pass) on the
GGUF given, with the article it is about (the related article for an unanswerable one).
`--context nearest` gives the model instead the article's 5 sentences nearest the question by the
configured embedder's cosine, in article order: about what an answer quotes, chosen alike for
answerable and unanswerable questions. Prints AUROC (answerable vs unanswerable, 0.5 is chance),
the abstention table and the seconds per question.

`--prompt` tries other wordings on the same model (README, "The reader"): `exact` asks whether
the text names the very detail the question asks for, not only its topic; `examples` puts four
made-up worked cases before the shipped question (two „Nein“ for a detail the text lacks beside
other numbers, two „Ja“), written here and not taken from any question set.

`--reuse off` evaluates every prompt whole, as the judge did before it kept its prompt's fixed
head evaluated; `--sets` runs only the sets named (`held_out_3`, …). Each row also lists p(Ja)
per question, in file order.
"""

from __future__ import annotations

import argparse
import json
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from measure_reader_news import abstention, asked_article, question_sets

from index.sentences import split_sentences
from rag.config import Settings
from rag.factory import build_embedder
from rag.judge import MAX_TEXT_CHARS, LlamaJudge, judge_prompt
from rag.reader.train import auroc

NEAREST = 5  # sentences: an extractive answer quotes 3.8 on average

EXACT = (
    "Text:\n{text}\n\nFrage: {question}\n\nNennt der Text genau die Angabe, nach der die Frage fragt? "
    "Ein Text zum selben Thema ohne diese Angabe beantwortet sie nicht. Antworte nur mit Ja oder Nein."
)
BRIDGE = (
    "Neue Brücke in Lindenau eröffnet",
    "Der Bürgermeister eröffnete am Montag die neue Brücke über den Fluss. "
    "Sie kostete 12 Millionen Euro und wurde in zwei Jahren gebaut.",
)
REGATTA = (
    "Stürmischer Start der Regatta",
    "Beim Start der Segelregatta am Samstag kenterten zwei Boote. Die Veranstalter zählten 45 Mannschaften.",
)
WORKED = [  # (question, title, text, answer)
    ("Wie lang ist die neue Brücke?", *BRIDGE, "Nein"),
    ("Wie viel kostete die neue Brücke?", *BRIDGE, "Ja"),
    ("Wie viele Zuschauer verfolgten den Start der Regatta?", *REGATTA, "Nein"),
    ("Wie viele Boote kenterten beim Start?", *REGATTA, "Ja"),
]

PROMPTS = {
    "shipped": judge_prompt,
    "exact": partial(judge_prompt, ask=EXACT),
    "examples": partial(judge_prompt, worked=WORKED),
}


def nearest(embedder: Any, question: str, article: Any) -> str:
    spans = split_sentences(article.text)
    sentences = [article.text[s:e] for s, e in spans]
    cos = embedder.embed_documents(sentences) @ embedder.embed_query(question)
    keep = sorted(np.argsort(-cos)[:NEAREST])
    return " ".join(sentences[i] for i in keep)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path)
    parser.add_argument("model", type=Path)
    parser.add_argument("--context", choices=("article", "nearest"), default="article")
    parser.add_argument("--prompt", choices=tuple(PROMPTS), default="shipped")
    parser.add_argument(
        "--reuse", choices=("on", "off"), default="on", help="keep the prompt's fixed head evaluated, as the judge does"
    )
    parser.add_argument("--sets", nargs="+", help="question sets to run (default: all), e.g. held_out_3")
    a = parser.parse_args()
    articles, sets = question_sets(a.data)
    if a.sets:
        if unknown := set(a.sets) - set(sets):
            parser.error(f"--sets: no question set {sorted(unknown)}; there are {sorted(sets)}")
        sets = {k: v for k, v in sets.items() if k in a.sets}
    embedder = build_embedder(Settings()) if a.context == "nearest" else None
    judge = LlamaJudge(a.model, prompt=PROMPTS[a.prompt], reuse_prefix=a.reuse == "on")
    report: dict[str, Any] = {}
    for name, questions in sets.items():
        scores, labels, t0 = [], [], time.perf_counter()
        for q in questions:
            article = asked_article(q, articles)
            text = article.text[:MAX_TEXT_CHARS] if embedder is None else nearest(embedder, q["question"], article)
            scores.append(judge(q["question"], article.title, text))
            labels.append(bool(q["answerable"]))
        s, y = np.array(scores), np.array(labels)
        row: dict[str, Any] = {"answerable": int(y.sum()), "unanswerable": int((~y).sum())}
        row["auroc"] = round(auroc(s, y.astype(int)), 3)
        row |= {k: round(v, 3) for k, v in abstention(s, y, (0.3, 0.5, 0.7, 0.9)).items()}
        row["seconds_per_question"] = round((time.perf_counter() - t0) / len(questions), 2)
        row["p_yes"] = [round(float(v), 4) for v in s]  # per question, in file order, to compare runs
        report[f"{a.model.name} {a.context} {a.prompt} {name}"] = row
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
