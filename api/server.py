"""How `rag serve` runs uvicorn: limits against clients that hold connections open.

uvicorn times out an idle keep-alive connection, but not one whose request headers never finish:
1,100 half-sent requests (slowloris) stayed open for as long as their senders liked (issue #39).
`HeaderTimeoutH11` closes a connection whose request line and headers are not complete within
`header_timeout_s`, and `LIMIT_CONCURRENCY` answers 503 beyond that many open connections, so
one client cannot take every file descriptor. In production a reverse proxy in front does both
(README, „Scaling out“).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

# A browser or client sends its headers in one packet, well under a second even on a slow link;
# 10 s leaves room for a congested network and cuts a slowloris client off soon.
HEADER_TIMEOUT_S = 10.0
# The answer queue admits RAG_MAX_WAITING (8) questions and fails fast beyond; the page, health
# checks and article reads need a few more connections. 100 per worker is far above what a
# newsroom sends one worker, and far below the 1,024 file descriptors a process gets by default.
LIMIT_CONCURRENCY = 100


class HeaderTimeoutH11(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request headers take too long."""

    header_timeout_s = HEADER_TIMEOUT_S

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._waiting_for: Any = None  # the cycle the timer watches for a successor of
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm_header_timer()

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._waiting_for = self.cycle
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._header_timeout)

    def _cancel_header_timer(self) -> None:
        if getattr(self, "_header_timer", None) is not None:
            assert self._header_timer is not None
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        if self.cycle is self._waiting_for and not self.transport.is_closing():
            self.transport.close()  # no new request arrived whole in time

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.cycle is not self._waiting_for:  # a request's headers arrived whole
            self._cancel_header_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_timer()  # the next request on this connection gets the same limit

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)


def serve_options() -> dict[str, Any]:
    """The uvicorn options `rag serve` adds to host and port."""
    return {"http": HeaderTimeoutH11, "limit_concurrency": LIMIT_CONCURRENCY}
