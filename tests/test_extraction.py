"""Main-text extraction measured as the public benchmarks do: 4-shingle precision and recall."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claims.intake.extraction import averages, evaluate_extraction, score_text, shingles

DATA = Path(__file__).resolve().parent / "data" / "extraction"


def test_shingles_are_runs_of_four_words_counted_with_repeats():
    assert shingles("A b c d e") == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}
    assert sum(shingles("x y z w x y z w").values()) == 5
    assert shingles("trois mots seuls") == {("trois", "mots", "seuls"): 1}
    assert not shingles("")


def test_scores_reward_the_main_text_and_punish_boilerplate_and_losses():
    truth = "Le chômage a reculé de 0,3 point au troisième trimestre selon l'Insee."
    assert score_text("p", truth, truth).f1 == 1.0
    padded = score_text("p", "Accueil Menu Connexion S'abonner " + truth, truth)
    assert padded.recall == 1.0 and padded.precision < 1.0
    halved = score_text("p", truth[: len(truth) // 2], truth)
    assert halved.precision == 1.0 and halved.recall < 0.6
    assert score_text("p", "", truth).f1 == 0.0


def test_a_truth_file_can_name_the_texts(tmp_path):
    page = tmp_path / "a.html"
    body = "<p>Le conseil municipal a voté un budget de 12 millions d'euros pour le tram.</p>"
    page.write_text(f"<html><body><article>{body}</article></body></html>", encoding="utf-8")
    truth = tmp_path / "truth.json"
    text = "Le conseil municipal a voté un budget de 12 millions d'euros pour le tram."
    truth.write_text(json.dumps({"a.html": {"text": text}}), encoding="utf-8")
    [scored] = evaluate_extraction(tmp_path, truth)
    assert scored.f1 == 1.0


@pytest.mark.parametrize(("split", "floor"), [("dev", 0.93), ("test", 0.95)])
def test_the_team_pages_are_extracted_to_the_goal(split, floor):
    """Measured 0.942 on dev and 0.959 on the held-out test pages: a regression shows here."""
    precision, recall, f1 = averages(evaluate_extraction(DATA / split))
    assert f1 >= floor, (precision, recall, f1)


def test_the_command_prints_the_figures(app):
    result = app.test_cli_runner().invoke(
        args=["claims", "eval", "extraction", "--pages", str(DATA / "dev")]
    )
    assert result.exit_code == 0, result.output
    assert "pages 10" in result.output and "F1 0.9" in result.output
    bad = app.test_cli_runner().invoke(args=["claims", "eval", "extraction", "--pages", str(DATA)])
    assert bad.exit_code != 0 and "No page" in bad.output
