"""Formula-safe CSV."""

import csv
import io

import pytest

from claims.csvsafe import csv_lines, neutralise, separator
from claims.errors import InvalidInput


@pytest.mark.parametrize("value", ["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["plain", "", "1,5 %", "a=b", None, 42])
def test_other_cells_are_unchanged(value):
    assert neutralise(value) == ("" if value is None else str(value))


def test_csv_lines_start_with_a_bom_and_round_trip():
    rows = [[1, 'quote " and, comma', "=cmd"], [2, "multi\nline", "é"]]
    text = "".join(csv_lines(["id", "text", "x"], rows))
    assert text.startswith("\ufeffid,text,x")
    parsed = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert parsed == [
        ["id", "text", "x"],
        ["1", 'quote " and, comma', "'=cmd"],
        ["2", "multi\nline", "é"],
    ]


@pytest.mark.parametrize(
    ("name", "language", "expected"),
    [
        (None, "fr", ";"),
        (None, "en", ","),
        ("", "fr", ";"),
        (",", "fr", ","),
        (";", "en", ";"),
        ("tab", "fr", "\t"),
        ("\t", "en", "\t"),
        ("Semicolon", "en", ";"),
    ],
)
def test_the_separator_follows_the_option_then_the_language(name, language, expected):
    assert separator(name, language) == expected


@pytest.mark.parametrize("name", ["|", "::", "x", "0"])
def test_an_unknown_separator_is_refused_with_the_choices(name):
    with pytest.raises(InvalidInput, match="comma"):
        separator(name, "fr")


def test_a_semicolon_csv_keeps_commas_and_injection_safety():
    rows = [[1, "1,5 % ; mais", "=cmd"]]
    text = "".join(csv_lines(["id", "text", "x"], rows, ";"))
    assert text.startswith("\ufeffid;text;x\r\n")
    parsed = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert parsed == [["id", "text", "x"], ["1", "1,5 % ; mais", "'=cmd"]]


def _report(client, query: str) -> tuple[int, str]:
    """Download the verdict report with a query string; return its status and text."""
    response = client.get(f"/export/verdicts.csv{query}")
    return response.status_code, response.get_data(as_text=True).removeprefix("\ufeff")


def test_the_export_url_takes_a_separator(client):
    stored = client.post(
        "/api/articles",
        json={"title": "T", "source": "AFP", "body": "Le chômage a baissé de 3,5 % en 2024."},
    ).get_json()
    verdict = {"rating": "false", "explanation": "Faux, selon l'Insee ; voir la note."}
    client.post(f"/api/claims/{stored['claims'][0]['id']}/verdicts", json=verdict)
    for query, delimiter in [("?sep=%3B", ";"), ("?sep=tab", "\t"), ("?sep=,", ",")]:
        status, text = _report(client, query)
        assert status == 200
        header, row = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        assert header[:2] == ["claim_id", "claim"]
        assert row[header.index("explanation")] == verdict["explanation"]
    status, text = _report(client, "?sep=%7C")
    assert status == 400 and "tab" in text


def test_the_cli_export_takes_a_separator(runner, tmp_path):
    out = tmp_path / "v.csv"
    result = runner.invoke(args=["claims", "export", "--out", str(out), "--sep", ";"])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("\ufeffclaim_id;claim;")
    result = runner.invoke(args=["claims", "export", "--out", str(out), "--sep", "|"])
    assert result.exit_code != 0 and "semicolon" in result.output
