"""What every `rag` sub-command shares: clean one-line errors and settings from flags."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from pydantic import ValidationError

from index.errors import InputError, RagError
from rag.config import Settings

F = TypeVar("F", bound=Callable[..., Any])


def fail_cleanly(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RagError as e:
            typer.echo(f"Fehler: {e}", err=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def settings_from(**overrides: Any) -> Settings:
    """Settings from the RAG_* variables and the flags given; a bad value fails as one line naming it."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as e:
        raise InputError("; ".join(_problem(err) for err in e.errors())) from None


def _problem(err: Any) -> str:
    message = str(err["msg"]).removeprefix("Value error, ")
    if not err["loc"]:  # a rule across settings: its message names them
        return message
    return f"RAG_{str(err['loc'][0]).upper()}={err['input']!r}: {message}"
