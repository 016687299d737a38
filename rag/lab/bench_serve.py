"""Real `rag serve` processes under load, for `rag bench scale` (answers per second with 1, 2
and 4 workers, RSS of one process per store) and `rag bench soak` (hours-long behaviour in
minutes: statuses, lost or doubled articles, memory growth).

Everything runs on 127.0.0.1 and is bounded: a fixed number of clients, each with one request
in flight, and a fixed duration. Answers are extractive (`RAG_GENERATOR=none`): the numbers are
the archive's and the API's, not a language model's.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from index.errors import RagError
from rag.lab.evaluate import percentile


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(env: dict[str, str], workers: int, log: Path, ready_s: float = 300) -> Iterator[tuple[str, psutil.Process]]:
    """`rag serve --workers N` on a free loopback port until the block ends; yields its URL and
    the process (its workers are its children)."""
    port = free_port()
    inherited = {k: v for k, v in os.environ.items() if k != "RAG_DATABASE_URL"}  # the store is `env`'s
    # The cores are shared out: N workers with 2 threads each on 2 cores measured fewer answers
    # per second than one worker (14.5 with 4, 18.5 with 1), all waiting on each other.
    threads = str(max(1, (os.cpu_count() or 1) // workers))
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", str(workers)],
            env={**inherited, "RAG_THREADS": threads, **env, "RAG_GENERATOR": "none"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_s
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=5).json().get("status") == "ok":
                    break
            except (httpx.HTTPError, ValueError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RagError(f"rag serve did not come up: {log.read_text()[-1500:]}")
            time.sleep(0.5)
        yield url, psutil.Process(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def rss_mb(proc: psutil.Process) -> float:
    """Resident memory of a server: the process and all its children (API workers, or the
    Postgres server's backends)."""
    procs = [proc, *proc.children(recursive=True)]
    total = 0
    for p in procs:
        with suppress(psutil.Error):
            total += p.memory_info().rss
    return total / 2**20


@dataclass
class Load:
    """Clients that each ask one question at a time until `stop` is set."""

    url: str
    questions: list[str]
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    bad: list[str] = field(default_factory=list)  # responses other than 200 and 503 + Retry-After
    stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(timeout=120) as http:
            while not self.stop.is_set():
                body = {"question": rng.choice(self.questions), "mode": "extractive"}
                t0 = time.perf_counter()
                try:
                    r = http.post(f"{self.url}/ask", json=body)
                except httpx.HTTPError as e:
                    with self._lock:
                        self.bad.append(f"{type(e).__name__}: {e}")
                    continue
                ms = (time.perf_counter() - t0) * 1000
                with self._lock:
                    self.statuses[r.status_code] += 1
                    if r.status_code == 200:
                        self.latencies_ms.append(ms)
                    elif r.status_code == 503 and r.headers.get("retry-after"):
                        pass
                    else:
                        self.bad.append(f"{r.status_code}: {r.text[:200]}")
                if r.status_code == 503:
                    time.sleep(float(r.headers.get("retry-after", "1")))

    def run(self, clients: int) -> list[threading.Thread]:
        threads = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(clients)]
        for t in threads:
            t.start()
        return threads


def percentiles(ms: list[float]) -> dict[str, float | None]:
    if not ms:
        return {"p50_ms": None, "p95_ms": None}
    return {"p50_ms": round(percentile(ms, 0.5), 1), "p95_ms": round(percentile(ms, 0.95), 1)}


def throughput(
    env: dict[str, str], questions: list[str], workers: int, clients: int, seconds: float, log: Path
) -> dict[str, Any]:
    """Answers per second and latency of `workers` API processes under `clients` concurrent clients."""
    with serving(env, workers, log) as (url, proc):
        for q in questions[: 4 * workers]:  # every worker loads its models on its first question
            httpx.post(f"{url}/ask", json={"question": q, "mode": "extractive"}, timeout=300)
        load = Load(url, questions)
        threads = load.run(clients)
        time.sleep(seconds)
        load.stop.set()
        for t in threads:
            t.join(timeout=180)
        rss = rss_mb(proc)
    ok = load.statuses.get(200, 0)
    return {
        "n": workers,
        "answers_per_s": round(ok / seconds, 2),
        **percentiles(load.latencies_ms),
        "busy_503": load.statuses.get(503, 0),
        "other": len(load.bad),
        "rss_mb": round(rss, 1),
    }


def _all_ids(http: httpx.Client, url: str) -> list[str]:
    ids: list[str] = []
    while True:
        page = http.get(f"{url}/articles", params={"offset": len(ids), "limit": 100}).json()
        ids += [a["id"] for a in page["items"]]
        if not page["items"] or len(ids) >= page["total"]:
            return ids


def _soak_article(i: int) -> dict[str, str]:
    return {
        "id": f"soak-{i:06d}",
        "title": f"Stadtrat Musterhausen, Sitzung {i}",
        "text": f"Der Stadtrat von Musterhausen hat in seiner Sitzung Nummer {i} einen Haushalt beschlossen. "
        f"Bürgermeisterin Anna Beispiel sagte, die Stadt investiere {i % 90 + 10} Millionen Euro in Schulen. "
        "Die Opposition kritisierte die Pläne als zu teuer.",
    }


def soak(
    env: dict[str, str], questions: list[str], minutes: float, log: Path, clients: int = 16, workers: int = 2
) -> dict[str, Any]:
    """`clients` ask while one client adds an article and deletes the one before, for `minutes`."""
    samples: list[tuple[float, float]] = []
    writes: Counter[str] = Counter()
    write_bad: list[str] = []
    with serving(env, workers, log) as (url, proc), httpx.Client(timeout=120) as http:
        for q in questions[: 4 * workers]:
            http.post(f"{url}/ask", json={"question": q, "mode": "extractive"})
        initial = _all_ids(http, url)
        load = Load(url, questions)
        threads = load.run(clients)
        alive: list[str] = []  # soak articles that should exist now

        def write() -> None:
            i = 0
            while not load.stop.is_set():
                a = _soak_article(i)
                r = http.post(f"{url}/articles", json=a)
                writes[f"POST {r.status_code}"] += 1
                if r.status_code == 200:
                    alive.append(a["id"])
                elif not (r.status_code == 503 and r.headers.get("retry-after")):
                    write_bad.append(f"POST {r.status_code}: {r.text[:200]}")
                if len(alive) > 1:
                    gone = alive[0]
                    r = http.delete(f"{url}/articles/{gone}")
                    writes[f"DELETE {r.status_code}"] += 1
                    if r.status_code == 200:
                        alive.remove(gone)
                    elif not (r.status_code == 503 and r.headers.get("retry-after")):
                        write_bad.append(f"DELETE {r.status_code}: {r.text[:200]}")
                i += 1
                time.sleep(1.0)

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        t0 = time.monotonic()
        while (elapsed := time.monotonic() - t0) < minutes * 60:
            samples.append((elapsed / 60, rss_mb(proc)))
            time.sleep(min(30.0, max(0.0, minutes * 60 - elapsed)))
        load.stop.set()
        writer.join(timeout=180)
        for t in threads:
            t.join(timeout=180)
        samples.append(((time.monotonic() - t0) / 60, rss_mb(proc)))
        final = _all_ids(http, url)
    expected = set(initial) | set(alive)
    at5 = min(samples, key=lambda s: abs(s[0] - min(5.0, minutes / 4)))[1]
    end = samples[-1][1]
    return {
        "minutes": minutes,
        "workers": workers,
        "clients": clients,
        "answers": load.statuses.get(200, 0),
        "statuses": dict(load.statuses),
        "writes": dict(writes),
        "bad_responses": (load.bad + write_bad)[:20],
        "bad_count": len(load.bad) + len(write_bad),
        **percentiles(load.latencies_ms),
        "articles_lost": sorted(expected - set(final)),
        "articles_unexpected": sorted(set(final) - expected),
        "articles_duplicated": sorted(a for a, n in Counter(final).items() if n > 1),
        "rss_mb_at_5_min": round(at5, 1),
        "rss_mb_at_end": round(end, 1),
        "rss_growth": round(end / at5 - 1, 4),
        "rss_samples": [(round(m, 2), round(r, 1)) for m, r in samples],
    }
