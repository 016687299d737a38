"""A file uploaded to `POST /articles` (multipart/form-data): a PDF, DOCX, HTML, text or
Markdown document becomes the JSON article that the same route takes, so both ways in pass the
same checks (id, sizes, sentence count) and the same write.

The route stays one operation with two request types (the OpenAPI schema lists both). FastAPI
reads a declared JSON body from any request, so a multipart request is turned into its JSON
equivalent before FastAPI sees it (`DocumentUploadRoute`); the API key and host checks run
earlier, in the middleware, for both.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from index.errors import InputError, TooLargeError
from index.readers import ARTICLE_ID, MAX_FILE_BYTES, ONE_ARTICLE, article_from_bytes

# Form fields besides the file; each replaces what the document says (its metadata or name).
FIELDS = ("id", "title", "date", "url", "source")
_NOT_ID = re.compile(r"[^A-Za-z0-9_.:@+\-]+")

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": f"One article: {', '.join(ONE_ARTICLE)}. Title and date come from "
                            "its metadata, else its first line; the id from the file name.",
                        },
                        **{name: {"type": "string"} for name in FIELDS},
                    },
                }
            }
        }
    }
}


def article_id_of(filename: str) -> str:
    """An article id from a file name's stem: „Pressemitteilung März.pdf“ → „Pressemitteilung-Marz“."""
    stem = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0]
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    found = _NOT_ID.sub("-", ascii_stem).strip("-.")[:200]
    if not found or re.fullmatch(ARTICLE_ID, found) is None:
        raise InputError(f"file {filename!r}: no article id in its name; send one in the form field 'id'")
    return found


async def uploaded_article(request: Request) -> dict[str, Any]:
    """The uploaded file as an article's JSON fields; InputError names the file and the problem."""
    try:
        form = await request.form(max_files=1, max_fields=len(FIELDS))
    except HTTPException as e:  # starlette's 400 for a malformed form or one with too many parts
        raise InputError(f"form: {e.detail} (one file, and the fields {', '.join(FIELDS)})") from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InputError("file: missing; send the document in the form field 'file'")
        name = upload.filename or ""
        data = await upload.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise TooLargeError(f"file {name!r}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        fields = {k: v for k in FIELDS if isinstance(v := form.get(k), str) and v.strip()}
    finally:
        await form.close()  # the spooled upload's temporary file
    try:
        article = article_from_bytes(name, data)
    except ValueError as e:
        raise InputError(f"file {name!r}: {e}") from None
    return {
        "id": fields.get("id") or article_id_of(name),
        "title": article.title,
        "text": article.text,
        "date": article.date,
        "url": article.url,
        "source": article.source,
        **fields,
    }


def _as_json(request: Request, body: bytes) -> Request:
    headers = [(k, v) for k, v in request.scope["headers"] if k not in (b"content-type", b"content-length")]
    headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request({**request.scope, "headers": headers}, receive)


class DocumentUploadRoute(APIRoute):
    """A JSON route that also takes one uploaded document as multipart/form-data."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle_json = super().get_route_handler()

        async def handle(request: Request) -> Response:
            if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
                body = json.dumps(await uploaded_article(request), ensure_ascii=False).encode()
                request = _as_json(request, body)
            return await handle_json(request)

        return handle
