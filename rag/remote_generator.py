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
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

from index.errors import BusyError, GeneratorUnavailable, InputError
from index.urls import without_credentials
from rag.generator import CHAT_OVERHEAD_TOKENS, Message

# The server's tokenizer is not at hand, so prompt length is estimated from characters. Gemma 3
# measured 4.15 characters per token on 200 Wikinews articles; tokenizers with less German in
# their vocabulary (Qwen, Llama) need more tokens, so 3.0 errs on the side of a shorter prompt.
CHARS_PER_TOKEN = 3.0


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
        n_ctx: int = 4096,
        connect_timeout_s: float = 3.0,
        chunk_timeout_s: float = 30.0,
        timeout_s: float = 60.0,
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
        deadline = time.monotonic() + self._timeout_s
        try:
            with httpx.stream("POST", f"{self.url}/chat/completions", json=body, timeout=self._timeout) as r:
                if r.status_code in (429, 503):
                    raise BusyError(f"The generator at {self.url} is busy ({r.status_code}); try again shortly")
                if r.status_code != 200:
                    r.read()
                    raise GeneratorUnavailable(f"The generator at {self.url} answered {r.status_code}: {r.text[:200]}")
                for line in r.iter_lines():
                    if stop is not None and stop.is_set():
                        return
                    if time.monotonic() > deadline:
                        raise GeneratorUnavailable(
                            f"The generator at {self.url} took longer than {self._timeout_s:.0f} s for one answer"
                        )
                    piece = _content(line)
                    if piece is None:
                        return
                    if piece:
                        yield piece
        except httpx.TimeoutException as e:
            raise GeneratorUnavailable(f"The generator at {self.url} did not answer in time ({e!r})") from e
        except httpx.HTTPError as e:
            raise GeneratorUnavailable(
                f"The generator at {self.url} cannot be reached ({e}); start it, or unset "
                "RAG_GENERATOR_URL to use the bundled model"
            ) from e


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
