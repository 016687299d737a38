"""A burst of 50 concurrent clients on loopback: only 200 or 503 (with Retry-After), never a
hang, and /health answers during and after the burst."""

from __future__ import annotations

import concurrent.futures as cf
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from index.embedder import Embedder
from rag.config import Settings
from rag.factory import build_rag
from rag.generator import LlamaCppGenerator
from rag.reader.onnx_reader import Reader
from tests.api.conftest import serve


@pytest.fixture(scope="module")
def load_server(
    seed_data_dir: Path, embedder: Embedder, reader: Reader, gemma: LlamaCppGenerator, model_settings: Settings
) -> Iterator[str]:
    settings = model_settings.model_copy(update={"data_dir": seed_data_dir, "max_tokens": 16, "max_waiting": 8})
    yield from serve(create_app(settings, build_rag(settings, embedder=embedder, reader=reader, generator=gemma)))


def test_fifty_concurrent_clients_get_200_or_503(load_server: str) -> None:
    body = {"question": "Was wurde über Taiwan gesagt?", "mode": "generative"}

    def one(_: int) -> tuple[int, str | None]:
        r = httpx.post(load_server + "/ask", json=body, timeout=300)
        return r.status_code, r.headers.get("retry-after")

    health: list[int] = []
    with cf.ThreadPoolExecutor(max_workers=50) as pool:
        futures = [pool.submit(one, i) for i in range(50)]
        time.sleep(0.5)
        while not all(f.done() for f in futures):
            t0 = time.perf_counter()
            health.append(httpx.get(load_server + "/health", timeout=10).status_code)
            assert time.perf_counter() - t0 < 5, "/health stalled during the burst"
            time.sleep(0.5)
        results = [f.result() for f in futures]
    codes = Counter(code for code, _ in results)
    assert set(codes) <= {200, 503}, codes
    assert codes[200] >= 1 and codes[503] >= 1, codes  # some served, the rest turned away fast
    assert all(ra is not None and int(ra) > 0 for code, ra in results if code == 503)
    assert health and set(health) == {200}
    assert httpx.get(load_server + "/health", timeout=10).json()["status"] == "ok"
    # the queue drained: a new question is answered again
    assert httpx.post(load_server + "/ask", json=body, timeout=300).status_code == 200
