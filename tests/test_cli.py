"""The `flask claims` commands."""

import csv
import io
from pathlib import Path

import pytest
from sqlmodel import Session, select

from claims.models import Claim
from claims.schemas import VerdictIn
from claims.search.changes import last_change
from claims.services.verdicts import record_verdict
from tests.conftest import HashingEmbedder, make_app

ROOT = Path(__file__).resolve().parent.parent


def session_of(app) -> Session:
    return Session(app.extensions["claims"].engine, expire_on_commit=False)


def test_import_folder_then_again_is_idempotent(runner):
    first = runner.invoke(args=["claims", "import", str(ROOT / "seeds")])
    assert first.exit_code == 0, first.output
    assert "Imported 11 new article(s), 0 already known, 0 failed." in first.output
    again = runner.invoke(args=["claims", "import", str(ROOT / "seeds")])
    assert "Imported 0 new article(s), 11 already known, 0 failed." in again.output


def test_import_skips_a_bad_file_and_goes_on(runner, app, tmp_path):
    (tmp_path / "good.txt").write_text("The council approved 14 new tram stops on Monday.")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01binary")
    result = runner.invoke(args=["claims", "import", "--source", "Test", str(tmp_path)])
    assert result.exit_code == 0
    assert "Skipped" in result.output and "binary" in result.output
    assert "Imported 1 new article(s)" in result.output
    with session_of(app) as session:
        assert len(session.exec(select(Claim)).all()) == 1


def test_import_jsonl_and_missing_source_is_reported(runner, tmp_path):
    lines = tmp_path / "feed.jsonl"
    lines.write_text(
        '{"title": "A", "source": "S", "body": "Unemployment fell to 7.1% in March, INSEE said."}\n'
        '{"title": "B", "source": "S", "body": "Exports rose by 12% in 2023, the ministry said."}\n'
    )
    assert (
        "Imported 2 new article(s)" in runner.invoke(args=["claims", "import", str(lines)]).output
    )
    nosource = tmp_path / "x.txt"
    nosource.write_text("Some text that has no source given.")
    result = runner.invoke(args=["claims", "import", str(nosource)])
    assert result.exit_code == 1 and "source" in result.output


def test_reindex_re_embeds_claims_of_another_model(tmp_path, runner, app):
    runner.invoke(args=["claims", "import", str(ROOT / "seeds" / "002_kim_putin_summit_wire.md")])

    class Other(HashingEmbedder):
        def __init__(self):
            super().__init__()
            self.name = "another-model"

    other = make_app(tmp_path, Other())
    result = other.test_cli_runner().invoke(args=["claims", "reindex"])
    assert result.exit_code == 0, result.output
    with session_of(other) as session:
        claims = session.exec(select(Claim)).all()
        assert claims and all(c.embedding_model == "another-model" for c in claims)
        index = other.extensions["claims"].index
        assert index.model == "another-model" and len(index) == len(claims)
        assert index.position == last_change(session)
        # The next process starts from the snapshot reindex wrote, at that position.
        assert index.snapshot_position == index.position
    assert f"the index holds {len(claims)} claim(s)" in result.output


def test_export_writes_the_filtered_csv(runner, app, tmp_path):
    runner.invoke(args=["claims", "import", str(ROOT / "seeds" / "002_kim_putin_summit_wire.md")])
    with session_of(app) as session:
        first, second = session.exec(select(Claim).order_by(Claim.id).limit(2)).all()
        verdict = {"explanation": "=cmd|' /C calc'!A0"}
        record_verdict(session, first.id, VerdictIn(rating="false", **verdict), actor="ana")
        record_verdict(session, second.id, VerdictIn(rating="true", **verdict), actor="ana")
    out = tmp_path / "v.csv"
    result = runner.invoke(args=["claims", "export", "--out", str(out), "--rating", "false"])
    assert result.exit_code == 0 and "Wrote 1 verdict(s)" in result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [r["claim_id"] for r in rows] == [str(first.id)]
    assert rows[0]["rating"] == "False" and rows[0]["rating_value"] == "1"
    assert rows[0]["explanation"].startswith("'=")
    assert rows[0]["reviewer"] == "ana"


def test_export_refuses_bad_filters(runner, tmp_path):
    result = runner.invoke(
        args=["claims", "export", "--out", str(tmp_path / "x.csv"), "--rating", "bogus"]
    )
    assert result.exit_code != 0 and "rating scale" in result.output
    assert not (tmp_path / "x.csv").exists()


def write_tsv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_eval_retrieval_prints_map_last(runner, tmp_path):
    collection = write_tsv(
        tmp_path / "c.tsv",
        "id\ttext\ttitle",
        [
            "c1\tThe Eiffel Tower was sold for scrap in 1925.\tEiffel sale",
            "c2\tDrinking bleach cures viral infections.\tBleach cure",
            "c3\tThe moon landing was filmed in a studio.\tMoon hoax",
        ],
    )
    queries = write_tsv(
        tmp_path / "q.tsv",
        "id\ttext",
        ["q1\tdoes bleach cure a viral infection", "q2\tmoon landing filmed studio hoax"],
    )
    qrels = tmp_path / "r.qrels"
    qrels.write_text("q1\t0\tc2\t1\nq2\t0\tc3\t1\n")
    result = runner.invoke(
        args=[
            "claims",
            "eval",
            "retrieval",
            "--collection",
            str(collection),
            "--queries",
            str(queries),
            "--qrels",
            str(qrels),
        ]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1] == "MAP@5 1.0000"
    assert "MRR@5 1.0000" in lines and "Recall@5 1.0000" in lines


def test_eval_refuses_malformed_qrels(runner, tmp_path):
    collection = write_tsv(tmp_path / "c.tsv", "id\ttext\ttitle", ["c1\ttext\t"])
    queries = write_tsv(tmp_path / "q.tsv", "id\ttext", ["q1\ttext"])
    qrels = tmp_path / "r.qrels"
    qrels.write_text("q1 c1\n")
    result = runner.invoke(
        args=[
            "claims",
            "eval",
            "retrieval",
            "--collection",
            str(collection),
            "--queries",
            str(queries),
            "--qrels",
            str(qrels),
        ]
    )
    assert result.exit_code != 0 and "expected 4 fields" in result.output


@pytest.mark.model
def test_eval_retrieval_with_the_real_model_on_a_dev_subset(model_app, shared_bench, tmp_path):
    """A regression guard on 40 ct2022 dev queries against a 600-claim slice of the collection."""
    base = shared_bench / "retrieval" / "ct2022-t2a"
    qrels_lines = (base / "dev.qrels").read_text().splitlines()[:40]
    wanted_queries = {line.split("\t")[0] for line in qrels_lines}
    wanted_docs = {line.split("\t")[2] for line in qrels_lines}
    coll_lines = (base / "collection.tsv").read_text(encoding="utf-8").splitlines()
    keep = [ln for ln in coll_lines[1:] if ln.split("\t")[0] in wanted_docs]
    keep += [ln for ln in coll_lines[1:600] if ln.split("\t")[0] not in wanted_docs]
    query_lines = (base / "dev.queries.tsv").read_text(encoding="utf-8").splitlines()
    queries = [ln for ln in query_lines[1:] if ln.split("\t")[0] in wanted_queries]
    collection = write_tsv(tmp_path / "c.tsv", coll_lines[0], keep)
    query_file = write_tsv(tmp_path / "q.tsv", query_lines[0], queries)
    qrels = tmp_path / "r.qrels"
    qrels.write_text("\n".join(qrels_lines) + "\n")
    result = model_app.test_cli_runner().invoke(
        args=[
            "claims",
            "eval",
            "retrieval",
            "--collection",
            str(collection),
            "--queries",
            str(query_file),
            "--qrels",
            str(qrels),
        ]
    )
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("MAP@5 ") and float(last.split()[1]) >= 0.85
