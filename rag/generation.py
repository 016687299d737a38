"""Generative answers: the prompt, the model's tokens, and the check of every sentence it wrote.

Only sentences that `rag.verify` finds in a quoted candidate reach the answer; when too few
survive, `answer` returns None and the pipeline answers extractively (`fallback: "extractive"`).
auto mode asks the model first whether it can do this at all (`rag.probe`), once per model file.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Generator as Generator_
from dataclasses import dataclass
from typing import Any, Literal

from index.embedder import Embedder
from index.errors import GeneratorUnavailable
from rag.answer import Timings
from rag.compose import Composed, compose_generated
from rag.config import DEFAULTS, Grammar, Mode
from rag.evidence import Sentence
from rag.generator import Generator
from rag.grammar import quote_grammar
from rag.probe import ProbeCache, probe_generator
from rag.prompt import fit_messages
from rag.retrieval import Passage
from rag.text import is_german
from rag.verify import VerifyParams, split_answer, verify_sentences

log = logging.getLogger(__name__)
# Generated sentences verified per answer: max_tokens 200 make about 15 German sentences, and a
# server that ignored the limit sent 1 MB that took 300 s to verify (issue #39).
MAX_VERIFIED_SENTENCES = 40


@dataclass
class Event:
    """One step of an answer's stream (`Rag.stream`)."""

    kind: Literal["sources", "checking", "token", "answer"]  # checking: the judge reads the quotes (seconds)
    data: Any


class Generation:
    def __init__(
        self,
        generator: Generator,
        embedder: Embedder,
        verify: VerifyParams,
        max_tokens: int = DEFAULTS.max_tokens,
        temperature: float = DEFAULTS.temperature,
        grammar: Grammar = "off",
        probe_cache: ProbeCache | None = None,
    ) -> None:
        self.generator = generator
        self.embedder = embedder
        self.verify = verify
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.grammar: Grammar = grammar
        self.probe_cache = probe_cache
        self._trusted: bool | None = None
        self._trust_lock = threading.Lock()

    def used(self, mode: Mode) -> bool:
        """Whether an answer in `mode` is generated: always in generative mode, in auto mode when
        the model passed the check."""
        if mode == "extractive":
            return False
        return mode == "generative" or self.trusted()

    def trusted(self) -> bool:
        """auto mode's check: the model must answer a probe question with verified German."""
        with self._trust_lock:
            if self._trusted is None:
                path = getattr(self.generator, "path", None)
                key = ProbeCache.key(path, self.embedder.name) if self.probe_cache and path else None
                cached = self.probe_cache.get(key) if self.probe_cache and key else None
                if cached is None:
                    try:
                        cached = probe_generator(self.generator, self.embedder, self.verify)
                    except GeneratorUnavailable as e:  # not cached: the server may be up next time
                        log.warning("the generator could not be checked: %s", e)
                        return False
                    if self.probe_cache and key:
                        self.probe_cache.put(key, cached)
                self._trusted = cached
            return self._trusted

    def answer(
        self,
        question: str,
        passages: list[Passage],
        sentences: list[Sentence],
        timings: Timings,
        stop: threading.Event | None,
    ) -> Generator_[Event, None, tuple[Composed | None, int]]:
        """Stream the model's tokens; returns the verified answer (None: fall back to the
        extractive one) and how many passages did not fit the prompt."""
        generator = self.generator
        fitted = fit_messages(question, passages, lambda m: generator.fits(m, self.max_tokens))
        if fitted is None:
            return None, len(passages)  # not even the best passage fits the model's context window
        messages, n = fitted
        shown = [s for s in sentences if s.passage < n]
        grammar = quote_grammar(shown) if self.grammar == "quotes" else None
        tg = time.perf_counter()
        pieces: list[str] = []
        try:
            for piece in generator.generate(messages, self.max_tokens, self.temperature, stop, grammar):
                pieces.append(piece)
                yield Event("token", piece)
        finally:  # a model that failed or timed out took this time too
            timings.generate_ms = (time.perf_counter() - tg) * 1000
        return self._verified("".join(pieces), passages[:n], shown), len(passages) - n

    def _verified(self, text: str, passages: list[Passage], sentences: list[Sentence]) -> Composed | None:
        """The generated answer reduced to its verified sentences, or None to fall back."""
        generated = split_answer(text)[:MAX_VERIFIED_SENTENCES]
        if not generated or not is_german(text):
            return None
        texts = [p.chunk.text for p in passages]
        checked = verify_sentences(generated, sentences, texts, self.embedder, self.verify)
        supported: list[tuple[str, Sentence]] = []
        for c in checked:
            if c.evidence is not None and all(c.text != t for t, _ in supported):
                supported.append((c.text, c.evidence))
        if not supported or len(supported) < len(checked) / 2:
            return None
        return compose_generated(passages, supported)
