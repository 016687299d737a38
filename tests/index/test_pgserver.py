"""`rag db start|stop` and the errors a wrong RAG_DATABASE_URL gets."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from index.archive import PgArchive
from index.article import Article
from index.build import upsert_articles
from index.embedder import HashEmbedder
from index.errors import InputError, StoreUnavailable
from index.pgserver import start, stop
from index.urls import without_credentials
from rag.config import Settings
from rag.factory import build_archive


def rag(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, timeout=120)


def test_db_start_prints_a_url_to_a_socket_only_server_and_stop_stops_it(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    started = rag("db", "start", str(folder))
    assert started.returncode == 0, started.stderr
    url = started.stdout.strip().removeprefix("export RAG_DATABASE_URL='").removesuffix("'")
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


def stopped_archive(folder: Path, embedder: HashEmbedder) -> PgArchive:
    """An archive of one article on a database that was started, filled and stopped."""
    archive = PgArchive(start(folder))
    try:
        upsert_articles(archive, [Article("a1", "Hafen", "Der Hafen wächst. Neue Kräne kommen.")], embedder)
    finally:
        assert stop(folder)
    return archive


def test_a_database_that_went_away_is_a_quick_503_naming_it(tmp_path: Path, hash_embedder: HashEmbedder) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    archive = stopped_archive(tmp_path / "db", hash_embedder)
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
    tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    """Issue #39 item 7: each request waited out its own pool timeout (5 s) one after another
    behind RagHolder's lock, so 8 waiting questions got their 503s after up to 45 s."""
    from concurrent.futures import ThreadPoolExecutor

    from fastapi.testclient import TestClient

    from api.app import create_app

    archive = stopped_archive(tmp_path / "db", hash_embedder)
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
