"""Probe: does a local language model judge sentences better than the reader, when it scores how
likely the question is after reading the sentence (query likelihood, as in UPR: Sachan et al.
2022, „Improving Passage Retrieval with Zero-Shot Question Generation“)? README, „The reader“.

    .venv/bin/python scripts/probe_query_likelihood.py ../shared/data [model.gguf] [--sets=dev,held_out]

The same questions and candidates as `measure_reader_news.py`: every sentence of the article a
question is about, with the sentence before it and the title. A sentence's score is the mean log
probability of the question's tokens after „Titel: … Text: <before> <sentence> Frage zu diesem
Text:“; `pmi` subtracts the question's mean log probability after the title alone, so a question
that is likely anyway does not make every sentence look good. Reported as in that script:
top1 / top1_or_neighbour / top3 and the best score's AUROC for answerable against unanswerable
questions. The model defaults to the bundled generator (Gemma 3 270M base); no training, nothing
fitted, so dev measures it as blind as the held-out sets do.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from measure_reader_news import examples_for, judge, question_sets  # scripts/ is on sys.path when run

from rag.config import Settings

# a sentence with the one before it, the title and the question: over the six sets' 3,155 prompts
# p50 99 tokens, p99 182, the longest 252, so nothing is cut
N_CTX = 512


class QuestionLikelihood:
    """Mean log P(question | prefix) under a GGUF model, read from the logits of one forward pass."""

    def __init__(self, path: Path, threads: int = 2) -> None:
        from llama_cpp import Llama

        self._llm: Any = Llama(model_path=str(path), n_ctx=N_CTX, n_threads=threads, logits_all=True, verbose=False)

    def __call__(self, prefix: str, question: str) -> float:
        head = self._llm.tokenize(prefix.encode("utf-8"), add_bos=True)
        asked = self._llm.tokenize((" " + question).encode("utf-8"), add_bos=False)
        tokens = (head + asked)[-N_CTX:]
        self._llm.reset()
        self._llm.eval(tokens)
        # the logits at position i predict token i + 1
        logits = self._llm.scores[len(tokens) - len(asked) - 1 : len(tokens) - 1]
        top = logits.max(axis=1)
        norm = top + np.log(np.exp(logits - top[:, None]).sum(axis=1, dtype=np.float64))
        return float(np.mean(logits[np.arange(len(asked)), asked] - norm))


def main(data: Path, model: Path, names: list[str]) -> None:
    articles, sets = question_sets(data)
    names = names or list(sets)
    if unknown := [n for n in names if n not in sets]:
        sys.exit(f"--sets: no question set {', '.join(unknown)}; there are {', '.join(sets)}")
    score = QuestionLikelihood(model)
    report: dict[str, Any] = {}
    for name in names:
        examples = examples_for(sets[name], articles)
        t0 = time.perf_counter()
        likely, alone = [], {}
        for e in examples:
            c = e.candidate
            passage = (c.before + " " + c.sentence).strip()
            likely.append(score(f"Titel: {c.title}\nText: {passage}\nFrage zu diesem Text:", e.question))
            if e.question not in alone:
                alone[e.question] = score(f"Titel: {c.title}\nFrage:", e.question)
        seconds = time.perf_counter() - t0
        scores = np.array(likely)
        report[f"query likelihood {name}"] = judge(examples, scores)
        baseline = np.array([alone[e.question] for e in examples])
        report[f"query likelihood, pmi {name}"] = judge(examples, scores - baseline)
        report[f"seconds per sentence {name}"] = round(seconds / max(len(examples), 1), 3)
        print(f"{name}: {len(examples)} sentences in {seconds:.0f} s", file=sys.stderr)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--sets")]
    if not args:
        sys.exit(__doc__)
    chosen = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--sets=")), "")
    model = Path(args[1]) if len(args) > 1 else Settings().gguf_file
    main(Path(args[0]), model, chosen.split(",") if chosen else [])
