"""`rag eval`: retrieval, answers and indexing measured on dev sets (never on the user's index)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from api.cli.common import fail_cleanly, settings_from
from index.errors import RagError

eval_app = typer.Typer(no_args_is_help=True, help="Measure retrieval and answer quality on dev sets.")
CACHE = Path(".cache/eval-index")
Distractors = Annotated[
    Optional[list[Path]], typer.Option(help="More article files to index: --distractors A.jsonl B.jsonl …")
]
MoreDistractors = Annotated[
    Optional[list[Path]], typer.Argument(help="Further --distractors files.", show_default=False)
]


def _article_files(first: Path, distractors: list[Path] | None, more: list[Path] | None) -> list[Path]:
    if more and not distractors:
        raise RagError(f"unexpected argument {str(more[0])!r}: files to add go after --distractors")
    return [first, *(distractors or []), *(more or [])]


def eval_rag(articles: list[Any], cache: Path, mode_settings: dict[str, Any]) -> Any:
    from index.archive import copy_into
    from rag.factory import build_archive, build_embedder, build_rag
    from rag.lab.eval_data import cached_index

    settings = settings_from(**mode_settings)
    embedder = build_embedder(settings)
    catalog = cached_index(articles, embedder, cache, lambda m: typer.echo(m, err=True))
    if settings.database_url:  # measure the Postgres store: the same index, copied without re-embedding
        archive = build_archive(settings)
        copied, total = copy_into(archive, catalog, embedder)
        if total != len(catalog.articles):
            raise RagError(
                f"{archive.name} holds {total} articles, this evaluation {len(catalog.articles)}: use an empty database"
            )
        typer.echo(f"{copied} articles copied into {archive.name}", err=True)
        catalog = archive.load(embedder)
    return build_rag(settings, embedder=embedder, catalog=catalog)


@eval_app.command("retrieval")
@fail_cleanly
def eval_retrieval(
    questions: Annotated[Path, typer.Option(help="QA or news questions (JSONL).")],
    contexts: Annotated[Optional[Path], typer.Option(help="QA contexts {id, title, text} (JSONL).")] = None,
    articles: Annotated[Optional[Path], typer.Option(help="News articles (JSONL).")] = None,
    distractors: Distractors = None,
    more_distractors: MoreDistractors = None,
    k: Annotated[int, typer.Option("--k", min=1, max=50)] = 10,
    mode: Annotated[str, typer.Option(help="hybrid, dense or bm25.")] = "hybrid",
    by_sentence: Annotated[
        bool, typer.Option("--by-sentence", help="Rank the passages by their best sentence's score.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    cache: Annotated[Path, typer.Option(help="Where evaluation indexes are cached.")] = CACHE,
) -> None:
    """Recall@k, MRR, nDCG@10 and latency of retrieval."""
    from rag.lab.eval_data import load_articles, read_jsonl
    from rag.lab.evaluate import evaluate_retrieval, retrieval_targets

    if mode not in ("hybrid", "dense", "bm25"):
        raise RagError(f"--mode: {mode!r} is not one of hybrid, dense, bm25")
    source = contexts or articles
    if source is None:
        raise RagError("give --contexts (QA) or --articles (news)")
    docs = load_articles(_article_files(source, distractors, more_distractors))
    rag = eval_rag(docs, cache, {"generator": "none"})
    targets = retrieval_targets(read_jsonl(questions), {a.id: a for a in docs})
    result = evaluate_retrieval(rag, targets, k, mode, by_sentence)  # type: ignore[arg-type]
    result["articles_indexed"] = len(docs)
    typer.echo(json.dumps(result, indent=None if as_json else 1, ensure_ascii=False))


@eval_app.command("answers")
@fail_cleanly
def eval_answers(
    articles: Annotated[Path, typer.Option(help="News articles (JSONL).")],
    questions: Annotated[Path, typer.Option(help="News questions with evidence (JSONL).")],
    mode: Annotated[str, typer.Option(help="auto, extractive or generative.")] = "auto",
    distractors: Distractors = None,
    more_distractors: MoreDistractors = None,
    via_api: Annotated[bool, typer.Option("--via-api", help="Ask through POST /ask of the HTTP app.")] = False,
    details: Annotated[bool, typer.Option("--details", help="Include per-question records.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    cache: Annotated[Path, typer.Option(help="Where evaluation indexes are cached.")] = CACHE,
) -> None:
    """Citation hit and precision, answer recall, abstention and latency of answers (and quote
    hit, recall and precision for speaker questions that carry annotated `quotes`)."""
    from rag.lab.eval_data import load_articles, read_jsonl
    from rag.lab.evaluate import evaluate_answers

    if mode not in ("auto", "extractive", "generative"):
        raise RagError(f"--mode: {mode!r} is not one of auto, extractive, generative")
    docs = load_articles(_article_files(articles, distractors, more_distractors))
    rag = eval_rag(docs, cache, {"generator": "none"} if mode == "extractive" else {})
    ask = _api_ask(rag) if via_api else None
    result = evaluate_answers(rag, read_jsonl(questions), {a.id: a for a in docs}, mode, details, ask)
    typer.echo(json.dumps(result, indent=None if as_json else 1, ensure_ascii=False))


def _api_ask(rag: Any) -> Any:
    """POST /ask of the real app, in process (the HTTP stack without a socket)."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from rag.answer import Answer

    client = TestClient(create_app(settings_from(), rag=rag), base_url="http://localhost")  # the host guard

    def ask(question: str, mode: str) -> Answer:
        r = client.post("/ask", json={"question": question, "mode": mode})
        if r.status_code != 200:
            raise RagError(f"POST /ask answered {r.status_code}: {r.text[:200]}")
        return Answer.model_validate(r.json())

    return ask


@eval_app.command("quotations")
@fail_cleanly
def eval_quotations(
    articles: Annotated[Path, typer.Option(help="Wikinews articles (JSONL).")],
    annotations: Annotated[Path, typer.Option(help="quotations_train.jsonl: annotated quotations.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Precision, recall and speaker accuracy of the quotation finder, on the held-back fifth of
    the annotated articles and on the rest."""
    from rag.lab.eval_data import load_articles, read_jsonl
    from rag.lab.evaluate_speech import evaluate_quotations

    docs = {a.id: a for a in load_articles([articles])}
    result = evaluate_quotations(docs, read_jsonl(annotations))
    typer.echo(json.dumps(result, indent=None if as_json else 1, ensure_ascii=False))


@eval_app.command("indexing")
@fail_cleanly
def eval_indexing(
    articles: Annotated[Path, typer.Option(help="Articles (JSONL) to index into an empty folder.")],
    limit: Annotated[Optional[int], typer.Option(min=1, help="Only the first N articles.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Indexing speed (articles/s) into an empty data dir, the index size on disk and peak RSS."""
    import resource
    import tempfile
    import time

    from index.build import upsert_articles
    from rag.factory import build_embedder
    from rag.lab.eval_data import load_articles

    settings = settings_from()
    docs = load_articles([articles])[:limit]
    embedder = build_embedder(settings)
    with tempfile.TemporaryDirectory(prefix="rag-index-bench-") as tmp:
        t = time.perf_counter()
        summary = upsert_articles(Path(tmp), docs, embedder)
        seconds = time.perf_counter() - t
        size = sum(f.stat().st_size for f in (Path(tmp) / "current").resolve().iterdir())
    result: dict[str, Any] = {
        "embedder": embedder.name,
        "articles": summary.articles,
        "chunks": summary.chunks,
        "seconds": round(seconds, 1),
        "articles_per_s": round(summary.articles / seconds, 2),
        "index_mb": round(size / 2**20, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    typer.echo(json.dumps(result, indent=None if as_json else 1, ensure_ascii=False))
