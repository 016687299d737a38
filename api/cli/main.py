"""The `rag` command: setup, index, remove, ask, serve, eval, bench, db.

Errors from the `RagError` tree print as one line and exit with code 1.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from api.cli.bench import bench_app
from api.cli.common import fail_cleanly, settings_from
from api.cli.db import db_app
from api.cli.evaluate import eval_app
from api.cli.train import train_app
from index.errors import RagError
from rag.config import MAX_TOP_K

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Quellen: Fragen an deutsche Nachrichtenartikel.")


@app.callback()
def _process() -> None:
    """Process-wide settings, decided once by the command that owns the process."""
    from index.vectors import search_on_calling_thread

    search_on_calling_thread()


@app.command()
@fail_cleanly
def setup(
    everything: Annotated[
        bool, typer.Option("--all", help="Every model, also those the settings do not use (the tests need all).")
    ] = False,
) -> None:
    """Prepare the models the settings use (convert e5, assemble the GGUFs, export ONNX)."""
    from rag.modelprep.prepare import prepare_models

    prepare_models(settings_from(), everything=everything)


@app.command("index")
@fail_cleanly
def index_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories (.txt, .md, .html, .jsonl, .pdf, .docx).")],
    data_dir: Annotated[Optional[Path], typer.Option(help="Index directory.")] = None,
) -> None:
    """Index articles; unchanged ones are skipped, changed ones replaced."""
    from rich.progress import Progress

    from index.build import upsert_articles
    from index.readers import read_paths
    from rag.factory import build_archive, build_embedder

    settings = settings_from(data_dir=data_dir)
    read = read_paths(paths)
    for s in read.skipped:
        typer.echo(f"übersprungen: {s.name}: {s.reason}", err=True)
    embedder = build_embedder(settings)
    archive = build_archive(settings)
    with Progress(transient=True) as bar:
        task = bar.add_task("Einbetten", total=None)
        summary = upsert_articles(
            archive,
            read.articles,
            embedder,
            skipped=read.skipped,
            on_plan=lambda n: bar.update(task, total=n),
            progress=lambda n: bar.advance(task, n),
        )
    typer.echo(
        f"{len(summary.added)} neu, {len(summary.updated)} aktualisiert, "
        f"{len(summary.unchanged)} unverändert, "
        f"{len(summary.skipped)} übersprungen; "
        f"Index: {summary.articles} Artikel, {summary.chunks} Abschnitte "
        f"in {archive.name}"
    )


@app.command()
@fail_cleanly
def remove(
    ids: Annotated[list[str], typer.Argument(help="Article ids to remove.")],
    data_dir: Annotated[Optional[Path], typer.Option(help="Index directory.")] = None,
) -> None:
    """Remove articles (their chunks, vectors and BM25 entries) from the index."""
    from index.build import remove_articles
    from rag.factory import build_archive, build_embedder

    settings = settings_from(data_dir=data_dir)
    archive = build_archive(settings)
    if archive.version() is None:  # before loading the embedder: nothing to remove from
        archive.load()
    summary = remove_articles(archive, ids, build_embedder(settings))
    missing = sorted(set(ids) - set(summary.removed))
    typer.echo(f"{len(summary.removed)} entfernt; {summary.articles} Artikel im Index")
    if missing:
        typer.echo("nicht gefunden: " + ", ".join(missing), err=True)
        raise typer.Exit(1)


@app.command()
@fail_cleanly
def reindex(
    data_dir: Annotated[Optional[Path], typer.Option(help="Index directory.")] = None,
) -> None:
    """Re-embed every stored article with the configured embedder (after a model change); an
    index from the same model is upgraded in place (names and quotations) without re-embedding."""
    from index.build import reembed_all
    from rag.factory import build_archive, build_embedder

    settings = settings_from(data_dir=data_dir)
    archive = build_archive(settings)
    summary = reembed_all(archive, build_embedder(settings))
    done = "neu eingebettet" if summary.updated else "aktualisiert (Namen und Zitate, ohne neu einzubetten)"
    typer.echo(f"{summary.articles} Artikel {done}, {summary.chunks} Abschnitte in {archive.name}")


@app.command()
@fail_cleanly
def ask(
    question: Annotated[str, typer.Argument(help="Die Frage, auf Deutsch.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer object as JSON (--format json).")] = False,
    out_format: Annotated[
        str, typer.Option("--format", help="text, json, or md: Markdown with a footnote for each quoted sentence.")
    ] = "text",
    top_k: Annotated[Optional[int], typer.Option("--top-k", min=1, max=MAX_TOP_K)] = None,
    mode: Annotated[Optional[str], typer.Option(help="auto, extractive or generative.")] = None,
    since: Annotated[Optional[str], typer.Option(help="Only articles from this ISO date on.")] = None,
    until: Annotated[Optional[str], typer.Option(help="Only articles up to this ISO date.")] = None,
    source: Annotated[Optional[str], typer.Option(help="Only articles from this source.")] = None,
    include_undated: Annotated[bool, typer.Option(help="Undated articles pass date filters.")] = False,
    data_dir: Annotated[Optional[Path], typer.Option(help="Index directory.")] = None,
) -> None:
    """Answer a question from the indexed articles, with citations."""
    from index.filters import Filters
    from rag.factory import build_rag
    from rag.retrieval import parse_date

    if mode not in (None, "auto", "extractive", "generative"):
        raise RagError(f"--mode: {mode!r} is not one of auto, extractive, generative")
    if out_format not in ("text", "json", "md"):
        raise RagError(f"--format: {out_format!r} is not one of text, json, md")
    filters = Filters(parse_date(since, "--since"), parse_date(until, "--until"), source, include_undated)
    rag = build_rag(settings_from(data_dir=data_dir))
    answer = rag.ask(question, top_k=top_k, mode=mode, filters=filters)  # type: ignore[arg-type]  # checked above
    if as_json or out_format == "json":
        typer.echo(answer.model_dump_json(indent=1))
        return
    if out_format == "md":
        typer.echo(answer.markdown, nl=False)
        return
    if answer.date_filter is not None:
        typer.echo(answer.date_filter.note)
    if answer.low_confidence:
        typer.echo(f"(Unsichere Antwort, Sicherheit {answer.confidence:.0%}: bitte die Belege prüfen.)")
    typer.echo(answer.answer + "\n")
    for c in answer.citations or answer.related:
        date = f", {c.date}" if c.date else ""
        typer.echo(f"[{c.n}] {c.title}{date} ({c.article_id}, Zeichen {c.start}–{c.end})")
    t = answer.timings
    typer.echo(f"\n({answer.mode}{', Rückfall' if answer.fallback else ''}; {t.total_ms:.0f} ms)", err=True)


@app.command()
@fail_cleanly
def serve(
    host: Annotated[Optional[str], typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (default 8000).")] = None,
    data_dir: Annotated[Optional[Path], typer.Option(help="Index directory.")] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="API processes on one port; with RAG_DATABASE_URL they share the database.")
    ] = 1,
) -> None:
    """Serve the HTTP API and the chat page."""
    import uvicorn

    from api.app import create_app
    from api.server import serve_options
    from rag.factory import build_archive

    settings = settings_from(host=host, port=port, data_dir=data_dir)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if settings.host not in ("127.0.0.1", "localhost", "::1") and not settings.api_key:
        typer.secho(
            f"WARNUNG: Der Server lauscht auf {settings.host} ohne API-Schlüssel; jeder im Netz kann "
            "ihn benutzen. Setze RAG_API_KEY.",
            fg="red",
            bold=True,
            err=True,
        )
    archive = build_archive(settings)
    if workers > 1:
        # Each worker process builds its own pipeline from the environment (`api.app.app_from_env`),
        # so the flags given here are handed on as the RAG_* variables they stand for.
        os.environ.update({"RAG_DATA_DIR": str(settings.data_dir), "RAG_HOST": settings.host})
        uvicorn.run(
            "api.app:app_from_env",
            factory=True,
            workers=workers,
            host=settings.host,
            port=settings.port,
            **serve_options(),
        )
        return
    rag = None
    if archive.version() is not None:
        # Load now: a changed embedder fails here with its message, before serving anything.
        from rag.factory import build_rag

        rag = build_rag(settings, archive=archive)
        if rag.mode == "auto" and rag.generation is not None:
            typer.echo("Prüfe das Sprachmodell für den Modus auto …", err=True)
            rag.generation.trusted()  # once at start, not on the first user's question
    app_ = create_app(settings, rag, archive)
    uvicorn.run(app_, host=settings.host, port=settings.port, log_level="info", **serve_options())


app.add_typer(train_app, name="train")
app.add_typer(eval_app, name="eval")
app.add_typer(db_app, name="db")
app.add_typer(bench_app, name="bench")


def main() -> None:
    # pdfminer logs a warning for each damaged object of a PDF; the one error that names the
    # file says it all (`index.documents`), so `rag index` of a folder is not flooded.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
