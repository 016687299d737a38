"""The real embedder shared by threads: the ONNX query encoder and sentence-transformers use one
tokenizer, whose padding and truncation state concurrent calls used to change under each other
(issue 12, item 4: "expected sequence of length 59 at dim 1 (got 57)")."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from index.embedder import Embedder

TEXTS = [
    "Hegseth und Dong trafen sich am Rande des Asean-Gipfels in Malaysia.",
    "Die Taiwan-Frage sei laut Trump nicht angesprochen worden.",
    "Kurz.",
    "Peking sieht das demokratisch regierte Taiwan als abtrünnige Provinz, die wieder mit dem Festland "
    "vereinigt werden soll – notfalls auch mit Gewalt, und die USA liefern die meisten Waffen an die Insel.",
]


def test_eight_threads_embedding_at_once_get_the_serial_results(embedder: Embedder) -> None:
    batches = [TEXTS[i % 4 :] + TEXTS[: i % 4][: i % 3] for i in range(8)]  # different lengths per thread
    expected_docs = [embedder.embed_documents(b) for b in batches]
    expected_query = [embedder.embed_query(t) for t in TEXTS]

    def work(i: int) -> tuple[np.ndarray, np.ndarray]:
        docs = q = None
        for _ in range(40):  # without the lock this raised "expected sequence of length 50 at dim 1 (got 24)"
            docs = embedder.embed_documents(batches[i])
            q = embedder.embed_query(TEXTS[i % 4])
        assert docs is not None and q is not None
        return docs, q

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(8)))
    for i, (docs, q) in enumerate(results):
        np.testing.assert_allclose(docs, expected_docs[i], atol=1e-4)
        np.testing.assert_allclose(q, expected_query[i % 4], atol=1e-4)
