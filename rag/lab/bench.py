"""`rag bench`: our overhead against the raw libraries, as ratios from one run.

- search: our hybrid search (FAISS + BM25 + fusion + merging) vs a raw FAISS search, on the same
  index and the same precomputed query vectors, so only search cost is compared;
- generation: our streaming generator vs raw llama-cpp-python `create_completion`, same model,
  prompt and token budget, tokens per second;
- the judge: one verdict of ours (`rag.judge.LlamaJudge`, which keeps its prompt's fixed head
  evaluated) vs raw `create_completion` of one token on the same prompt and model, from scratch,
  milliseconds per verdict.
The machine is noisy, so both sides run interleaved in one process and only ratios are claimed.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from rag.generator import LlamaCppGenerator, Message, plain_prompt
from rag.judge import LlamaJudge, judge_prompt
from rag.pipeline import Rag

QUESTIONS = [
    "Was wurde über Taiwan gesagt?",
    "Wo trafen sich die Minister?",
    "Was vereinbarten Hegseth und Dong?",
    "Was sagte Trump über die Beziehungen zu China?",
    "Welche Rolle spielen Seltene Erden?",
]


def _ms(fn: Any, n: int) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def bench_search(rag: Rag, k: int = 5, repeat: int = 50) -> dict[str, float]:
    vectors = [rag.embedder.embed_query(q) for q in QUESTIONS]
    store = rag.catalog.vectors
    raw = statistics.median(_ms(lambda v=v: store.search(v, k), repeat) for v in vectors)
    emb = rag.retriever.embedder

    class Fixed:  # reuse the precomputed vector: compare search, not embedding
        name, dim = emb.name, emb.dim
        vec: Any = None

        def embed_query(self, text: str) -> Any:
            return self.vec

    fixed = Fixed()
    rag.retriever.embedder = fixed  # type: ignore[assignment]
    try:
        ours = []
        for q, v in zip(QUESTIONS, vectors, strict=True):
            fixed.vec = v
            ours.append(_ms(lambda q=q: rag.retriever.retrieve(q, k), repeat))
    finally:
        rag.retriever.embedder = emb
    ours_ms = statistics.median(ours)
    embed_ms = statistics.median(_ms(lambda q=q: emb.embed_query(q), 5) for q in QUESTIONS)
    return {
        "faiss_ms": round(raw, 3),
        "hybrid_ms": round(ours_ms, 3),
        "ratio": round(ours_ms / raw, 2),
        "query_embedding_ms": round(embed_ms, 2),
        "chunks": len(rag.catalog.chunks),
    }


def bench_generation(gen: LlamaCppGenerator, tokens: int = 64, rounds: int = 3) -> dict[str, float]:
    prompt: list[Message] = [{"role": "user", "content": "Schreibe einen kurzen Bericht über das Wetter in Hamburg."}]
    llm = gen._model()

    def raw() -> int:
        out = llm.create_completion(plain_prompt(prompt), max_tokens=tokens, temperature=0.0)
        return int(out["usage"]["completion_tokens"])

    def ours() -> int:
        return len(list(gen.generate(prompt, tokens, 0.0)))

    rates: dict[str, list[float]] = {"raw": [], "ours": []}
    for _ in range(rounds):
        for name, fn in (("raw", raw), ("ours", ours)):
            t0 = time.perf_counter()
            n = fn()
            rates[name].append(n / (time.perf_counter() - t0))
    r, o = statistics.median(rates["raw"]), statistics.median(rates["ours"])
    return {"raw_tokens_per_s": round(r, 1), "ours_tokens_per_s": round(o, 1), "ratio": round(o / r, 3)}


JUDGED = (
    "Die heikle Taiwan-Frage sei laut Trump nicht angesprochen worden. Peking sieht das demokratisch regierte "
    "Taiwan als abtrünnige Provinz, die wieder mit dem Festland vereinigt werden soll – notfalls auch mit Gewalt. "
    "Die USA erkennen Taiwan zwar diplomatisch nicht an, liefern aber die meisten Waffen an die Insel."
)


def bench_judge(judge: LlamaJudge, rounds: int = 3) -> dict[str, float]:
    """The raw side evaluates the whole prompt each time, after `reset()`; ours reads what follows
    the prompt's fixed head, which it keeps in the cache (`LlamaJudge._fixed_head`): the ratio is
    what that saves, plus our overhead."""
    question, title = "Was wurde über Taiwan gesagt?", "Militärgespräche zwischen den USA und China"
    llm = judge._model()
    prompt = judge_prompt(question, title, JUDGED)

    def raw() -> None:
        llm.reset()
        llm.create_completion(prompt, max_tokens=1, temperature=0.0)

    times: dict[str, list[float]] = {"raw": [], "ours": []}
    for _ in range(rounds):
        for name, fn in (("raw", raw), ("ours", lambda: judge(question, title, JUDGED))):
            t0 = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t0) * 1000)
    r, o = statistics.median(times["raw"]), statistics.median(times["ours"])
    return {
        "raw_ms": round(r),
        "ours_ms": round(o),
        "ratio": round(o / r, 3),
        "prompt_tokens": len(llm.tokenize(prompt.encode(), add_bos=False, special=True)),
    }
