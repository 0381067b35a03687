"""`claims eval similarity` and the team's French claim-matching set, through the app's path."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
FRENCH = DATA / "fr_matching"


def _eval(runner, *args: str):
    """Run `flask claims eval ...` and return the result."""
    return runner.invoke(args=["claims", "eval", *args])


def _last_value(output: str, label: str) -> float:
    """Return the number on the last line, checking its label."""
    last = output.strip().splitlines()[-1]
    assert last.startswith(f"{label} "), output
    return float(last.split()[1])


def _write(path: Path, rows: list[str]) -> Path:
    """Write an STS file with its header."""
    path.write_text("sentence1\tsentence2\tscore\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_similarity_orders_pairs_like_people_do(runner, tmp_path):
    base = "Le gouvernement a annoncé une hausse des impôts sur le revenu en 2025"
    rows = [
        f"{base}\t{base}\t5.0",
        f"{base}\t{base.replace('hausse', 'baisse')}\t3.8",
        f"{base}\tLe gouvernement a annoncé une réforme des retraites en 2025\t2.0",
        f"{base}\tLes chats dorment beaucoup pendant la journée\t0.0",
    ]
    result = _eval(runner, "similarity", "--data", str(_write(tmp_path / "sts.tsv", rows)))
    assert result.exit_code == 0, result.output
    assert "pairs 4" in result.output
    assert _last_value(result.output, "Spearman") == 1.0


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["une phrase\tune autre\tbeaucoup"], "is not a number"),
        (["une phrase\tune autre\t3.0"], "at least two scored sentence pairs"),
    ],
)
def test_similarity_refuses_bad_files(runner, tmp_path, rows, message):
    result = _eval(runner, "similarity", "--data", str(_write(tmp_path / "sts.tsv", rows)))
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.model
def test_similarity_with_the_real_model_on_stsb_fr(model_app, shared_bench, tmp_path):
    """A regression guard on the first 300 pairs of the French STS benchmark's dev split."""
    lines = (shared_bench / "similarity" / "stsb-fr" / "dev.tsv").read_text("utf-8").splitlines()
    data = tmp_path / "sts.tsv"
    data.write_text("\n".join(lines[:301]) + "\n", encoding="utf-8")
    result = _eval(model_app.test_cli_runner(), "similarity", "--data", str(data))
    assert result.exit_code == 0, result.output
    assert _last_value(result.output, "Spearman") >= 0.70


def _french_eval(runner, *extra: str):
    """Score the app on the team's French social-post → claim set."""
    return _eval(
        runner,
        "retrieval",
        "--collection",
        str(FRENCH / "collection.tsv"),
        "--queries",
        str(FRENCH / "queries.tsv"),
        "--qrels",
        str(FRENCH / "qrels"),
        *extra,
    )


@pytest.mark.model
def test_french_posts_find_their_claims_with_the_real_model(model_app):
    result = _french_eval(model_app.test_cli_runner(), "--thresholds")
    assert result.exit_code == 0, result.output
    assert "queries 87" in result.output
    assert "suggested thresholds: suggest" in result.output
    assert _last_value(result.output, "MAP@5") >= 0.80


def test_the_french_set_is_well_formed():
    collection = (FRENCH / "collection.tsv").read_text("utf-8").splitlines()[1:]
    queries = (FRENCH / "queries.tsv").read_text("utf-8").splitlines()[1:]
    claim_ids = {line.split("\t")[0] for line in collection}
    query_ids = {line.split("\t")[0] for line in queries}
    assert len(claim_ids) == len(collection) >= 150 and len(query_ids) == len(queries) >= 80
    for line in (FRENCH / "qrels").read_text("utf-8").splitlines():
        query_id, _, claim_id, relevance = line.split("\t")
        assert query_id in query_ids and claim_id in claim_ids and relevance == "1"
