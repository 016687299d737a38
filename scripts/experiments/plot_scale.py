"""docs/scale.png from `rag bench scale --json` outputs: vector search p50 and p95 against corpus
size, for both stores (log-log).

    .venv/bin/python scripts/experiments/plot_scale.py docs/scale.json docs/scale.png
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # a file, no display
import matplotlib.pyplot as plt


def main(source: Path, target: Path) -> None:
    rows = json.loads(source.read_text())["rows"]
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    for store, colour in (("file", "tab:blue"), ("postgres", "tab:orange")):
        mine = sorted((r for r in rows if r["store"] == store), key=lambda r: r["vectors"])
        if not mine:
            continue
        sizes = [r["vectors"] for r in mine]
        label = "Dateien (FAISS HNSW)" if store == "file" else "PostgreSQL (pgvector HNSW)"
        ax.plot(sizes, [r["p50_ms"] for r in mine], "o-", color=colour, label=f"{label}, p50")
        ax.plot(sizes, [r["p95_ms"] for r in mine], "s--", color=colour, alpha=0.6, label=f"{label}, p95")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("Vektoren im Index (768 Dimensionen)")
    ax.set_ylabel("Vektorsuche, ms pro Frage (top 10)")
    ax.set_title("Suche gegen Korpusgröße (2 Kerne, eine Messung)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(target)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
