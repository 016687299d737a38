"""auto mode's check of a generator: can it answer a simple question with verified German?

The probe passage is built in, so the check needs no index. A model passes when it answers in
German and every sentence it writes is supported by the passage. Gemma 3 270M (base) usually
fails and auto mode then answers extractively; a capable instruction-tuned GGUF passes.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from index.article import Chunk
from index.embedder import Embedder
from rag.evidence import candidate_sentences
from rag.generator import Generator
from rag.prompt import build_messages
from rag.retrieval import Passage
from rag.text import is_german
from rag.verify import VerifyParams, split_answer, verify_sentences

log = logging.getLogger(__name__)
PROBE_VERSION = 1  # bump when the probe's questions or pass rule change

_TEXT = (
    "Die Stadt Freiburg hat am Montag einen neuen Radweg eröffnet. Er ist 12 Kilometer lang und "
    "verbindet die Innenstadt mit dem Vorort Kirchzarten. Der Bau kostete 4 Millionen Euro."
)
_ANSWERABLE = "Wie lang ist der neue Radweg in Freiburg?"
_UNANSWERABLE = "Wer hat den Radweg in Freiburg geplant?"


def _answer(generator: Generator, question: str, passages: list[Passage]) -> str:
    return "".join(generator.generate(build_messages(question, passages), 60, 0.0))


def probe_generator(generator: Generator, embedder: Embedder, params: VerifyParams) -> bool:
    """Pass = a short, verified, German answer with the asked detail ("12"), no copied
    padding ("4 Millionen"), and a refusal for a detail the passage lacks. `params` are the
    verifier's settings for `embedder`, as the pipeline uses them."""
    chunk = Chunk("probe#0", "probe", "Neuer Radweg in Freiburg", None, None, _TEXT, 0, len(_TEXT))
    passages = [Passage(0, chunk, 1.0)]
    text = _answer(generator, _ANSWERABLE, passages)
    claims = split_answer(text)
    checked = verify_sentences(claims, candidate_sentences(passages), [_TEXT], embedder, params)
    answered = (
        0 < len(checked) <= 2
        and is_german(text)
        and all(c.evidence is not None for c in checked)
        and "12" in text
        and "4 Millionen" not in text
    )
    refusal = _answer(generator, _UNANSWERABLE, passages) if answered else ""
    ok = answered and "keine angaben" in refusal.lower()
    log.info(
        "generator %s probe: %s (%r / %r)",
        generator.name,
        "passed" if ok else "failed",
        text[:200],
        refusal[:200],
    )
    return ok


class ProbeCache:
    """Remembers probe verdicts on disk, keyed by model file identity and embedder, so a CLI
    `rag ask` in auto mode does not load and probe the GGUF on every call."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @staticmethod
    def key(model: Path, embedder: str) -> str:
        st = model.stat()
        return f"{model.resolve()}|{st.st_size}|{int(st.st_mtime)}|{embedder}|v{PROBE_VERSION}"

    def get(self, key: str) -> bool | None:
        try:
            value = json.loads(self.path.read_text(encoding="utf-8")).get(key)
        except (OSError, ValueError):
            return None
        return value if isinstance(value, bool) else None

    def put(self, key: str, verdict: bool) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        data[key] = verdict
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)
