"""Request bodies of the HTTP API (responses reuse `rag.answer.Answer`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, GetJsonSchemaHandler

from index.readers import NON_BLANK, NUL_FREE_TEXT, VISIBLE_TEXT, nul_free
from rag.config import MAX_TOP_K
from rag.question import MAX_QUESTION_CHARS


def _encodable(text: str) -> str:
    """JSON allows "\\ud800" (half of a surrogate pair); no answer containing it could be sent.
    It allows "\\u0000" too, which the Postgres store cannot keep or search (`nul_free`)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains an unpaired surrogate (\\ud800-\\udfff); send valid Unicode") from None
    return nul_free(text)


class _NulFreeInSchema:
    """Says in the JSON Schema what `_encodable` checks, so clients and fuzzers know that U+0000 is
    refused; the check itself stays in `_encodable`, whose 422 names U+0000."""

    @classmethod
    def __get_pydantic_json_schema__(cls, core: Any, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        schema: dict[str, Any] = handler(core)
        schema["pattern"] = VISIBLE_TEXT if schema.get("pattern") == NON_BLANK else NUL_FREE_TEXT
        return schema


Text = Annotated[str, AfterValidator(_encodable), _NulFreeInSchema()]


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: Text = Field(max_length=20_000)


class AskRequest(BaseModel):
    question: Text = Field(
        min_length=1, max_length=MAX_QUESTION_CHARS, pattern=NON_BLANK, description="Die Frage (not blank)."
    )
    top_k: int | None = Field(None, ge=1, le=MAX_TOP_K, description="Passages to answer from; default: RAG_TOP_K.")
    mode: Literal["auto", "extractive", "generative"] | None = None
    since: dt.date | None = Field(None, description="ISO date; only articles from this day on.")
    until: dt.date | None = Field(None, description="ISO date; only articles up to this day.")
    source: Text | None = Field(None, max_length=200)
    include_undated: bool = False
    history: list[Turn] = Field(default_factory=list, max_length=50)


class Health(BaseModel):
    status: Literal["ok", "no_index", "error"]
    articles: int
    chunks: int
    embedder: str | None
    generator: str | None
    judge: str | None = Field(None, description="The judge's model when RAG_JUDGE=on, else 'none'.")
    message: str | None = None
