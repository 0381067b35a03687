"""The gold-set scorers behind `claims eval speakers` and `claims eval differences`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from claims.errors import InvalidInput
from claims.text.goldsets import (
    PAIR_COLUMNS,
    SPEAKER_COLUMNS,
    evaluate_pairs,
    evaluate_speakers,
    read_rows,
    same_name,
)
from claims.text.mutation import Difference

DATA = Path(__file__).resolve().parent / "data"


def speaker_row(sentence: str, speaker: str, context: str = "", lang: str = "fr") -> dict:
    """One labelled sentence."""
    return {"lang": lang, "context": context, "sentence": sentence, "speaker": speaker}


def pair(kind: str, left: str, right: str, left_value: str = "", right_value: str = "") -> dict:
    """One labelled pair of claims."""
    return {
        "lang": "fr",
        "left": left,
        "right": right,
        "kind": kind,
        "left_value": left_value,
        "right_value": right_value,
    }


def test_names_compare_without_case_accents_or_spacing():
    assert same_name("L'INSEE", "l'Insee")
    assert same_name("Gérald  Darmanin", "Gerald Darmanin")
    assert same_name(None, "")
    assert not same_name("le ministre", "Bertrand Valmont")
    assert not same_name(None, "Bertrand Valmont")


def test_speaker_accuracy_counts_right_answers_by_language_and_kind():
    answers = {"A dit X.": "X", "B dit Y.": "Z", "Rien.": None, "Il l'a dit.": "ignored"}

    def finder(text: str, _language: str, previous: str | None) -> str | None:
        # A pronoun sentence takes the context's speaker, as the app's resolver does.
        return previous if text.startswith("Il") else answers.get(text)

    rows = [
        speaker_row("A dit X.", "X"),
        speaker_row("B dit Y.", "Y"),
        speaker_row("Rien.", "", lang="en"),
        speaker_row("Il l'a dit.", "X", context="A dit X."),
    ]
    tally = evaluate_speakers(rows, finder)
    assert (tally.right, tally.total) == (3, 4)
    assert tally.accuracy == 0.75
    assert tally.groups == {
        "fr": [2, 3],
        "en": [1, 1],
        "attributed": [2, 3],
        "unattributed": [1, 1],
    }


def test_pair_scores_count_found_missed_and_false_alarms():
    answers = {
        "A": [Difference("number", "3", "5")],
        "B": [],
        "C": [Difference("number", "10", "12")],
        "D": [Difference("entity", "Lyon", "Paris")],
    }
    rows = [
        pair("number", "A", "a", "3", "5"),
        pair("same", "B", "b"),
        pair("same", "C", "c"),
        pair("date", "D", "d", "2024", "2025"),
    ]
    scores = evaluate_pairs(rows, lambda left, *_: answers[left])
    # D's wrong difference is a miss and a false alarm.
    assert (scores.found, scores.missed, scores.false_alarms) == (1, 1, 2)
    assert scores.precision == 1 / 3 and scores.recall == 0.5 and scores.f1 == 0.4
    assert scores.by_kind == {"number": [1, 1], "same": [1, 2], "date": [0, 1]}


def test_an_unknown_kind_or_a_missing_column_is_refused():
    with pytest.raises(InvalidInput, match="Unknown kind"):
        evaluate_pairs([pair("colour", "a", "b")])


def test_a_file_without_the_columns_is_refused_with_their_names(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("lang\tsentence\nfr\tx\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="context, speaker, title"):
        read_rows(bad, SPEAKER_COLUMNS)


def test_the_team_sets_are_well_formed():
    speakers = read_rows(DATA / "speakers.tsv", SPEAKER_COLUMNS)
    pairs = read_rows(DATA / "mutation_pairs.tsv", PAIR_COLUMNS)
    assert len(speakers) >= 150 and {r["lang"] for r in speakers} == {"fr", "en"}
    assert len(pairs) >= 100 and {r["kind"] for r in pairs} == {"number", "date", "entity", "same"}
    for row in speakers:
        assert row["sentence"] and (not row["title"] or row["speaker"]), row


def test_the_cli_reports_speaker_accuracy_and_difference_scores(runner):
    result = runner.invoke(args=["claims", "eval", "speakers", "--data", DATA / "speakers.tsv"])
    assert result.exit_code == 0, result.output
    assert re.search(r"^attributed \d+/\d+ ", result.output, re.M)
    assert re.fullmatch(r"accuracy 0\.\d{4}", result.output.splitlines()[-1])
    result = runner.invoke(
        args=["claims", "eval", "differences", "--data", DATA / "mutation_pairs.tsv"]
    )
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"F1 0\.\d{4}|F1 1\.0000", result.output.splitlines()[-1])
    result = runner.invoke(args=["claims", "eval", "differences", "--data", DATA / "speakers.tsv"])
    assert result.exit_code != 0 and "lacks the column(s)" in result.output
