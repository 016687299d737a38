"""Service hardening: API key, request size limit, request ids and opaque 500s.

Pure ASGI/Starlette middleware, so it also guards streaming routes.
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
MAX_BODY_BYTES = 64 * 1024
BODY_LIMITED_PREFIXES = ("/ask", "/v1/chat")


class GuardMiddleware(BaseHTTPMiddleware):
    def __init__(self, app: object, api_key: str | None) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.api_key = api_key

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        request_id = uuid.uuid4().hex[:12]
        if self.api_key and request.url.path not in OPEN_PATHS:
            given = request.headers.get("authorization", "")
            expected = f"Bearer {self.api_key}"
            if not hmac.compare_digest(given.encode(), expected.encode()):
                return JSONResponse(
                    {"detail": "missing or wrong API key: send 'Authorization: Bearer <key>'"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
        if request.url.path.startswith(BODY_LIMITED_PREFIXES):
            length = request.headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
                return JSONResponse(
                    {"detail": f"request body larger than {MAX_BODY_BYTES // 1024} KiB"}, status_code=413
                )
            if length is None and request.method == "POST":
                body = await request.body()  # chunked upload: read (bounded by the server) and check
                if len(body) > MAX_BODY_BYTES:
                    return JSONResponse(
                        {"detail": f"request body larger than {MAX_BODY_BYTES // 1024} KiB"}, status_code=413
                    )
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
        return response
