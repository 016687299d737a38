"""Two `rag serve` processes on one Postgres database answer from the same archive.

Real processes, the real EmbeddingGemma and the embedded PostgreSQL server: an article posted
to one worker is answered by the other within a second, and a deletion there is gone here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from index.readers import read_paths
from rag.config import Settings
from rag.lab.bench_serve import free_port
from tests.conftest import SEEDS, wait_for_http

RADWEG = {
    "id": "freiburg-radweg",
    "title": "Freiburg eröffnet Radweg an der Dreisam",
    "text": "Die Stadt Freiburg hat am Montag einen neuen Radweg entlang der Dreisam eröffnet. "
    "Der Bau kostete nach Angaben der Stadt 4,2 Millionen Euro. "
    "Oberbürgermeister Martin Horn sagte, der Radweg verbinde den Osten der Stadt mit der Innenstadt.",
    "date": "2025-10-06",
    "source": "Badische Zeitung",
}
QUESTION = "Wie viel kostete der Radweg an der Dreisam?"


@pytest.fixture()
def workers(pg_url: str, model_settings: Settings, tmp_path: Path) -> Iterator[list[str]]:
    env = {
        **os.environ,
        "RAG_DATABASE_URL": pg_url,
        "RAG_MODELS_DIR": str(model_settings.models_dir),
        "RAG_DATA_DIR": str(tmp_path / "unused"),  # the database is the index; this folder stays empty
        "RAG_GENERATOR": "none",
    }
    procs, urls = [], []
    for n in range(2):
        port = free_port()
        log = (tmp_path / f"worker{n}.log").open("w")
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "api.cli", "serve", "--port", str(port)], env=env, stdout=log, stderr=log
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for n, url in enumerate(urls):
            wait_for_http(f"{url}/health", procs[n], tmp_path / f"worker{n}.log")
        yield urls
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
    assert not (tmp_path / "unused").exists() or not any((tmp_path / "unused").iterdir())


def _ask(url: str, question: str) -> dict:  # type: ignore[type-arg]
    r = httpx.post(f"{url}/ask", json={"question": question, "mode": "extractive"}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_two_workers_on_one_database_answer_from_the_same_archive(workers: list[str]) -> None:
    one, two = workers
    seed = read_paths([SEEDS]).articles[0]
    r = httpx.post(f"{one}/articles", json={"id": seed.id, "title": seed.title, "text": seed.text}, timeout=120)
    assert r.status_code == 200 and r.json()["added"] == [seed.id], r.text
    taiwan = _ask(two, "Was wurde über Taiwan gesagt?")
    assert not taiwan["abstained"] and {c["article_id"] for c in taiwan["citations"]} == {seed.id}
    assert _ask(one, "Was wurde über Taiwan gesagt?")["answer"] == taiwan["answer"]

    before = _ask(two, QUESTION)
    assert before["abstained"]
    r = httpx.post(f"{one}/articles", json=RADWEG, timeout=120)
    assert r.status_code == 200, r.text
    posted = time.monotonic()
    answer = _ask(two, QUESTION)
    delay = time.monotonic() - posted
    assert not answer["abstained"] and "4,2 Millionen Euro" in answer["answer"]
    assert answer["citations"][0]["article_id"] == "freiburg-radweg"
    assert delay < 1.0, f"the other worker answered {delay:.2f} s after the write"
    assert httpx.get(f"{two}/health", timeout=5).json()["articles"] == 2

    assert httpx.delete(f"{two}/articles/freiburg-radweg", timeout=30).status_code == 200
    assert _ask(one, QUESTION)["abstained"]
    assert httpx.get(f"{one}/articles/freiburg-radweg", timeout=5).status_code == 404


def test_rag_serve_with_two_worker_processes_on_one_port(pg_url: str, model_settings: Settings, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "RAG_DATABASE_URL": pg_url,
        "RAG_MODELS_DIR": str(model_settings.models_dir),
        "RAG_GENERATOR": "none",
        "RAG_THREADS": "1",
    }
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/health", proc, log)
        workers = psutil.Process(proc.pid).children(recursive=True)
        assert len([p for p in workers if "python" in p.name()]) >= 2, "uvicorn did not start two workers"
        assert httpx.post(f"{url}/articles", json=RADWEG, timeout=120).status_code == 200
        answers = {_ask(url, QUESTION)["answer"] for _ in range(6)}  # each by whichever worker accepts it
        assert len(answers) == 1 and "4,2 Millionen Euro" in answers.pop()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
