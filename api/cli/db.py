"""`rag db start|stop`: a local PostgreSQL + pgvector for the shared store (index.pgserver)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from api.cli.common import fail_cleanly, settings_from
from index.errors import InputError

db_app = typer.Typer(no_args_is_help=True, help="A local PostgreSQL + pgvector for several API workers.")
DirArg = Annotated[Optional[Path], typer.Argument(help="The database folder (default: <data_dir>/postgres).")]


def _folder(folder: Path | None) -> Path:
    return folder if folder is not None else settings_from().data_dir / "postgres"


@db_app.command("start")
@fail_cleanly
def start_cmd(folder: DirArg = None) -> None:
    """Start the database server (created on first use); prints the RAG_DATABASE_URL to use."""
    from index.pgserver import start

    url = start(_folder(folder))
    typer.echo("Datenbank läuft (nur über einen Unix-Socket erreichbar). Für `rag index`/`rag serve`:", err=True)
    typer.echo(f"export RAG_DATABASE_URL='{url}'")


@db_app.command("stop")
@fail_cleanly
def stop_cmd(folder: DirArg = None) -> None:
    """Stop the database server."""
    from index.pgserver import stop

    typer.echo("Datenbank gestoppt." if stop(_folder(folder)) else "Die Datenbank lief nicht.")


@db_app.command("import")
@fail_cleanly
def import_cmd(
    data_dir: Annotated[Optional[Path], typer.Option(help="The file index to copy (default: data).")] = None,
) -> None:
    """Copy the file index into the database of RAG_DATABASE_URL, vectors included (no re-embedding)."""
    from index.archive import FileArchive, copy_into
    from rag.factory import build_archive, build_embedder

    settings = settings_from(data_dir=data_dir)
    if not settings.database_url:
        raise InputError("RAG_DATABASE_URL is not set: `rag db start` prints the URL to export")
    source = FileArchive(settings.data_dir).load()  # fails before the model loads if there is no index
    embedder = build_embedder(settings)
    source.check_embedder(embedder)
    archive = build_archive(settings)
    copied, total = copy_into(archive, source, embedder)
    typer.echo(f"{copied} Artikel kopiert (ohne neu einzubetten); {total} Artikel in {archive.name}")
