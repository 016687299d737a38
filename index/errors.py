"""The error tree shared by every layer: messages say what went wrong and what to do next.

It lives in `index` (the bottom layer) so that `rag` and `api` can raise and map the same
classes without importing upwards.
"""

from __future__ import annotations


class RagError(Exception):
    """Base class: the message is shown to the user as is (CLI: one line, exit 1)."""

    status_code = 400


class InputError(RagError):
    """Bad user input (a file, a question, a parameter); names the input."""

    status_code = 422


class TooLargeError(InputError):
    """Input over a size limit (the limit is in the message)."""

    status_code = 413


class NoIndexError(RagError):
    """No index exists yet in the data directory."""

    status_code = 503


class IndexMismatchError(RagError):
    """The stored index was built with another embedder or format."""

    status_code = 503


class ModelError(RagError):
    """A model file is missing or cannot be loaded."""

    status_code = 503


class GeneratorUnavailable(RagError):
    """A remote generator could not be reached, refused, or was too slow; the read path answers
    extractively instead."""

    status_code = 503


class StoreUnavailable(RagError):
    """The database named by RAG_DATABASE_URL cannot be reached."""

    status_code = 503


class BusyError(RagError):
    """Too many requests wait for the model; retry later."""

    status_code = 503


class NotFoundError(RagError):
    """A named article does not exist."""

    status_code = 404
