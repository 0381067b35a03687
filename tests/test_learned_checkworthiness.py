"""Learned check-worthiness in the app: imports use it, reasons explain it, and the
`claims eval checkworthiness` and `claims train-checkworthiness` commands measure and rebuild it."""

from __future__ import annotations

from pathlib import Path

import pytest

from claims.text.cwmodel import CheckworthinessModel
from tests.helpers import import_article

FIGURE = "The unemployment rate fell to 3.5 percent last year, the lowest level since 1969."
OPINION = "I think we should all be a little kinder to each other."
FRENCH = "Le taux de chômage est tombé à 7,1 % au dernier trimestre, selon l'Insee."


def _labelled(path: Path, rows: list[tuple[str, str]]) -> Path:
    """Write an id/text/label TSV."""
    lines = ["id\ttext\tlabel"] + [f"{n}\t{text}\t{label}" for n, (text, label) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


ROWS = [(FIGURE, "Yes"), (OPINION, "No")] * 6 + [
    ("Taxes rose by 12 percent in 2023 according to the treasury.", "Yes"),
    ("Well, thank you all for being here tonight.", "No"),
]


def test_eval_prints_precision_recall_and_f1_last(runner, tmp_path):
    result = runner.invoke(
        args=[
            "claims",
            "eval",
            "checkworthiness",
            "--data",
            str(_labelled(tmp_path / "d.tsv", ROWS)),
        ]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("F1 ") and len(lines[-1].split()[1]) == 6
    assert any(line.startswith("precision ") for line in lines)
    assert any(line.startswith("recall ") for line in lines)
    # Without learned weights for this embedder, the heuristic alone still separates these.
    assert float(lines[-1].split()[1]) == 1.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("text\tlabel\nA sentence.\tYes\n", "must start with the header id, text, label"),
        ("id\ttext\tlabel\n1\tA sentence.\tMaybe\n", "expected Yes or No"),
        ("id\ttext\tlabel\n1\tA sentence.\n", "does not have three columns"),
    ],
)
def test_eval_refuses_malformed_files(runner, tmp_path, content, message):
    data = tmp_path / "bad.tsv"
    data.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["claims", "eval", "checkworthiness", "--data", str(data)])
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output


def test_train_writes_weights_the_app_can_load(runner, app, tmp_path):
    out = tmp_path / "weights.json"
    data = _labelled(tmp_path / "train.tsv", ROWS * 3)
    result = runner.invoke(
        args=["claims", "train-checkworthiness", "--data", str(data), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    model = CheckworthinessModel.load(out)
    assert model.model_name == app.extensions["claims"].embedder.name
    assert out.stat().st_size < 100_000


def test_the_api_says_why_a_claim_is_check_worthy(client):
    data = import_article(client, "Alpha", FIGURE)
    claim = data["claims"][0]
    assert "contains a figure" in claim["checkworthiness_reasons"]
    assert "mentions a date" in claim["checkworthiness_reasons"]


@pytest.mark.model
def test_the_shipped_model_scores_imports_and_explains_itself(model_client):
    scores = {}
    for outlet, text in (("Alpha", FIGURE), ("Beta", FRENCH)):
        claim = import_article(model_client, outlet, text)["claims"][0]
        scores[text] = claim
    english, french = scores[FIGURE], scores[FRENCH]
    assert english["checkworthiness"] >= 0.5
    assert english["checkworthiness_reasons"][0].startswith("worded like claims fact-checkers")
    # French has no training data: the learned probability is blended with the heuristic.
    assert 0.5 <= french["checkworthiness"] <= 1.0
    assert "contains a percentage" in french["checkworthiness_reasons"]
    page = model_client.get(f"/claims/{english['id']}").get_data(as_text=True)
    assert "worded like claims fact-checkers chose to check" in page


@pytest.mark.model
def test_eval_with_the_shipped_model_on_ct2024_dev(model_app, shared_bench):
    data = shared_bench / "checkworthiness" / "ct2024-t1" / "dev.tsv"
    result = model_app.test_cli_runner().invoke(
        args=["claims", "eval", "checkworthiness", "--data", str(data)]
    )
    assert result.exit_code == 0, result.output
    assert float(result.output.strip().splitlines()[-1].split()[1]) >= 0.82


def test_train_refuses_a_missing_output_folder_before_any_work(runner, tmp_path):
    data = _labelled(tmp_path / "train.tsv", ROWS)
    out = tmp_path / "missing" / "weights.json"
    result = runner.invoke(
        args=["claims", "train-checkworthiness", "--data", str(data), "--out", str(out)]
    )
    assert result.exit_code != 0 and "does not exist" in result.output
    assert "Traceback" not in result.output and not out.parent.exists()


def test_train_refuses_a_file_with_one_class(runner, tmp_path):
    data = _labelled(tmp_path / "train.tsv", [(FIGURE, "Yes")] * 3)
    out = tmp_path / "weights.json"
    result = runner.invoke(
        args=["claims", "train-checkworthiness", "--data", str(data), "--out", str(out)]
    )
    assert result.exit_code != 0 and "both classes" in result.output
    assert not out.exists()
