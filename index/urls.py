"""URLs shown to people (in /health, answers, logs and errors) never carry a password."""

from __future__ import annotations

from urllib.parse import urlsplit


def without_credentials(url: str) -> str:
    """`url` without its user and password: scheme, host, path and query stay as written."""
    netloc = urlsplit(url).netloc
    if "@" not in netloc:
        return url
    head, sep, rest = url.partition("//")
    return head + sep + rest.replace(netloc, netloc.rpartition("@")[2], 1)
