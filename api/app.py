"""FastAPI app factory: the HTTP face of `rag`.

The pipeline is built once, lazily, and reaches routes through a dependency; blocking work
(embedding, generation) runs in the thread pool. `RagError`s map to JSON errors in one handler.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable, Generator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from sse_starlette.sse import EventSourceResponse

from api.articles import router as articles_router
from api.deps import RagDep, RagHolder
from api.errors import errors
from api.openai_compat import router as openai_router
from api.schemas import AskRequest, Health, Turn
from api.security import GuardMiddleware
from index import storage
from index.errors import BusyError, InputError, RagError
from rag.answer import Answer
from rag.config import Settings
from rag.generator import Message
from rag.pipeline import Rag
from rag.retrieval import Filters

log = logging.getLogger("quellen.api")
STATIC = Path(__file__).parent / "static"


def _close(gen: Generator[Any, None, None], release: Callable[[], None]) -> None:
    """Close a stream generator (waiting while a worker thread is still inside it), then
    give its admission slot back."""
    try:
        for _ in range(600):
            try:
                gen.close()
                return
            except ValueError:  # "generator already executing": one token is still in flight
                time.sleep(0.05)
    finally:
        release()


def _history(turns: list[Turn]) -> list[Message]:
    return [{"role": t.role, "content": t.content} for t in turns]


def _filters(body: AskRequest) -> Filters:
    return Filters(body.since, body.until, body.source, body.include_undated)


def create_app(settings: Settings | None = None, rag: Rag | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="Quellen", version="0.1.0", description="Fragen an deutsche Nachrichtenartikel, mit Belegen.")
    holder = RagHolder(settings, rag)
    app.state.holder = holder
    app.add_middleware(GuardMiddleware, api_key=settings.api_key)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )

    @app.exception_handler(RagError)
    async def rag_error(_: Request, exc: RagError) -> JSONResponse:
        headers = {"Retry-After": "5"} if isinstance(exc, BusyError) else None
        if isinstance(exc, InputError):
            # the same shape as FastAPI's own 422s, so clients handle one error format
            detail: Any = [{"loc": ["body"], "msg": str(exc), "type": "value_error"}]
        else:
            detail = str(exc)
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)

    @app.get("/health", response_model=Health)
    def health() -> Health:
        if storage.current_dir(settings.data_dir) is None and holder.rag is None:
            return Health(
                status="no_index",
                articles=0,
                chunks=0,
                embedder=None,
                generator=None,
                message=f"No index at {settings.data_dir}/: run `rag index seeds/`",
            )
        try:
            r = holder.get()
        except RagError as e:
            return Health(status="error", articles=0, chunks=0, embedder=None, generator=None, message=str(e))
        info = r.model_info
        return Health(
            status="ok",
            articles=len(r.catalog.articles),
            chunks=len(r.catalog.chunks),
            embedder=info.embedder,
            generator=info.generator,
        )

    @app.post("/ask", response_model=Answer, responses=errors(401, 413, 500, 503))
    def ask(body: AskRequest, r: RagDep) -> Answer:
        history = _history(body.history)
        with holder.slot():
            return r.ask(body.question, top_k=body.top_k, mode=body.mode, filters=_filters(body), history=history)

    @app.post(
        "/ask/stream",
        response_class=EventSourceResponse,
        responses={
            200: {
                "description": "Events: sources, token*, answer, done (or error).",
                "content": {"text/event-stream": {"schema": {"type": "object"}}},
            },
            **errors(401, 413, 500, 503),
        },
    )
    async def ask_stream(body: AskRequest, r: RagDep, request: Request) -> EventSourceResponse:
        stop = threading.Event()
        release = holder.acquire()  # given back when the stream ends, however it ends
        gen = r.stream(
            body.question,
            top_k=body.top_k,
            mode=body.mode,
            filters=_filters(body),
            history=_history(body.history),
            stop=stop,
        )

        async def events() -> AsyncIterator[dict[str, Any]]:
            try:
                while not await request.is_disconnected():
                    ev = await run_in_threadpool(next, gen, None)
                    if ev is None:
                        yield {"event": "done", "data": "{}"}
                        return
                    data = ev.data.model_dump() if isinstance(ev.data, Answer) else ev.data
                    payload = {"text": data} if ev.kind == "token" else data
                    yield {"event": ev.kind, "data": json.dumps(payload, ensure_ascii=False)}
            except RagError as e:
                yield {"event": "error", "data": json.dumps({"message": str(e)}, ensure_ascii=False)}
            except Exception:
                log.exception("stream failed")
                yield {"event": "error", "data": json.dumps({"message": "Interner Fehler bei der Antwort."})}
            finally:
                # A gone client stops generation at the next token, which frees the model.
                stop.set()
                threading.Thread(target=_close, args=(gen, release), daemon=True).start()

        stream = events()
        weakref.finalize(stream, release)  # a stream that never started must not keep its slot
        return EventSourceResponse(stream, ping=10)

    app.include_router(openai_router)
    app.include_router(articles_router)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    return app
