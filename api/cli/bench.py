"""`rag bench`: our overhead against the raw libraries (ratios), and `rag bench scale`: both
stores at growing corpus sizes. Benchmarks are commands, not timed tests: this machine is noisy."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from api.cli.common import fail_cleanly, settings_from
from api.cli.evaluate import CACHE
from index.errors import InputError

bench_app = typer.Typer(help="Benchmarks (one run; report ratios, this machine is noisy).")


@bench_app.callback(invoke_without_command=True)
@fail_cleanly
def bench(
    ctx: typer.Context,
    data_dir: Annotated[Optional[Path], typer.Option(help="Index directory.")] = None,
    generation: Annotated[bool, typer.Option(help="Also compare generation with raw llama-cpp-python.")] = True,
    judge: Annotated[bool, typer.Option(help="Also compare the judge's verdict with raw llama-cpp-python.")] = True,
) -> None:
    """Our search, generation and judge against raw FAISS and raw llama-cpp-python (ratios)."""
    if ctx.invoked_subcommand is not None:
        return
    from rag.factory import build_judge, build_rag
    from rag.generator import LlamaCppGenerator
    from rag.judge import LlamaJudge
    from rag.lab.bench import bench_generation, bench_judge, bench_search

    settings = settings_from(data_dir=data_dir)
    if settings.database_url:
        raise InputError(
            "RAG_DATABASE_URL is set: `rag bench` compares with raw FAISS on the file store; "
            "`rag bench scale` measures the Postgres store"
        )
    rag = build_rag(settings)
    result: dict[str, Any] = {"search": bench_search(rag)}
    if generation and isinstance(rag.generator, LlamaCppGenerator):
        result["generation"] = bench_generation(rag.generator)
    verdicts = build_judge(settings) if judge else None  # whether or not RAG_JUDGE is on: set-up prepares it
    if isinstance(verdicts, LlamaJudge):
        result["judge"] = bench_judge(verdicts)
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
    from rag.lab.bench import QUESTIONS
    from rag.lab.eval_data import read_jsonl

    if path is None:
        return QUESTIONS
    found = [str(d["question"]) for d in read_jsonl(path) if d.get("question")]
    if not found:
        raise InputError(f"{path}: no 'question' fields")
    return found


ArticlesOpt = Annotated[
    Optional[list[Path]],
    typer.Option(help="Articles (JSONL; repeat the option) for the real archive; default: the index."),
]
QuestionsOpt = Annotated[Optional[Path], typer.Option(help="Questions (JSONL, 'question') to ask.")]


def _say(message: str) -> None:
    typer.echo(message, err=True)


def _archive(articles: list[Path] | None, settings: Any, embedder: Any) -> tuple[Any, Path]:
    """The real archive as a file index (cached for --articles) and its data folder."""
    from index.archive import FileArchive
    from rag.lab.eval_data import cached_index, index_folder, load_articles

    if articles:
        docs = load_articles(articles)
        return cached_index(docs, embedder, CACHE, _say), index_folder(docs, embedder, CACHE)
    return FileArchive(settings.data_dir).load(embedder), settings.data_dir


@contextmanager
def _postgres(settings: Any) -> Iterator[str]:
    """RAG_DATABASE_URL, or else an embedded server in a folder of its own, deleted at the end."""
    from index.pgserver import temporary_server

    if settings.database_url:
        yield settings.database_url
        return
    with temporary_server("quellen-bench-") as url:
        yield url


def _fill(url: str, catalog: Any, embedder: Any) -> None:
    """Copy the archive into the database (vectors included, nothing embedded again)."""
    from index.archive import PgArchive, copy_into

    archive = PgArchive(url)
    try:
        copied, total = copy_into(archive, catalog, embedder)
    finally:
        archive.pool.close()
    _say(f"{copied} articles copied; {total} in the database")


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
    workers: Annotated[str, typer.Option(help="API worker counts to measure against Postgres; '' for none.")] = "1,2,4",
    clients: Annotated[int, typer.Option(min=1, max=64, help="Concurrent clients for --workers.")] = 20,
    seconds: Annotated[float, typer.Option(min=5, help="Load duration per worker count.")] = 60,
    data_dir: Annotated[Optional[Path], typer.Option(help="Index directory (without --articles).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Vector search p50/p95, recall@10 against exact search and memory for both stores, and
    answers per second with 1, 2 and 4 API workers on Postgres.

    Postgres: RAG_DATABASE_URL if set, else an embedded server in a temporary folder."""
    import numpy as np

    from rag.factory import build_embedder
    from rag.lab.bench_scale import bench_file, bench_postgres, corpus, exact_top
    from rag.lab.bench_serve import throughput

    chosen = [s for s in stores.split(",") if s]
    if not chosen or set(chosen) - {"file", "postgres"}:
        raise InputError(f"--stores: {stores!r}: use file, postgres or both")
    counts = [int(n) for n in workers.split(",") if n.strip()]
    settings = settings_from(data_dir=data_dir)
    embedder = build_embedder(settings)
    asked = _questions(questions)
    catalog, folder = _archive(articles, settings, embedder)
    rows_ = sorted(catalog.chunks)
    base = catalog.vectors.vectors_of(rows_)
    queries = np.stack([embedder.embed_query(q) for q in asked]).astype(np.float32)
    all_sizes = sorted({len(base), *_sizes(sizes)})
    result: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="quellen-bench-") as tmp, _postgres(settings) as url:
        for n in all_sizes:
            matrix = corpus(base, n)
            truth = exact_top(matrix, queries)
            for store in chosen:
                _say(f"{store}: {n} vectors …")
                row = (
                    bench_file(matrix, queries, truth)
                    if store == "file"
                    else bench_postgres(url, matrix, queries, truth)
                )
                _say(f"  {row.to_dict()}")
                result.append({**row.to_dict(), "real": n <= len(base)})
            del matrix
        serve, scaled = [], []
        if counts:
            logs = Path(tmp)
            file_env = {"RAG_DATA_DIR": str(folder.resolve())}
            serve.append({"store": "file", **throughput(file_env, asked, 1, clients, seconds, logs / "file.log")})
            _say(f"  file, 1 worker: {serve[-1]}")
            _fill(url, catalog, embedder)
            pg_env = {"RAG_DATABASE_URL": url}
            for n in sorted({1, *counts}):
                scaled.append(throughput(pg_env, asked, n, clients, seconds, logs / f"pg{n}.log"))
                _say(f"  postgres, {n} workers: {scaled[-1]}")
            serve.append({"store": "postgres", **next(w for w in scaled if w["n"] == 1)})
    out: dict[str, Any] = {"rows": result, "workers": [w for w in scaled if w["n"] in counts], "serve": serve}
    out |= {"queries": len(queries), "real_vectors": len(base), "clients": clients, "seconds": seconds}
    typer.echo(json.dumps(out, indent=None if as_json else 1))


@bench_app.command("soak")
@fail_cleanly
def soak_cmd(
    minutes: Annotated[float, typer.Option(min=0.5, max=240, help="How long.")] = 20,
    articles: ArticlesOpt = None,
    questions: QuestionsOpt = None,
    clients: Annotated[int, typer.Option(min=1, max=64)] = 16,
    workers: Annotated[int, typer.Option(min=1, max=16)] = 2,
    data_dir: Annotated[Optional[Path], typer.Option(help="Index directory (without --articles).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """2 API workers on Postgres, 16 clients asking while one adds and deletes articles (loopback
    only, bounded): statuses, lost or doubled articles, and memory growth after minute 5."""
    from rag.factory import build_embedder
    from rag.lab.bench_serve import soak

    settings = settings_from(data_dir=data_dir)
    embedder = build_embedder(settings)
    catalog, _ = _archive(articles, settings, embedder)
    with tempfile.TemporaryDirectory(prefix="quellen-soak-") as tmp, _postgres(settings) as url:
        _fill(url, catalog, embedder)
        env = {"RAG_DATABASE_URL": url}
        del catalog
        result = soak(env, _questions(questions), minutes, Path(tmp) / "serve.log", clients, workers)
    typer.echo(json.dumps(result, indent=None if as_json else 1, ensure_ascii=False))
