"""`rag train reader`, `rag train scorer` and `rag train speakers`: the training commands, apart
from the everyday commands in `api.cli.main`."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Optional

import typer

from api.cli.common import settings_from
from api.cli.evaluate import CACHE, eval_rag
from index.errors import RagError

train_app = typer.Typer(no_args_is_help=True, help="Train the small models Quellen ships.")


@train_app.command("reader")
def train_reader_cmd(
    data: Annotated[Path, typer.Option(help="Folder laid out like ../shared/data (xquad_de, mlqa_de, …).")],
    out: Annotated[Path, typer.Option(help="Where to write the trained layers (.safetensors).")],
    base: Annotated[Optional[Path], typer.Option(help="The e5 folder; default: the one set-up converted.")] = None,
    seed: Annotated[int, typer.Option(help="Seed for sampling, shuffling and initialisation.")] = 13,
    epochs: Annotated[int, typer.Option(min=1)] = 2,
    trainable_layers: Annotated[int, typer.Option(min=1, max=12)] = 4,
    qam_rows: Annotated[int, typer.Option(min=0, help="XGLUE QAM pairs to sample (0: none).")] = 1000,
    swaps: Annotated[
        int,
        typer.Option(min=0, help="Swapped-word QA questions per question, as negatives (right topic, detail absent)."),
    ] = 0,
    init: Annotated[
        Optional[Path],
        typer.Option(help="Train on from these trained layers (.safetensors, their layer count), not a fresh head."),
    ] = None,
    news_questions: Annotated[
        Optional[Path],
        typer.Option(help="Hand-written news questions to train on as well (rag/reader/news_questions.jsonl)."),
    ] = None,
    own_pairs: Annotated[
        Optional[int], typer.Option(min=1, help="Only about this many pairs of the shared sources (whole questions).")
    ] = None,
    retrieved_negatives: Annotated[
        Optional[int],
        typer.Option(
            min=1,
            help="Pair the --news-questions with what retrieval returns from the Wikinews articles (indexed in "
            "--cache on first use), up to this many negatives a question, not with their article's sentences.",
        ),
    ] = None,
    retrieved_topics: Annotated[
        int, typer.Option(min=0, help="With --retrieved-negatives: this many topic questions on other articles too.")
    ] = 0,
    cache: Annotated[
        Path, typer.Option(help="Where --retrieved-negatives keeps its index (rag eval's cache).")
    ] = CACHE,
    lr: Annotated[
        Optional[float], typer.Option(min=0.0, help="Learning rate of the top layers; default: TrainConfig's.")
    ] = None,
    head_lr: Annotated[
        Optional[float], typer.Option(min=0.0, help="Learning rate of the head; default: TrainConfig's.")
    ] = None,
    max_steps: Annotated[Optional[int], typer.Option(min=1, help="Stop after this many steps (smoke runs).")] = None,
    max_examples: Annotated[Optional[int], typer.Option(min=1, help="Use only this many pairs (smoke runs).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Fine-tune the reader (a cross-encoder on e5-small) and report it on the kept-back data."""
    import torch

    from rag.lab.reader_train import TrainConfig, train_reader

    if retrieved_negatives is not None and news_questions is None:
        typer.echo("Fehler: --retrieved-negatives: give --news-questions too (the questions to retrieve for)", err=True)
        raise typer.Exit(1)
    settings = settings_from()
    base_dir = base or settings.reader_base_dir
    for folder, what in ((data, "--data"), (base_dir, "--base")):
        if not folder.is_dir():
            typer.echo(f"Fehler: {what}: {folder} is not a folder", err=True)
            raise typer.Exit(1)
    for file, what in ((init, "--init"), (news_questions, "--news-questions")):
        if file is not None and not file.is_file():
            typer.echo(f"Fehler: {what}: {file} is not a file", err=True)
            raise typer.Exit(1)
    torch.set_num_threads(settings.threads)  # the command owns its process
    cfg = TrainConfig(
        base_dir=base_dir,
        data_dir=data,
        out=out,
        seed=seed,
        epochs=epochs,
        trainable_layers=trainable_layers,
        qam_rows=qam_rows,
        swaps=swaps,
        max_steps=max_steps,
        max_examples=max_examples,
        threads=settings.threads,
        init=init,
        news_questions=news_questions,
        own_pairs=own_pairs,
        retrieved_negatives=retrieved_negatives,
        retrieved_topics=retrieved_topics,
    )
    cfg.lr = cfg.lr if lr is None else lr
    cfg.head_lr = cfg.head_lr if head_lr is None else head_lr
    try:
        rag = None
        if retrieved_negatives is not None:
            from rag.lab.eval_data import load_articles

            docs = load_articles([data / "news_wikinews_de" / "articles.jsonl"])
            rag = eval_rag(docs, cache, {"generator": "none", "judge": "off", "reader": "off"})
        report = train_reader(cfg, say=lambda m: typer.echo(m, err=True), rag=rag)
    except (RagError, FileNotFoundError) as e:
        typer.echo(f"Fehler: {e}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(asdict(report), indent=None if as_json else 1, ensure_ascii=False))


@train_app.command("scorer")
def train_scorer_cmd(
    data: Annotated[Path, typer.Option(help="Folder laid out like ../shared/data (news_questions_written, …).")],
    out: Annotated[Path, typer.Option(help="Where to write the scorer (.npz).")],
    hold_out: Annotated[str, typer.Option(help="The writer measured and never trained on.")] = "C4",
    news_questions: Annotated[
        Optional[Path],
        typer.Option(help="More hand-written news questions to train on (rag/reader/news_questions.jsonl)."),
    ] = None,
    rows: Annotated[
        Optional[Path], typer.Option(help="Cache of the gathered candidates (.npz): read when present, else written.")
    ] = None,
    hidden: Annotated[int, typer.Option(min=1)] = 64,
    steps: Annotated[int, typer.Option(min=1)] = 400,
    listwise: Annotated[float, typer.Option(min=0.0, help="Weight of the listwise loss.")] = 1.0,
    seed: Annotated[int, typer.Option()] = 13,
    cache: Annotated[Path, typer.Option(help="Where the articles' index is kept (rag eval's cache).")] = CACHE,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Train the sentence scorer on written news questions, holding one writer out, and report it
    on that writer, the news dev set and eval/'s held-out sets."""
    import torch

    from rag.calibration import model_of
    from rag.lab.scorer_run import news_articles, question_sets, rows_for, train_run
    from rag.lab.train_scorer import ScorerConfig

    settings = settings_from()
    say = lambda m: typer.echo(m, err=True)  # noqa: E731
    try:
        if not data.is_dir():
            raise RagError(f"--data: {data} is not a folder")
        if news_questions is not None and not news_questions.is_file():
            raise RagError(f"--news-questions: {news_questions} is not a file")
        sets = question_sets(data, news_questions)
        docs = news_articles(data)
        # without the shipped scorer: training reads the rule scores, and must work when the
        # features changed and the shipped file no longer fits them
        rag = eval_rag(docs, cache, {"generator": "none", "judge": "off", "reader": "off", "scorer": "off"})
        torch.set_num_threads(settings.threads)  # the command owns its process
        gathered = rows_for(rag, sets, {a.id: a for a in docs}, rows, say)
        cfg = ScorerConfig(hidden=hidden, steps=steps, listwise=listwise, seed=seed)
        run = train_run(gathered, cfg, hold_out, model_of(rag.embedder.name), out, say)
    except RagError as e:
        typer.echo(f"Fehler: {e}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps({"out": str(out), "sha256": run.sha256, **run.report}, indent=None if as_json else 1))


@train_app.command("speakers")
def train_speakers_cmd(
    articles: Annotated[Path, typer.Option(help="Wikinews articles (JSONL) the annotations point into.")],
    annotations: Annotated[Path, typer.Option(help="quotations_train.jsonl: annotated quotations.")],
    out: Annotated[Path, typer.Option(help="Where to write the weights (index/speaker-choice.json ships).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Train the speaker chooser on the fitted four fifths of the quotation annotations, and
    report its accuracy there (also out of fold) and on the held-back fifth."""
    import torch

    from rag.lab.eval_data import load_articles, read_jsonl
    from rag.lab.train_speakers import train

    try:
        for name, path in (("--articles", articles), ("--annotations", annotations)):
            if not path.is_file():
                raise RagError(f"{name}: {path} is not a file")
        if not out.parent.is_dir():
            raise RagError(f"--out: the folder {out.parent} does not exist")
        torch.set_num_threads(settings_from().threads)  # the command owns its process
        docs = {a.id: a for a in load_articles([articles])}
        report = train(docs, read_jsonl(annotations), out)
    except (RagError, ValueError) as e:
        typer.echo(f"Fehler: {e}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps({"out": str(out), **report}, indent=None if as_json else 1))
