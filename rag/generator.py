"""Text generators behind one Protocol: llama.cpp for real, fakes for logic tests.

`LlamaCppGenerator` loads the GGUF lazily on first use and serializes all generation with a
lock, since one llama.cpp context cannot serve two requests at once. A stop event lets a caller
(a disconnected client, a timeout) end generation between two tokens.
"""

from __future__ import annotations

import importlib.util
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, TypedDict

from index.errors import BusyError, ModelError
from rag.config import DEFAULTS, Settings

# `make run` does not build llama-cpp-python: the bundled base model fails auto mode's check
# (rag/probe.py), so the default answers extractively, and the build is 4-6 of a fresh set-up's
# 7-10 minutes (README). This command builds it, for generation and for the judge.
LLAMA_SETUP = "make setup-generator"


def llama_installed() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


def require_llama(feature: str) -> None:
    """Fail with the command that builds llama-cpp-python when `feature` needs it."""
    if not llama_installed():
        raise ModelError(f"{feature} needs llama-cpp-python, which `make run` does not build: run `{LLAMA_SETUP}`")


def check_llama(settings: Settings, judge: bool = True, generator: bool = True) -> None:
    """The settings that cannot work without llama.cpp fail here, before any model loads; `judge`
    and `generator` False skip what the caller supplies already built. auto mode is not among
    them: without llama.cpp it answers extractively, as it does when the bundled model fails
    the check."""
    if judge and settings.judge == "on":
        require_llama("RAG_JUDGE=on")
    if generator and settings.mode == "generative" and settings.generator == "llama" and not settings.generator_url:
        require_llama("RAG_MODE=generative with the bundled GGUF")


# Base models continue the prompt's own structure; these strings end an answer.
STOP = ["\nFrage:", "\n\n\n", "<end_of_turn>", "<<<", ">>>", "\nQuellen:"]


class Message(TypedDict):
    role: str
    content: str


class Generator(Protocol):
    """Streams the answer to `messages` in pieces; stops early when `stop` is set.

    `grammar` (GBNF), when given, constrains what the model may write (see `rag.grammar`).
    """

    name: str

    def generate(
        self,
        messages: Sequence[Message],
        max_tokens: int,
        temperature: float,
        stop: threading.Event | None = None,
        grammar: str | None = None,
    ) -> Iterator[str]: ...

    def fits(self, messages: Sequence[Message], max_tokens: int) -> bool:
        """Whether the prompt and `max_tokens` of answer fit the model's context window."""
        ...


CHAT_OVERHEAD_TOKENS = 8  # per message: a chat template's role markers (Gemma's and ChatML's take 4-6)


def plain_prompt(messages: Sequence[Message]) -> str:
    """A completion prompt for base models without a chat template."""
    parts = [m["content"] for m in messages if m["role"] in ("system", "user")]
    return "\n\n".join(parts) + "\n\nAntwort:"


class LlamaCppGenerator:
    def __init__(
        self,
        path: Path,
        n_ctx: int = DEFAULTS.n_ctx,
        threads: int = DEFAULTS.threads,
        chat_format: str | None = DEFAULTS.chat_format,
        timeout_s: float = DEFAULTS.generation_timeout_s,
        max_waiting: int = DEFAULTS.max_waiting,
    ) -> None:
        if not path.is_file():
            raise ModelError(f"No GGUF model at {path}: run `{LLAMA_SETUP}`, or set RAG_GGUF_PATH")
        self.path = path
        self.name = path.name
        self._n_ctx = n_ctx
        self._threads = threads
        self._chat_format = chat_format
        self._timeout_s = timeout_s
        self._llm: Any = None
        self._lock = threading.Lock()
        self._waiting = threading.BoundedSemaphore(max_waiting + 1)

    def _model(self) -> Any:
        if self._llm is None:
            from llama_cpp import Llama

            self._llm = Llama(
                model_path=str(self.path),
                n_ctx=self._n_ctx,
                n_threads=self._threads,
                chat_format=self._chat_format,
                verbose=False,
            )
        return self._llm

    def fits(self, messages: Sequence[Message], max_tokens: int) -> bool:
        llm = self._model()
        if self._chat_format:
            texts = [m["content"] for m in messages]
            overhead = CHAT_OVERHEAD_TOKENS * len(messages)
        else:
            texts, overhead = [plain_prompt(messages)], 0
        used = sum(len(llm.tokenize(t.encode("utf-8"), add_bos=False, special=False)) for t in texts)
        return used + overhead + 1 + max_tokens <= self._n_ctx  # + 1: the BOS token

    def generate(
        self,
        messages: Sequence[Message],
        max_tokens: int,
        temperature: float,
        stop: threading.Event | None = None,
        grammar: str | None = None,
    ) -> Iterator[str]:
        if not self._waiting.acquire(blocking=False):
            raise BusyError("Too many questions are waiting for the model; try again shortly")
        try:
            with self._lock:
                yield from self._stream(messages, max_tokens, temperature, stop, grammar)
        finally:
            self._waiting.release()

    def _stream(
        self,
        messages: Sequence[Message],
        max_tokens: int,
        temperature: float,
        stop: threading.Event | None,
        grammar: str | None,
    ) -> Iterator[str]:
        llm = self._model()
        deadline = time.monotonic() + self._timeout_s
        extra: dict[str, Any] = {}
        if grammar:
            from llama_cpp.llama_grammar import LlamaGrammar

            extra["grammar"] = LlamaGrammar.from_string(grammar, verbose=False)
        if self._chat_format:
            chunks = llm.create_chat_completion(
                messages=list(messages), max_tokens=max_tokens, temperature=temperature, stream=True, **extra
            )
            pieces = (c["choices"][0]["delta"].get("content") or "" for c in chunks)
        else:
            chunks = llm.create_completion(
                plain_prompt(messages),
                max_tokens=max_tokens,
                temperature=temperature,
                stream=True,
                stop=STOP,
                repeat_penalty=1.0 if grammar else 1.15,  # quotes legitimately repeat the passages
                **extra,
            )
            pieces = (c["choices"][0]["text"] for c in chunks)
        try:
            for piece in pieces:
                if stop is not None and stop.is_set():
                    break
                if piece:
                    yield piece
                if time.monotonic() > deadline:
                    break
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()


class EchoGenerator:
    """Replies with a fixed text, piece by piece. For unit tests of the pipeline logic."""

    def __init__(self, reply: str, name: str = "echo", n_ctx: int | None = None) -> None:
        self.reply = reply
        self.name = name
        self.n_ctx = n_ctx  # None: everything fits; else words count as tokens
        self.calls: list[list[Message]] = []
        self.grammars: list[str | None] = []

    def generate(
        self,
        messages: Sequence[Message],
        max_tokens: int,
        temperature: float,
        stop: threading.Event | None = None,
        grammar: str | None = None,
    ) -> Iterator[str]:
        self.calls.append(list(messages))
        self.grammars.append(grammar)
        if not self.fits(messages, max_tokens):
            raise ValueError("Requested tokens exceed context window")  # as llama.cpp does
        for word in self.reply.split(" "):
            if stop is not None and stop.is_set():
                return
            yield word + " "

    def fits(self, messages: Sequence[Message], max_tokens: int) -> bool:
        words = sum(len(m["content"].split()) for m in messages)
        return self.n_ctx is None or words + max_tokens <= self.n_ctx
