"""Probe: does a small instruction-tuned LLM tell answerable from unanswerable news questions?
(README, "The reader".)

    .venv/bin/python scripts/probe_llm_judge.py ../shared/data MODEL.gguf [--context article|nearest]

The question goes to the model with the article it is about (the related article for an
unanswerable one) and „Beantwortet der Text die Frage? Antworte nur mit Ja oder Nein.“; the
score is p(Ja) / (p(Ja) + p(Nein)) of the first answer token, from one forward pass (no text is
generated, so nothing the model invents can reach anyone). The prompt is ChatML, as the
Qwen2.5 GGUFs of the part wheels expect. `--context nearest` gives the model instead the
article's 5 sentences nearest the question by the configured embedder's cosine, in article order:
about what an answer quotes, chosen alike for answerable and unanswerable questions. Prints AUROC
(answerable vs unanswerable, 0.5 is chance), the abstention table and the seconds per question.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
from measure_reader_news import abstention, asked_article, question_sets

from index.sentences import split_sentences
from rag.config import Settings
from rag.factory import build_embedder
from rag.reader.train import auroc

MAX_CONTEXT_CHARS = 4000  # ~1,200 tokens: fits the 2,048-token context; cuts 48 of the 968 Wikinews articles
NEAREST = 5  # sentences: an extractive answer quotes 3.8 on average
SYSTEM = "Du prüfst, ob ein Nachrichtentext eine Frage beantwortet."
ASK = "Text:\n{text}\n\nFrage: {question}\n\nBeantwortet der Text die Frage? Antworte nur mit Ja oder Nein."


def nearest(embedder: Any, question: str, article: Any) -> str:
    spans = split_sentences(article.text)
    sentences = [article.text[s:e] for s, e in spans]
    cos = embedder.embed_documents(sentences) @ embedder.embed_query(question)
    keep = sorted(np.argsort(-cos)[:NEAREST])
    return " ".join(sentences[i] for i in keep)


class YesNoJudge:
    """p(Ja) / (p(Ja) + p(Nein)) of a GGUF chat model's first answer token, one forward pass."""

    def __init__(self, model: Path) -> None:
        from llama_cpp import Llama

        self.llm = Llama(model_path=str(model), n_ctx=2048, n_threads=2, verbose=False)
        self.name = model.name
        self.yes, self.no = self._first_tokens(["Ja", " Ja", "ja"]), self._first_tokens(["Nein", " Nein", "nein"])

    def _first_tokens(self, words: list[str]) -> list[int]:
        return sorted({self.llm.tokenize(w.encode(), add_bos=False)[0] for w in words})

    def __call__(self, question: str, title: str, text: str) -> float:
        user = ASK.format(text=f"{title}\n{text}", question=question)
        prompt = f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"
        llm = self.llm
        llm.reset()
        llm.eval(llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True))
        # without logits_all, llama-cpp-python keeps only the last token's logits, in the context
        logits = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),)).astype(np.float64)
        top = logits.max()
        py = sum(math.exp(logits[t] - top) for t in self.yes)
        pn = sum(math.exp(logits[t] - top) for t in self.no)
        return py / (py + pn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path)
    parser.add_argument("model", type=Path)
    parser.add_argument("--context", choices=("article", "nearest"), default="article")
    a = parser.parse_args()
    articles, sets = question_sets(a.data)
    embedder = build_embedder(Settings()) if a.context == "nearest" else None
    judge = YesNoJudge(a.model)
    report: dict[str, Any] = {}
    for name, questions in sets.items():
        scores, labels, t0 = [], [], time.perf_counter()
        for q in questions:
            article = asked_article(q, articles)
            text = article.text[:MAX_CONTEXT_CHARS] if embedder is None else nearest(embedder, q["question"], article)
            scores.append(judge(q["question"], article.title, text))
            labels.append(bool(q["answerable"]))
        s, y = np.array(scores), np.array(labels)
        row: dict[str, Any] = {"answerable": int(y.sum()), "unanswerable": int((~y).sum())}
        row["auroc"] = round(auroc(s, y.astype(int)), 3)
        row |= {k: round(v, 3) for k, v in abstention(s, y, (0.3, 0.5, 0.7, 0.9)).items()}
        row["seconds_per_question"] = round((time.perf_counter() - t0) / len(questions), 2)
        report[f"{a.model.name} {a.context} {name}"] = row
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
