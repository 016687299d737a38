"""Dependencies shared by the routers: the lazily built pipeline."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request

from index.archive import Archive
from index.embedder import Embedder
from index.errors import BusyError
from rag.config import Settings
from rag.pipeline import Rag


class RagHolder:
    """Builds the pipeline on first use, so the server starts even before indexing, and
    picks up what another process wrote (`rag index`, the API, another worker on the same
    database) on the next request."""

    def __init__(self, settings: Settings, rag: Rag | None, archive: Archive) -> None:
        self.settings = settings
        self.rag = rag
        self.archive = archive
        self._lock = threading.Lock()
        self._embedder: Embedder | None = rag.embedder if rag is not None else None
        self._loaded = archive.version() if rag is not None else None
        # One question is answered at a time per core budget; `max_waiting` more may wait.
        self._slots = threading.BoundedSemaphore(settings.max_waiting + 1)

    def acquire(self) -> Callable[[], None]:
        """Admission for question routes: beyond the bounded queue, fail fast with 503.
        Returns the release function; calling it more than once is harmless."""
        if not self._slots.acquire(blocking=False):
            raise BusyError("Too many questions are waiting; try again in a few seconds")
        released = threading.Event()

        def release() -> None:
            if not released.is_set():
                released.set()
                self._slots.release()

        return release

    @contextmanager
    def slot(self) -> Iterator[None]:
        release = self.acquire()
        try:
            yield
        finally:
            release()

    def embedder(self) -> Embedder:
        """The embedder, also before any index exists (the first POST /articles creates it)."""
        with self._lock:
            if self._embedder is None:
                from rag.factory import build_embedder

                self._embedder = build_embedder(self.settings)
            return self._embedder

    def get(self) -> Rag:
        # The version is read before taking the lock: with the database down each request waits
        # out its own pool timeout (5 s) side by side, instead of one after another behind the
        # lock (8 requests gave their 503s after up to 45 s, issue #39).
        current = self.archive.version()
        with self._lock:
            if self.rag is None:
                from rag.factory import build_rag

                self.rag = build_rag(self.settings, embedder=self._embedder, archive=self.archive)
                self._embedder = self.rag.embedder
                self._loaded = current
            elif current is not None and current != self._loaded:
                self.rag.set_catalog(self.archive.reload(self.rag.catalog, self.rag.embedder))
                self._loaded = current
            return self.rag


def get_rag(request: Request) -> Rag:
    """The pipeline, through a dependency (tests inject their own via `create_app(rag=...)`)."""
    holder: RagHolder = request.app.state.holder
    return holder.get()


RagDep = Annotated[Rag, Depends(get_rag)]


def get_holder(request: Request) -> RagHolder:
    holder: RagHolder = request.app.state.holder
    return holder


HolderDep = Annotated[RagHolder, Depends(get_holder)]


def get_settings(request: Request) -> Settings:
    holder: RagHolder = request.app.state.holder
    return holder.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]
