"""Documented error responses, so the OpenAPI schema tells clients every status they may get."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorOut(BaseModel):
    detail: str


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        401: "Missing or wrong API key.",
        404: "No such article.",
        413: "Request body too large.",
        500: "Internal error (with a request id).",
        503: "No index yet, model unavailable, or too many waiting requests (see Retry-After).",
    }
    return {c: {"model": ErrorOut, "description": text[c]} for c in codes}
