"""The commands that measure and tune matching: `claims eval ...` and `claims calibrate`."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import Session

from claims.cli.common import group, open_session, user_errors
from claims.db import make_engine
from claims.intake.extraction import averages, evaluate_extraction
from claims.migrate import upgrade
from claims.search.index import ClaimIndex
from claims.services.calibration import NEVER, Point, choose, pr_table
from claims.services.calibration import calibrate as recalibrate
from claims.services.evaluation import (
    Document,
    evaluate_retrieval,
    evaluate_similarity,
    read_qrels,
    read_similarity,
    read_tsv,
    relevant_pairs,
    score_sentences,
    store_collection,
)
from claims.text.cwmodel import default_path, f1_report, read_labelled, train_file
from claims.text.goldsets import (
    PAIR_COLUMNS,
    SPEAKER_COLUMNS,
    evaluate_pairs,
    evaluate_speakers,
    read_rows,
)
from claims.web.extensions import services

_DENSE_WEIGHT = click.option(
    "--dense-weight",
    type=click.FloatRange(0, 1),
    help="Override the fusion weight (1 = dense only, 0 = BM25 only), for ablations.",
)


eval_group = AppGroup("eval", help="Measure the app on benchmark data.")
group.add_command(eval_group)


@contextmanager
def _scratch(dense_weight: float | None) -> Iterator[tuple[Session, ClaimIndex]]:
    """Yield a throwaway database and index that use the app's embedder and fusion."""
    weight = current_app.config["DENSE_WEIGHT"] if dense_weight is None else dense_weight
    with tempfile.TemporaryDirectory(prefix="claims-eval-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'eval.db'}"
        upgrade(url)
        engine = make_engine(url)
        index = ClaimIndex(Path(tmp) / "eval.faiss", services().embedder.name, weight)
        try:
            with Session(engine, expire_on_commit=False) as session:
                yield session, index
        finally:
            engine.dispose()


def _read(reader, *args):
    """Run a file reader, turning its refusal into a CLI error."""
    with user_errors():
        return reader(*args)


def _echo_table(table: list[Point], title: str) -> None:
    """Print a precision/recall table and the thresholds it suggests."""
    suggest, autolink = choose(table)
    click.echo(title)
    click.echo("threshold  pairs  precision  recall  F1")
    for p in table:
        line = f"{p.threshold:9.3f}  {p.pairs:5d}  {p.precision:9.4f}  {p.recall:6.4f}  {p.f1:.4f}"
        click.echo(line)
    auto = "off (no threshold is precise enough)" if autolink >= NEVER else f"{autolink:.3f}"
    click.echo(f"suggested thresholds: suggest {suggest:.3f}, auto-link {auto}")


@eval_group.command("retrieval")
@click.option("--collection", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--queries", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--qrels", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--k", default=5, show_default=True, type=click.IntRange(1, 100))
@click.option("--thresholds", is_flag=True, help="Also print precision and recall per threshold.")
@_DENSE_WEIGHT
def eval_retrieval(
    collection: Path,
    queries: Path,
    qrels: Path,
    k: int,
    thresholds: bool,
    dense_weight: float | None,
) -> None:
    """Load a collection into a throwaway database and index, then score the app's search."""
    documents = [Document(*row) for row in _read(lambda: list(read_tsv(collection, 3)))]
    query_rows = [tuple(row) for row in _read(lambda: list(read_tsv(queries, 2)))]
    judged = _read(read_qrels, qrels)
    if not documents or not judged:
        raise click.ClickException("The collection or the qrels file is empty.")
    with _scratch(dense_weight) as (session, index):
        with click.progressbar(length=len(documents), label="Embedding collection") as bar:
            mapping = store_collection(session, services().embedder, index, documents, bar.update)
        with click.progressbar(length=len(query_rows), label="Searching") as bar:
            scores, scored = evaluate_retrieval(
                session, services().embedder, index, query_rows, mapping, judged, k, bar.update
            )
    if thresholds:
        table = pr_table(scored, relevant_pairs(query_rows, judged))
        _echo_table(table, f"Precision and recall of the top-{k} hits at each threshold")
    click.echo(f"queries {scores.queries}")
    click.echo(f"Recall@{k} {scores.recall_at_k:.4f}")
    click.echo(f"MRR@{k} {scores.mrr_at_k:.4f}")
    click.echo(f"MAP@{k} {scores.map_at_k:.4f}")


@eval_group.command("extraction")
@click.option(
    "--pages",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder of saved web pages (.html).",
)
@click.option(
    "--truth",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON mapping each page's file name to its main text; default: NN.txt beside NN.html.",
)
def eval_extraction(pages: Path, truth: Path | None) -> None:
    """Score main-text extraction: precision, recall and F1 of word 4-shingles, per page."""
    with user_errors():
        scores = evaluate_extraction(pages, truth)
    click.echo("page  precision  recall  F1")
    for s in scores:
        click.echo(f"{s.name}  {s.precision:9.4f}  {s.recall:6.4f}  {s.f1:.4f}")
    precision, recall, f1 = averages(scores)
    click.echo(f"pages {len(scores)}")
    click.echo(f"precision {precision:.4f}")
    click.echo(f"recall {recall:.4f}")
    click.echo(f"F1 {f1:.4f}")


_GOLD_FILE = click.option(
    "--data", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)


@eval_group.command("speakers")
@_GOLD_FILE
def eval_speakers(data: Path) -> None:
    """Score speaker attribution on labelled sentences (lang, context, sentence, speaker)."""
    with user_errors():
        tally = evaluate_speakers(read_rows(data, SPEAKER_COLUMNS))
    for name, (right, total) in sorted(tally.groups.items()):
        click.echo(f"{name} {right}/{total} {right / total:.4f}")
    click.echo(f"sentences {tally.total}")
    click.echo(f"accuracy {tally.accuracy:.4f}")


@eval_group.command("differences")
@_GOLD_FILE
def eval_differences(data: Path) -> None:
    """Score "same claim, different facts" on labelled pairs (lang, left, right, kind, ...)."""
    with user_errors():
        scores = evaluate_pairs(read_rows(data, PAIR_COLUMNS))
    for kind, (right, total) in sorted(scores.by_kind.items()):
        click.echo(f"{kind} {right}/{total} {right / total:.4f}")
    click.echo(f"precision {scores.precision:.4f}")
    click.echo(f"recall {scores.recall:.4f}")
    click.echo(f"F1 {scores.f1:.4f}")


@eval_group.command("similarity")
@click.option("--data", required=True, type=click.Path(exists=True, path_type=Path))
@_DENSE_WEIGHT
def eval_similarity(data: Path, dense_weight: float | None) -> None:
    """Spearman correlation between the app's match score and people's similarity scores."""
    pairs = _read(read_similarity, data)
    if len(pairs) < 2:
        raise click.ClickException("The file needs at least two scored sentence pairs.")
    bar = click.progressbar(length=len(pairs), label="Embedding")
    with _scratch(dense_weight) as (session, index), bar:
        result = evaluate_similarity(session, services().embedder, index, pairs, bar.update)
    click.echo(f"pairs {result.pairs}")
    click.echo(f"Spearman {result.spearman:.4f}")


@group.command("calibrate")
def calibrate() -> None:
    """Recompute the suggestion and auto-link thresholds from reviewers' decisions."""
    with open_session() as session, user_errors():
        row, table = recalibrate(session, "cli")
    _echo_table(table, f"From {row.confirmed} confirmed and {row.rejected} rejected links:")
    click.echo("The new thresholds are in force for the next imports.")


@eval_group.command("checkworthiness")
@click.option("--data", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--heuristic-only", is_flag=True, help="Leave out the learned model (ablation).")
def eval_checkworthiness(data: Path, heuristic_only: bool) -> None:
    """Precision, recall and F1 of the Yes class, scoring each sentence as an import would."""
    texts, labels = _read(read_labelled, data)
    if not texts:
        raise click.ClickException("The file holds no labelled sentence.")
    model = None if heuristic_only else services().checkworthiness
    with click.progressbar(length=len(texts), label="Scoring") as bar:
        scores, threshold = score_sentences(services().embedder, model, texts, bar.update)
    report = f1_report(labels, [int(s >= threshold) for s in scores])
    click.echo(f"sentences {len(texts)} (Yes {sum(labels)}), threshold {threshold:.2f}")
    click.echo(f"precision {report['precision']:.4f}")
    click.echo(f"recall {report['recall']:.4f}")
    click.echo(f"F1 {report['f1']:.4f}")


@group.command("train-checkworthiness")
@click.option("--data", required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=default_path(),
    show_default="the weights shipped in the package",
    help="Where to write the JSON weights.",
)
def train_checkworthiness(data: Path, out: Path) -> None:
    """Train the learned check-worthiness model on a labelled TSV (id, text, label)."""
    if not out.parent.is_dir():
        raise click.ClickException(f"The folder {out.parent} does not exist.")
    try:
        with user_errors():
            model = train_file(data, services().embedder)
        model.save(out)
    except OSError as exc:
        raise click.ClickException(f"Cannot write {out}: {exc.strerror}.") from None
    click.echo(f"Trained on {model.trained_on}; wrote {out} ({out.stat().st_size:,} bytes).")
