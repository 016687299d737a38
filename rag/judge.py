"""The judge: does the text an answer quotes answer the question? (opt-in, `RAG_JUDGE=on`)

A chat model reads the question and the quoted sentences with „Beantwortet der Text die Frage?
Antworte nur mit Ja oder Nein.“, and the score is p(Ja) / (p(Ja) + p(Nein)) of its first answer
token, from one forward pass: no text is generated, so nothing the model could invent reaches
anyone. Below the threshold the pipeline abstains instead of answering.

Why this model and this cost (docs/experiments/the-reader.md): of every judge tried on the news questions,
only Qwen2.5-Coder-1.5B-Instruct (the packaged GGUF, untrained here) tells answerable from
unanswerable apart — AUROC 0.83 on the dev set and 0.91 on the held-out set, on the 5 sentences
nearest the question — where the trained e5 readers measured 0.47–0.71 and the 0.5B model 0.41.
On a second held-out set, written after it was built, it turned no unanswerable question into
an abstention (docs/experiments/the-reader.md): it helps on some question sets, and is no guarantee.
Its price is one prompt evaluation: about 35 tokens/s on 2 cores with the portable AVX2 build
(`rag bench`, before the head below was kept: 152 tokens in 4.3 s, raw llama-cpp-python 4.5 s;
7.1 s p50 per judged dev answer), 44–55 tokens/s with the AVX-512 build set-up makes where the
CPU has it (4.1 s p50 per judged answer on the third held-out set, 6.5 s portable), against
0.06 s for the answer itself; hence off by default.

The prompt's fixed head (system turn and the user turn's opening, 26 tokens; 388 with the probe's
worked cases) is evaluated on its own once and kept in the cache, so a verdict reads only the
rest. Keeping the head the same way every time means a question gets the same p(Ja) whatever was
asked before it; against a whole-prompt evaluation it moves p(Ja) by at most 0.046 (median
0.013; no verdict crosses 0.5) on the third held-out set's 37 questions, and by 0.000 with the
worked cases. `rag bench`: 126 of the 152 tokens read, ratio to raw llama-cpp-python 0.85–1.02
over three runs on this noisy machine.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.errors import ModelError
from rag.answer import Citation
from rag.config import DEFAULTS

SYSTEM = "Du prüfst, ob ein Nachrichtentext eine Frage beantwortet."
ASK = "Text:\n{text}\n\nFrage: {question}\n\nBeantwortet der Text die Frage? Antworte nur mit Ja oder Nein."
MAX_TEXT_CHARS = 4000  # ~1,200 tokens: fits the 2,048-token context; cuts 48 of the 968 Wikinews articles
N_CTX = 2048


class Judge(Protocol):
    """p in [0, 1] that `text` (from the articles titled `title`) answers `question`."""

    name: str

    def __call__(self, question: str, title: str, text: str) -> float: ...


def quoted_evidence(citations: Sequence[Citation]) -> tuple[str, str]:
    """(titles, quoted sentences) of an answer's citations, in citation order: what the judge reads."""
    titles = list(dict.fromkeys(c.title or c.article_id for c in citations))
    text = " ".join(c.text[q.start - c.start : q.end - c.start] for c in citations for q in c.quotes)
    return " / ".join(titles), text


def chatml(system: str, user: str, examples: Sequence[tuple[str, str]] = ()) -> str:
    """A prompt up to the assistant's first token, in the ChatML the Qwen2.5 GGUFs expect; `examples`
    are earlier (user, assistant) turns."""
    turns = [("system", system), *((r, t) for u, a in examples for r, t in (("user", u), ("assistant", a)))]
    head = "".join(f"<|im_start|>{role}\n{text}<|im_end|>\n" for role, text in turns)
    return f"{head}<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"


def judge_prompt(
    question: str, title: str, text: str, ask: str = ASK, worked: Sequence[tuple[str, str, str, str]] = ()
) -> str:
    """The judge's prompt up to the assistant's first token. Probes try other wordings through
    `ask` and worked cases, (question, title, text, answer), answered before the question."""

    def user(q: str, t: str, x: str) -> str:
        return ask.format(text=f"{t}\n{x}", question=q)

    return chatml(SYSTEM, user(question, title, text), [(user(q, t, x), a) for q, t, x, a in worked])


def shared_prefix(head: Sequence[int], tokens: Sequence[int]) -> int:
    """How many leading tokens `tokens` shares with `head`, leaving at least the last one to
    evaluate (its logits are the verdict)."""
    n, limit = 0, min(len(head), len(tokens) - 1)
    while n < limit and head[n] == tokens[n]:
        n += 1
    return n


class LlamaJudge:
    """The yes/no judge on a llama.cpp chat model; loaded on first use, one call at a time
    (a llama.cpp context serves one prompt at once)."""

    def __init__(
        self,
        path: Path,
        threads: int = DEFAULTS.threads,
        prompt: Callable[[str, str, str], str] = judge_prompt,
        reuse_prefix: bool = True,
    ) -> None:
        if not path.is_file():
            raise ModelError(
                f"No judge model at {path}: run `RAG_JUDGE=on rag setup` (or `rag setup --all`), or set RAG_JUDGE=off"
            )
        self.path = path
        self.name = path.name
        self._threads = threads
        self._prompt = prompt  # (question, title, text) -> prompt; probes try other wordings through it
        self._reuse = reuse_prefix
        self._head: list[int] = []  # the prompt's fixed head, kept evaluated in the cache
        self._llm: Any = None
        self._yes: list[int] = []
        self._no: list[int] = []
        self._lock = threading.Lock()

    def _model(self) -> Any:
        if self._llm is None:
            from llama_cpp import Llama

            self._llm = Llama(model_path=str(self.path), n_ctx=N_CTX, n_threads=self._threads, verbose=False)
            self._yes = self._first_tokens(["Ja", " Ja", "ja"])
            self._no = self._first_tokens(["Nein", " Nein", "nein"])
            if self._reuse:
                self._head = self._fixed_head()
        return self._llm

    def _tokens(self, prompt: str) -> list[int]:
        return list(self._model().tokenize(prompt.encode("utf-8"), add_bos=False, special=True))

    def _fixed_head(self) -> list[int]:
        """The tokens every prompt starts with: the system turn, any worked cases and the opening
        of the user turn."""
        one, other = self._tokens(self._prompt("A?", "T", "X.")), self._tokens(self._prompt("B?", "U", "Y."))
        return one[: shared_prefix(one, other)]

    def _head_in_cache(self, llm: Any) -> None:
        """Make the cache hold the fixed head, evaluated on its own. Always the same way, so a
        question's verdict does not depend on what was asked before it; again whenever anything
        else (`rag bench`'s raw side) wrote over it."""
        n = len(self._head)
        # n_tokens first: before any eval, input_ids is uninitialised memory
        if llm.n_tokens < n or list(llm.input_ids[:n]) != self._head:  # also when a prompt left the head early
            llm.n_tokens = 0
            llm.eval(self._head)

    def _first_tokens(self, words: list[str]) -> list[int]:
        return sorted({self._llm.tokenize(w.encode(), add_bos=False)[0] for w in words})

    def __call__(self, question: str, title: str, text: str) -> float:
        text = text[:MAX_TEXT_CHARS]
        with self._lock:
            llm = self._model()
            while True:
                tokens = self._tokens(self._prompt(question, title, text))
                if len(tokens) < N_CTX or not text:
                    break
                text = text[: len(text) // 2]  # dense text (numbers, names) can pass ~3 chars a token
            self._head_in_cache(llm)
            kept = shared_prefix(self._head, tokens)
            llm.n_tokens = kept  # `eval` drops the cache from here on and reads only the rest
            llm.eval(tokens[kept:])
            # without logits_all, llama-cpp-python keeps only the last token's logits, in the context
            logits = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),)).astype(np.float64)
        top = logits.max()
        py = sum(math.exp(logits[t] - top) for t in self._yes)
        pn = sum(math.exp(logits[t] - top) for t in self._no)
        return py / (py + pn)


@dataclass(frozen=True)
class Judging:
    """The judge, the p(Ja) below which the pipeline abstains, and the one below which an answer
    it gives is marked low_confidence."""

    judge: Judge
    threshold: float
    sure: float
