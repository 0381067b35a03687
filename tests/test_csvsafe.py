"""Formula-safe CSV."""

import csv
import io

import pytest

from claims.csvsafe import csv_lines, neutralise


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
