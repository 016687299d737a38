"""`rag bench`: our overhead against the raw libraries (ratios), and `rag bench scale`: both
stores at growing corpus sizes. Benchmarks are commands, not timed tests: this machine is noisy."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from index.errors import InputError
from rag.cli_common import fail_cleanly, settings_from

bench_app = typer.Typer(help="Benchmarks (one run; report ratios, this machine is noisy).")


@bench_app.callback(invoke_without_command=True)
@fail_cleanly
def bench(
    ctx: typer.Context,
    data_dir: Annotated[Optional[Path], typer.Option(help="Index directory.")] = None,
    generation: Annotated[bool, typer.Option(help="Also compare generation with raw llama-cpp-python.")] = True,
) -> None:
    """Our search and generation against raw FAISS and raw llama-cpp-python (ratios)."""
    if ctx.invoked_subcommand is not None:
        return
    from rag.bench import bench_generation, bench_search
    from rag.factory import build_rag
    from rag.generator import LlamaCppGenerator

    rag = build_rag(settings_from(data_dir=data_dir))
    result: dict[str, Any] = {"search": bench_search(rag)}
    if generation and isinstance(rag.generator, LlamaCppGenerator):
        result["generation"] = bench_generation(rag.generator)
    typer.echo(json.dumps(result, indent=1))


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise InputError(f"--sizes: {text!r} is not a comma-separated list of numbers") from None
    if not sizes or min(sizes) < 100:
        raise InputError(f"--sizes: {text!r}: give sizes of at least 100 vectors")
    return sizes


def _questions(path: Path | None) -> list[str]:
    from rag.bench import QUESTIONS
    from rag.evaluate import read_jsonl

    if path is None:
        return QUESTIONS
    found = [str(d["question"]) for d in read_jsonl(path) if d.get("question")]
    if not found:
        raise InputError(f"{path}: no 'question' fields")
    return found


@bench_app.command("scale")
@fail_cleanly
def scale(
    articles: Annotated[
        Optional[list[Path]],
        typer.Option(help="Articles (JSONL) whose chunk vectors are the real row; default: the index."),
    ] = None,
    questions: Annotated[Optional[Path], typer.Option(help="Questions (JSONL, 'question') for the queries.")] = None,
    sizes: Annotated[str, typer.Option(help="Corpus sizes; the real row is added.")] = "200000,1000000",
    stores: Annotated[str, typer.Option(help="file,postgres or one of them.")] = "file,postgres",
    data_dir: Annotated[Optional[Path], typer.Option(help="Index directory (without --articles).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Vector search p50/p95, recall@10 against exact search, and memory, for both stores.

    Postgres: RAG_DATABASE_URL if set, else an embedded server in a temporary folder."""
    import numpy as np

    from index.archive import FileArchive
    from rag.bench_scale import bench_file, bench_postgres, corpus, exact_top
    from rag.evaluate import cached_index, load_articles
    from rag.factory import build_embedder

    chosen = [s for s in stores.split(",") if s]
    if not chosen or set(chosen) - {"file", "postgres"}:
        raise InputError(f"--stores: {stores!r}: use file, postgres or both")
    settings = settings_from(data_dir=data_dir)
    embedder = build_embedder(settings)

    def say(message: str) -> None:
        typer.echo(message, err=True)

    if articles:
        catalog = cached_index(load_articles(articles), embedder, Path(".cache/eval-index"), say)
    else:
        catalog = FileArchive(settings.data_dir).load(embedder)
    rows_ = sorted(catalog.chunks)
    base = catalog.vectors.vectors_of(rows_)
    queries = np.stack([embedder.embed_query(q) for q in _questions(questions)]).astype(np.float32)
    all_sizes = sorted({len(base), *_sizes(sizes)})
    result: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="quellen-bench-") as tmp:
        url = settings.database_url or (_embedded_url(Path(tmp)) if "postgres" in chosen else "")
        for n in all_sizes:
            matrix = corpus(base, n)
            truth = exact_top(matrix, queries)
            for store in chosen:
                say(f"{store}: {n} vectors …")
                row = (
                    bench_file(matrix, queries, truth)
                    if store == "file"
                    else bench_postgres(url, matrix, queries, truth)
                )
                say(f"  {row.to_dict()}")
                result.append({**row.to_dict(), "real": n <= len(base)})
            del matrix
    out = {"rows": result, "queries": len(queries), "real_vectors": len(base)}
    typer.echo(json.dumps(out, indent=None if as_json else 1))


def _embedded_url(folder: Path) -> str:
    from index.pgserver import start

    return start(folder / "db")
