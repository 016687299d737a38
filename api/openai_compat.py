"""OpenAI-compatible chat endpoint, so standard clients (Open WebUI, editors, the `openai`
package) can ask Quellen. The last user message is the question, earlier turns the history.

Only the final, verified answer is sent, also when streaming: the model's raw tokens are not
trustworthy until verification has run. Citations travel in an extra `sources` field.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from api.deps import RagDep
from api.errors import errors
from api.schemas import Text
from index.errors import InputError
from rag.answer import Answer
from rag.generator import Message

MODEL_ID = "quellen"
# `[text](url)` and `![alt](url)` in a quoted article: the clients of this route render Markdown,
# so an article could show an image from anywhere (a tracking pixel) or a link dressed as text.
_MARKDOWN_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(")


def as_plain_markdown(text: str) -> str:
    """`text` with Markdown image and link syntax escaped, so a client shows it as written; the
    citation markers [n] are not followed by „(“ and stay as they are (issue #39)."""
    return _MARKDOWN_LINK.sub(lambda m: f"{m.group(1)}\\[{m.group(2)}\\](", text)


router = APIRouter(prefix="/v1", tags=["openai"])


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: Text | None = Field(None, max_length=20_000)


class ChatRequest(BaseModel):
    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1, max_length=50)
    stream: bool = False
    temperature: float | None = None
    max_tokens: int | None = None


def _question_and_history(messages: list[ChatMessage]) -> tuple[str, list[Message]]:
    turns = [m for m in messages if m.role in ("user", "assistant") and m.content]
    if not turns or turns[-1].role != "user":
        raise InputError("messages: the last message must be a non-empty user message")
    history: list[Message] = [{"role": m.role, "content": m.content or ""} for m in turns[:-1]]
    return turns[-1].content or "", history


def _sources(answer: Answer) -> list[dict[str, Any]]:
    return [c.model_dump() for c in (answer.citations or answer.related)]


@router.get("/models")
def list_models() -> dict[str, Any]:
    return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "quellen"}]}


@router.post(
    "/chat/completions",
    response_model=None,
    responses={
        200: {
            "description": "A chat.completion object, or chat.completion.chunk events when stream is true.",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/event-stream": {"schema": {"type": "object"}},
            },
        },
        **errors(401, 413, 500, 503),
    },
)
async def chat_completions(body: ChatRequest, r: RagDep, request: Request) -> dict[str, Any] | StreamingResponse:
    question, history = _question_and_history(body.messages)

    def answer_it() -> Answer:
        with request.app.state.holder.slot():
            return r.ask(question, history=history)

    answer: Answer = await run_in_threadpool(answer_it)
    cid = "chatcmpl-" + uuid.uuid4().hex[:24]
    created = int(time.time())
    if not body.stream:
        return {
            "id": cid,
            "object": "chat.completion",
            "created": created,
            "model": MODEL_ID,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": as_plain_markdown(answer.answer)},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            "sources": _sources(answer),
            "abstained": answer.abstained,
            "abstain_reason": answer.abstain_reason,
        }

    def chunks() -> Iterator[str]:
        def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
            obj = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": MODEL_ID,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                **extra,
            }
            return "data: " + json.dumps(obj, ensure_ascii=False) + "\n\n"

        yield chunk({"role": "assistant", "content": ""})
        for line in as_plain_markdown(answer.answer).splitlines(keepends=True):
            yield chunk({"content": line})
        yield chunk(
            {}, "stop", sources=_sources(answer), abstained=answer.abstained, abstain_reason=answer.abstain_reason
        )
        yield "data: [DONE]\n\n"

    return StreamingResponse(chunks(), media_type="text/event-stream")
