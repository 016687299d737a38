"""FastAPI app factory: the HTTP face of `rag`.

The pipeline is built once, lazily, and reaches routes through a dependency; blocking work
(embedding, generation) runs in the thread pool. `RagError`s map to JSON errors in one handler.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import re
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable, Generator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from sse_starlette.sse import EventSourceResponse

from api.articles import router as articles_router
from api.articles import upload_router
from api.deps import RagDep, RagHolder
from api.errors import errors
from api.openai_compat import router as openai_router
from api.schemas import AskRequest, Health, Turn
from api.security import GuardMiddleware, security_headers
from api.speakers import router as speakers_router
from index.archive import Archive
from index.errors import BusyError, InputError, NoIndexError, RagError
from index.filters import Filters
from index.vectors import search_on_calling_thread
from rag.answer import Answer
from rag.config import Settings
from rag.generator import Message
from rag.pipeline import Rag

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


def _script_hashes(page: Path) -> list[str]:
    """sha256 of each inline script of the page, for its Content-Security-Policy."""
    scripts = re.findall(r"<script>(.*?)</script>", page.read_text(encoding="utf-8"), re.S)
    return [base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in scripts]


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """FastAPI's 422 detail without the offending input: echoing it back costs as much as the
    request (11.9 MB back for 11.9 MB in), and NaN or a lone surrogate cannot be encoded as JSON."""
    out = []
    for e in exc.errors():
        msg = str(e.get("msg", "invalid value")).encode("utf-8", "replace").decode()[:300]
        loc = [x if isinstance(x, int) else str(x).encode("utf-8", "replace").decode()[:100] for x in e.get("loc", ())]
        out.append({"loc": loc, "msg": msg, "type": str(e.get("type", "value_error"))})
    return out[:20]


def _without_paths(message: str, settings: Settings) -> str:
    """Responses never show where the data and the models live on disk."""
    for folder, name in ((settings.data_dir, "<data>"), (settings.models_dir, "<models>")):
        message = message.replace(str(folder.resolve()), name)
        if folder.is_absolute():
            message = message.replace(str(folder), name)
        else:  # a relative "data" is also a common word: only where it leads a path
            message = re.sub(rf"(?<![\w/.-]){re.escape(str(folder))}/", f"{name}/", message)
    return message


NO_INDEX = "No index yet: add articles with POST /articles (or run `rag index` on the server)"


def create_app(settings: Settings | None = None, rag: Rag | None = None, archive: Archive | None = None) -> FastAPI:
    """`archive`: where the index lives (default: as `settings` say, `rag.factory.build_archive`)."""
    settings = settings or Settings()
    search_on_calling_thread()  # process-wide: the app owns its (worker) process
    # /docs and /redoc would load Swagger UI from a CDN, which an offline machine cannot reach;
    # /openapi.json stays (see the README for viewing it offline).
    app = FastAPI(
        title="Quellen",
        version="0.1.0",
        description="Fragen an deutsche Nachrichtenartikel, mit Belegen.",
        docs_url=None,
        redoc_url=None,
    )
    if archive is None:
        from rag.factory import build_archive

        archive = build_archive(settings)
    holder = RagHolder(settings, rag, archive)
    app.state.holder = holder
    hosts = [*settings.allowed_hosts, settings.host]
    headers = security_headers(_script_hashes(STATIC / "index.html"))
    app.add_middleware(GuardMiddleware, api_key=settings.api_key, allowed_hosts=hosts, headers=headers)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_errors(exc)}, status_code=422)

    @app.exception_handler(RagError)
    async def rag_error(_: Request, exc: RagError) -> JSONResponse:
        headers = {"Retry-After": "5"} if isinstance(exc, BusyError) else None
        message = NO_INDEX if isinstance(exc, NoIndexError) else _without_paths(str(exc), settings)
        if isinstance(exc, InputError):
            # the same shape as FastAPI's own 422s, so clients handle one error format
            detail: Any = [{"loc": ["body"], "msg": message, "type": "value_error"}]
        else:
            detail = message
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)

    @app.get("/health", response_model=Health)
    def health() -> Health:
        if holder.rag is None and holder.archive.version() is None:
            return Health(status="no_index", articles=0, chunks=0, embedder=None, generator=None, message=NO_INDEX)
        try:
            r = holder.get()
        except RagError as e:
            message = _without_paths(str(e), settings)
            return Health(status="error", articles=0, chunks=0, embedder=None, generator=None, message=message)
        info = r.model_info
        return Health(
            status="ok",
            articles=len(r.catalog.articles),
            chunks=len(r.catalog.chunks),
            embedder=info.embedder,
            generator=info.generator,
            judge=info.judge,
        )

    @app.post("/ask", response_model=Answer, responses=errors(401, 413, 500, 503))
    async def ask(body: AskRequest, r: RagDep, request: Request) -> Answer:
        """Answered on a worker thread; a client that leaves stops the work at the next token (as
        /ask/stream does), so it frees its admission slot and the model (issue #39)."""
        history = _history(body.history)
        stop = threading.Event()

        def answer() -> Answer:
            filters = _filters(body)
            return r.ask(body.question, top_k=body.top_k, mode=body.mode, filters=filters, history=history, stop=stop)

        async def watch() -> None:
            # request.is_disconnected() cannot see a disconnect through BaseHTTPMiddleware (its
            # cancelled check never reaches the server's receive); waiting on receive does
            while (await request.receive())["type"] != "http.disconnect":
                pass
            stop.set()

        with holder.slot():
            watcher = asyncio.ensure_future(watch())
            try:
                return await run_in_threadpool(answer)
            finally:
                stop.set()
                watcher.cancel()

    @app.post(
        "/ask/stream",
        response_class=EventSourceResponse,
        responses={
            200: {
                "description": "Events: sources, checking (with RAG_JUDGE=on, while the judge reads the quotes), "
                "token*, answer, done (or error).",
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
                    data = ev.data.model_dump(mode="json") if isinstance(ev.data, Answer) else ev.data
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
    app.include_router(upload_router)
    app.include_router(speakers_router)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    return app


def app_from_env() -> FastAPI:
    """The app of one worker of `rag serve --workers N` (settings from the RAG_* environment)."""
    return create_app(Settings())
