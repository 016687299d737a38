"""Service hardening: allowed hosts, API key, request size limits, security headers, request
ids and opaque 500s.

Pure ASGI/Starlette middleware, so it also guards streaming routes. The Host check closes the
DNS-rebinding hole: a page on attacker.example whose name resolves to 127.0.0.1 would otherwise
reach an open local server with the browser's help.
"""

from __future__ import annotations

import hmac
import logging
import uuid

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger("quellen.api")
OPEN_PATHS = {"/", "/health"}
MAX_BODY_BYTES = 64 * 1024  # a question with its history is a few KiB
MAX_ARTICLES_BODY_BYTES = 8 * 1024 * 1024  # POST /articles: many articles at once (see index.readers limits)
BODY_LIMITED_PREFIXES = ("/ask", "/v1/chat")


def body_limit(path: str) -> int | None:
    if path.startswith(BODY_LIMITED_PREFIXES):
        return MAX_BODY_BYTES
    if path == "/articles":
        return MAX_ARTICLES_BODY_BYTES
    return None


def bearer_token(header: str) -> str | None:
    """The credentials of an `Authorization: Bearer <token>` header; the scheme is
    case-insensitive and may be followed by several spaces (RFC 7235)."""
    scheme, _, rest = header.strip().partition(" ")
    return rest.strip() if scheme.lower() == "bearer" and rest.strip() else None


def host_name(host_header: str) -> str:
    """ "127.0.0.1:8000" → "127.0.0.1", "[::1]:8000" → "::1"."""
    h = host_header.strip().lower()
    if h.startswith("["):
        return h[1 : h.find("]")] if "]" in h else h
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


def security_headers(script_hashes: list[str]) -> dict[str, str]:
    scripts = " ".join(f"'sha256-{h}'" for h in script_hashes)
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; script-src {scripts}; style-src 'unsafe-inline'; connect-src 'self'; "
            "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    }


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse({"detail": f"request body larger than {limit // 1024} KiB"}, status_code=413)


class GuardMiddleware(BaseHTTPMiddleware):
    def __init__(
        self, app: object, api_key: str | None, allowed_hosts: list[str], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.api_key = api_key
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.headers = headers or {}

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        request_id = uuid.uuid4().hex[:12]
        host = host_name(request.headers.get("host", ""))
        if "*" not in self.allowed_hosts and host not in self.allowed_hosts:
            return JSONResponse(
                {"detail": "host not allowed: add it to RAG_ALLOWED_HOSTS to serve it"}, status_code=400
            )
        if self.api_key and request.url.path not in OPEN_PATHS:
            given = bearer_token(request.headers.get("authorization", "")) or ""
            if not hmac.compare_digest(given.encode(), self.api_key.encode()):
                return JSONResponse(
                    {"detail": "missing or wrong API key: send 'Authorization: Bearer <key>'"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
        limit = body_limit(request.url.path)
        if limit is not None:
            length = request.headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > limit):
                return _too_large(limit)
            if length is None and request.method == "POST":
                body = await request.body()  # chunked upload: read (bounded by the server) and check
                if len(body) > limit:
                    return _too_large(limit)
        try:
            response = await call_next(request)
        except Exception:
            log.exception("unhandled error in request %s", request_id)
            return JSONResponse(
                {"detail": "internal error", "request_id": request_id},
                status_code=500,
                headers={"X-Request-ID": request_id},
            )
        response.headers["X-Request-ID"] = request_id
        for k, v in self.headers.items():
            response.headers.setdefault(k, v)
        return response
