"""A generator on another machine: any OpenAI-compatible chat-completions server, streamed.

In a newsroom the model runs apart from the API workers: a pool of llama.cpp servers or vLLM
behind a balancer (`RAG_GENERATOR_URL=http://host:port/v1`). Only the text generation moves;
retrieval, verification and the extractive fallback stay in the worker, so a remote model's
sentences are checked exactly like the bundled one's.

The server may be down, slow or overloaded. Every wait is bounded (connect, each streamed
chunk, the whole answer), and every failure is a `GeneratorUnavailable` that names the URL, so
the read path can answer extractively with `fallback` set instead of hanging or failing.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

from index.errors import BusyError, GeneratorUnavailable, InputError
from index.urls import without_credentials
from rag.config import DEFAULTS
from rag.generator import CHAT_OVERHEAD_TOKENS, Message

log = logging.getLogger(__name__)
# The server's tokenizer is not at hand, so prompt length is estimated from characters. Gemma 3
# measured 4.15 characters per token on 200 Wikinews articles; tokenizers with less German in
# their vocabulary (Qwen, Llama) need more tokens, so 3.0 errs on the side of a shorter prompt.
CHARS_PER_TOKEN = 3.0
# A misbehaving server must not hold a worker (issue #39): one event line carries one token's JSON
# (about 200 bytes), so a line past 64 KiB is no chat completion chunk; and an answer longer than
# 8 characters per requested token (German averages about 4) ignored max_tokens and is cut there.
MAX_LINE_BYTES = 64 * 1024
MAX_CHARS_PER_TOKEN = 8


def check_url(url: str) -> str:
    """The base URL without a trailing slash, or an error naming the setting."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(
            f"RAG_GENERATOR_URL: {url!r} is not an http(s) URL; give the server's OpenAI base, "
            "for example http://127.0.0.1:8080/v1"
        )
    return url.rstrip("/")


class RemoteGenerator:
    """Streams chat completions from `url` (the OpenAI base, ending in /v1)."""

    def __init__(
        self,
        url: str,
        model: str = "",
        n_ctx: int = DEFAULTS.n_ctx,
        connect_timeout_s: float = 3.0,
        chunk_timeout_s: float = 30.0,
        timeout_s: float = DEFAULTS.generation_timeout_s,
    ) -> None:
        self.url = check_url(url)
        self.model = model
        self.name = f"{model or 'remote'} @ {without_credentials(self.url)}"  # in /health and every answer
        self._n_ctx = n_ctx
        # connect: a live server on a LAN accepts at once. chunk: the first token waits until
        # the whole prompt is read; a 3,000-token prompt took Gemma 270M 23 s on this 2-core
        # machine while it was building another checkout, so 30 s fails only a stalled server.
        self._timeout = httpx.Timeout(chunk_timeout_s, connect=connect_timeout_s)
        self._timeout_s = timeout_s

    def fits(self, messages: Sequence[Message], max_tokens: int) -> bool:
        chars = sum(len(m["content"]) for m in messages)
        return chars / CHARS_PER_TOKEN + CHAT_OVERHEAD_TOKENS * len(messages) + max_tokens <= self._n_ctx

    def generate(
        self,
        messages: Sequence[Message],
        max_tokens: int,
        temperature: float,
        stop: threading.Event | None = None,
        grammar: str | None = None,
    ) -> Iterator[str]:
        body: dict[str, Any] = {
            "messages": list(messages),
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
        }
        if self.model:
            body["model"] = self.model
        if grammar:
            body["grammar"] = grammar  # llama.cpp's servers take GBNF; others ignore the field
        budget = max_tokens * MAX_CHARS_PER_TOKEN
        for piece in self._pieces(body, stop):
            if len(piece) > budget:  # the server ignores max_tokens: keep what was asked for
                log.warning("the generator at %s sent more than %d characters; cut there", self.url, budget)
                yield piece[:budget]
                return
            budget -= len(piece)
            yield piece

    def _pieces(self, body: dict[str, Any], stop: threading.Event | None) -> Iterator[str]:
        """The streamed text pieces. The stream is read on a worker thread, so the answer's
        deadline holds even while a read waits: a server that drips a byte every 20 s never
        trips the per-read timeout, and was waited on for 200 s."""
        lines: queue.Queue[tuple[str, str | BaseException | None]] = queue.Queue(maxsize=64)
        closing = threading.Event()
        reader = threading.Thread(target=self._read, args=(body, lines, closing), daemon=True)
        reader.start()
        deadline = time.monotonic() + self._timeout_s
        try:
            while True:
                if stop is not None and stop.is_set():
                    return
                try:
                    kind, item = lines.get(timeout=max(0.0, min(0.5, deadline - time.monotonic())))
                except queue.Empty:
                    if time.monotonic() >= deadline:
                        raise GeneratorUnavailable(
                            f"The generator at {self.url} took longer than {self._timeout_s:.0f} s for one answer"
                        ) from None
                    continue
                if kind == "error":
                    assert isinstance(item, BaseException)
                    raise item
                if kind == "end":
                    return
                piece = _content(str(item))
                if piece is None:
                    return
                if piece:
                    yield piece
        finally:
            closing.set()  # the reader stops at its next chunk (or its read timeout) and closes

    def _read(
        self, body: dict[str, Any], lines: queue.Queue[tuple[str, str | BaseException | None]], closing: threading.Event
    ) -> None:
        """Worker thread: the response's lines into `lines`, then ("end", None) or ("error", e)."""

        def put(item: tuple[str, str | BaseException | None]) -> bool:
            while not closing.is_set():
                try:
                    lines.put(item, timeout=0.5)
                    return True
                except queue.Full:
                    continue
            return False

        try:
            with httpx.stream("POST", f"{self.url}/chat/completions", json=body, timeout=self._timeout) as r:
                if r.status_code in (429, 503):
                    raise BusyError(f"The generator at {self.url} is busy ({r.status_code}); try again shortly")
                if r.status_code != 200:
                    r.read()
                    raise GeneratorUnavailable(f"The generator at {self.url} answered {r.status_code}: {r.text[:200]}")
                pending = bytearray()  # the line so far; grows in place
                for chunk in r.iter_raw():
                    if closing.is_set():
                        return
                    # only the new chunk is split: re-splitting (and copying) the pending part too
                    # went over up to 64 KiB again for every byte a dripping server sent
                    *complete, rest = chunk.split(b"\n")
                    if complete:
                        complete[0], pending = bytes(pending) + complete[0], bytearray(rest)
                    else:
                        pending += rest
                    if len(pending) > MAX_LINE_BYTES or any(len(line) > MAX_LINE_BYTES for line in complete):
                        raise GeneratorUnavailable(
                            f"The generator at {self.url} sent a line over {MAX_LINE_BYTES} bytes: "
                            "no chat completion chunk"
                        )
                    for line in complete:
                        if not put(("line", line.decode("utf-8", "replace").rstrip("\r"))):
                            return
                if pending:
                    put(("line", pending.decode("utf-8", "replace")))
            put(("end", None))
        except httpx.TimeoutException as e:
            put(("error", GeneratorUnavailable(f"The generator at {self.url} did not answer in time ({e!r})")))
        except httpx.HTTPError as e:
            put(
                (
                    "error",
                    GeneratorUnavailable(
                        f"The generator at {self.url} cannot be reached ({e}); start it, or unset "
                        "RAG_GENERATOR_URL to use the bundled model"
                    ),
                )
            )
        except (BusyError, GeneratorUnavailable) as e:
            put(("error", e))


def _content(line: str) -> str | None:
    """The text of one server-sent event line; None at the end of the stream."""
    if not line.startswith("data:"):
        return ""
    data = line[len("data:") :].strip()
    if data == "[DONE]":
        return None
    try:
        choice = json.loads(data)["choices"][0]
    except (ValueError, KeyError, IndexError) as e:
        raise GeneratorUnavailable(
            f"The generator sent something that is no chat completion chunk: {data[:120]}"
        ) from e
    delta = choice.get("delta") or {}
    return str(delta.get("content") or "")
