"""The index manifest: what built the index, so a mismatched reader fails loudly."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from index.chunking import ChunkingParams

FORMAT_VERSION = 3  # 2: sentence spans and vectors stored with the articles; 3: names and quotations
# Older formats that load without re-embedding: their missing parts are computed on load, and
# the next save (any change, or `rag reindex`) writes the current format.
MIGRATABLE = (2,)
FILE = "manifest.json"


@dataclass
class Manifest:
    embedder: str
    dim: int
    chunking: ChunkingParams = field(default_factory=ChunkingParams)
    format_version: int = FORMAT_VERSION
    articles: int = 0
    chunks: int = 0
    next_row: int = 0
    generation: int = 0
    speech_version: int = 0  # the `index.speech.VERSION` that found the stored names and quotations

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def save(self, directory: Path) -> None:
        (directory / FILE).write_text(json.dumps(self.to_dict(), indent=1), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> Manifest:
        d = json.loads((directory / FILE).read_text(encoding="utf-8"))
        d["chunking"] = ChunkingParams(**d["chunking"])
        return cls(**d)
