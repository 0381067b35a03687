"""Tests for claims.mutation: same claim, different figures, dates or names."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from claims.text.mutation import Difference, describe, differences

DATA = Path(__file__).resolve().parent / "data" / "mutations.tsv"

# (language, left, right, expected kind or "same", left value, right value)
CASES = [
    # --- figures ---------------------------------------------------------------------------------
    ("fr", "Tokyo a évoqué le lancement de trois missiles",
     "Tokyo a évoqué le lancement de deux missiles", "number", "trois", "deux"),
    ("fr", "Le plan coûtera 500 millions d'euros à l'État",
     "Le plan coûtera 550 millions d'euros à l'État", "number", "500 millions", "550 millions"),
    ("fr", "Le chômage a atteint 7,3 % au dernier trimestre",
     "Le chômage a atteint 7,1 % au dernier trimestre", "number", "7,3", "7,1"),
    ("en", "The strike left 1,200 people without power",
     "The strike left 1,500 people without power", "number", "1,200", "1,500"),
    ("en", "The company lost $3.5m last year", "The company lost $4m last year",
     "number", "3.5m", "4m"),
    ("fr", "Le déficit atteint 1,5 milliard d'euros", "Le déficit atteint 2 milliards d'euros",
     "number", "1,5 milliard", "2 milliards"),
    ("en", "Twenty-five soldiers were killed in the attack",
     "Thirty soldiers were killed in the attack", "number", "Twenty-five", "Thirty"),
    ("en", "One person died in the fire, officials said",
     "Two people died in the fire, officials said", "number", "One", "Two"),
    ("fr", "Près d'un quart des détenus sont étrangers",
     "Près d'un tiers des détenus sont étrangers", "number", "un quart", "un tiers"),
    ("en", "Half of adults own a gun", "A third of adults own a gun", "number", "Half", "A third"),
    ("fr", "Le chômage a reculé de -0,3 point", "Le chômage a reculé de 0,3 point",
     "number", "-0,3", "0,3"),
    ("fr", "Une douzaine de manifestants ont été interpellés",
     "Une vingtaine de manifestants ont été interpellés", "number", "douzaine", "vingtaine"),
    # --- dates -----------------------------------------------------------------------------------
    ("fr", "Le chômage a baissé en 2022 selon l'Insee",
     "Le chômage a baissé en 2023 selon l'Insee", "date", "2022", "2023"),
    ("fr", "Le sommet s'est tenu le 12 mars à Bruxelles",
     "Le sommet s'est tenu le 13 mars à Bruxelles", "date", "12 mars", "13 mars"),
    ("en", "The vote took place on March 12 in Washington",
     "The vote took place on April 12 in Washington", "date", "March 12", "April 12"),
    ("fr", "La loi a été votée mardi par les députés", "La loi a été votée jeudi par les députés",
     "date", "mardi", "jeudi"),
    ("en", "The ceasefire began at 2 pm on Sunday", "The ceasefire began at 4 pm on Sunday",
     "date", "2 pm", "4 pm"),
    ("fr", "L'accord a été signé le 1er mai 2023", "L'accord a été signé le 1er mai 2021",
     "date", "2023", "2021"),
    ("fr", "Le couvre-feu commence à 18h", "Le couvre-feu commence à 20h", "date", "18h", "20h"),
    ("fr", "Le décret a été publié le 12/03/2023", "Le décret a été publié le 13/03/2023",
     "date", "12/03/2023", "13/03/2023"),
    # --- names -----------------------------------------------------------------------------------
    ("fr", "La réforme a été présentée par Emmanuel Macron devant le Parlement",
     "La réforme a été présentée par Édouard Philippe devant le Parlement",
     "entity", "Emmanuel Macron", "Édouard Philippe"),
    ("fr", "Emmanuel Macron a annoncé une hausse des salaires",
     "Édouard Philippe a annoncé une hausse des salaires",
     "entity", "Emmanuel Macron", "Édouard Philippe"),
    ("en", "The explosion was heard in New York on Monday",
     "The explosion was heard in Boston on Monday", "entity", "New York", "Boston"),
    ("fr", "Selon M. Dupont, la Banque de France prévoit une récession",
     "Selon M. Durand, la Banque de France prévoit une récession", "entity", "Dupont", "Durand"),
    ("fr", "Tokyo a dénoncé un nouveau tir de missile", "Séoul a dénoncé un nouveau tir de missile",
     "entity", "Tokyo", "Séoul"),
    ("en", "The missile was built by Lockheed Martin", "The missile was built by Boeing",
     "entity", "Lockheed Martin", "Boeing"),
    ("fr", "Marine Le Pen a dénoncé la réforme des retraites",
     "Jean-Marie Le Pen a dénoncé la réforme des retraites",
     "entity", "Marine Le Pen", "Jean-Marie Le Pen"),
    # --- rewording: same facts -------------------------------------------------------------------
    ("fr", "Tokyo a évoqué le lancement de trois missiles",
     "Tokyo a évoqué le lancement de 3 missiles", "same", "", ""),
    ("fr", "Le pays compte 1,5 million de chômeurs", "Le pays compte 1 500 000 chômeurs",
     "same", "", ""),
    ("en", "There are three million people on the waiting list",
     "There are 3 million people on the waiting list", "same", "", ""),
    ("fr", "Le chômage touche 12 % des jeunes", "Le chômage touche 12% des jeunes", "same", "", ""),
    ("fr", "Le chômage touche douze pour cent des jeunes", "Le chômage touche 12 % des jeunes",
     "same", "", ""),
    ("fr", "Le sommet aura lieu mardi 12 mars", "Le sommet aura lieu le 12 mars", "same", "", ""),
    ("fr", "Il a tiré quatre-vingt-dix-sept roquettes", "Il a tiré 97 roquettes", "same", "", ""),
    ("fr", "On compte vingt et un morts", "On compte 21 morts", "same", "", ""),
    ("en", "A dozen missiles were fired", "12 missiles were fired", "same", "", ""),
    ("fr", "Le déficit atteint 1,5 milliard", "Le déficit atteint 1 500 millions", "same", "", ""),
    ("en", "The rate rose to 7.3% on March 12, 2023", "The rate rose to 7.3% on 12 March 2023",
     "same", "", ""),
    ("fr", "Selon l'Insee, le PIB a progressé de 0,2 %",
     "Le PIB a progressé de 0,2 %, selon l'Insee", "same", "", ""),
    ("fr", "Emmanuel Macron a annoncé la réforme", "Le président a annoncé la réforme",
     "same", "", ""),
    ("fr", "Le président Emmanuel Macron a annoncé la réforme",
     "Macron a annoncé la réforme, a indiqué l'Élysée", "same", "", ""),
    ("fr", "L'Élysée a confirmé la visite", "L'Elysée a confirmé la visite", "same", "", ""),
    ("en", "The plan costs $2.5 billion", "The plan costs 2,500 million dollars", "same", "", ""),
    ("fr", "Le bilan s'élève à deux cent mille morts", "Le bilan s'élève à 200 000 morts",
     "same", "", ""),
    ("fr", "Tokyo et Séoul ont condamné le tir", "Tokyo et Séoul ont condamné le tir.",
     "same", "", ""),
    ("en", "Between two and three missiles were fired", "Between 2 and 3 missiles were fired",
     "same", "", ""),
    ("fr", "La moitié des Français sont favorables", "50 % des Français sont favorables",
     "same", "", ""),
    ("fr", "Les deux tiers des députés ont voté", "67 % des députés ont voté", "same", "", ""),
    ("en", "President Biden signed the bill on Tuesday", "Joe Biden signed the bill on Tuesday",
     "same", "", ""),
    ("fr", "Les 27 pays de l'UE ont voté", "Les vingt-sept pays de l'Union européenne ont voté",
     "same", "", ""),
    ("en", "The U.S. economy grew 2% in 2023", "The US economy grew 2% in 2023", "same", "", ""),
    ("en", "Officials said three people died", "Authorities said 3 people died", "same", "", ""),
    ("en", "The couvre-feu starts at 8 pm", "The couvre-feu starts at 20:00", "same", "", ""),
    ("fr", "Le bilan est de 2 900 morts, a indiqué M. Dupont", "Le bilan est de 2900 morts",
     "same", "", ""),
]  # fmt: skip

CROSS_LANGUAGE = [
    ("en", "fr", "1,200 jobs were cut in 2023", "1 200 emplois ont été supprimés en 2023", []),
    ("en", "fr", "Inflation reached 5.2% in March", "L'inflation a atteint 5,2 % en mars", []),
    ("en", "fr", "The tax raised three million euros", "La taxe a rapporté 4 millions d'euros",
     [("number", "three million euros", "4 millions d'euros")]),
]  # fmt: skip


def _matches(expected: str, actual: str) -> bool:
    """Loose containment either way: "500" matches "500 millions d'euros" and vice versa."""
    return expected in actual or (actual != "" and actual in expected)


def _check(lang: str, left: str, right: str, kind: str, left_value: str, right_value: str):
    """Assert differences() finds the expected kind and values, or nothing for "same"."""
    found = differences(left, right, lang, lang)
    if kind == "same":
        assert found == [], found
        return
    assert found, f"no difference found between {left!r} and {right!r}"
    assert any(
        d.kind == kind and _matches(left_value, d.left) and _matches(right_value, d.right)
        for d in found
    ), found


@pytest.mark.parametrize(("lang", "left", "right", "kind", "left_value", "right_value"), CASES)
def test_inline_cases(lang, left, right, kind, left_value, right_value):
    """Hand-picked French and English pairs covering every rule of the detector."""
    _check(lang, left, right, kind, left_value, right_value)


@pytest.mark.parametrize(("lang", "left", "right", "kind", "left_value", "right_value"), CASES)
def test_inline_cases_are_symmetric(lang, left, right, kind, left_value, right_value):
    """Swapping the claims swaps each difference's sides."""
    _check(lang, right, left, kind, right_value, left_value)


@pytest.mark.parametrize(("left_lang", "right_lang", "left", "right", "expected"), CROSS_LANGUAGE)
def test_cross_language(left_lang, right_lang, left, right, expected):
    """Each claim is read with its own language's number conventions."""
    found = differences(left, right, left_lang, right_lang)
    assert [(d.kind, d.left, d.right) for d in found] == expected


def _data_rows() -> list:
    """Rows of the hand-written data file, as pytest params (empty when the file is missing)."""
    if not DATA.exists():
        return []
    with DATA.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            pytest.param(
                row["lang"],
                row["left"],
                row["right"],
                row["kind"],
                row["left_value"] or "",
                row["right_value"] or "",
                id=f"line{number}",
            )
            for number, row in enumerate(reader, start=2)
        ]


DATA_ROWS = _data_rows()


@pytest.mark.skipif(not DATA.exists(), reason=f"{DATA} is missing: no hand-written pairs to run")
@pytest.mark.parametrize(
    ("lang", "left", "right", "kind", "left_value", "right_value"),
    DATA_ROWS or [pytest.param("fr", "", "", "same", "", "", id="no-data")],
)
def test_data_file(lang, left, right, kind, left_value, right_value):
    """Every row of tests/data/mutations.tsv: the expected difference, or none for "same"."""
    assert kind in ("number", "date", "entity", "same")
    _check(lang, left, right, kind, left_value, right_value)


def test_difference_is_frozen():
    """Differences are immutable values."""
    diff = Difference("number", "trois", "deux")
    with pytest.raises(dataclasses.FrozenInstanceError):
        diff.kind = "date"  # type: ignore[misc]


def test_year_is_a_date_not_a_figure():
    """2022 vs 2023 is reported as a date."""
    assert differences("en 2022", "en 2023") == [Difference("date", "2022", "2023")]


def test_one_sided_facts_are_not_differences():
    """A name, figure or weekday mentioned on one side only is a paraphrase, not a mutation."""
    assert differences("Macron a parlé mardi à Paris", "Macron a parlé") == []
    assert differences("Trois missiles ont été tirés", "Des missiles ont été tirés") == []


def test_unknown_language_uses_both_rule_sets():
    """An unknown code reads both French and English number words."""
    found = differences("three missiles", "deux missiles", "de", "xx")
    assert found == [Difference("number", "three", "deux")]


def test_describe():
    """One English sentence grouping the differences by kind."""
    assert describe([Difference("number", "trois", "deux")]) == "Different figures: trois vs deux."
    sentence = describe(
        [
            Difference("number", "3", "4"),
            Difference("date", "2022", "2023"),
            Difference("entity", "Macron", "Philippe"),
        ]
    )
    assert sentence == "Different figures: 3 vs 4; dates: 2022 vs 2023; names: Macron vs Philippe."
    assert describe([Difference("entity", "", "Macron")]) == "Different names: (none) vs Macron."
    assert describe([])


def test_a_long_sentence_full_of_facts_reports_only_what_changed():
    """Two 40-word sentences full of facts differ by exactly the two swapped facts."""
    left = (
        "Selon le ministère de la Défense, Tokyo a évoqué mardi 12 mars 2024 le lancement de "
        "trois missiles balistiques et de 1 500 drones, pour un coût de 1,5 milliard d'euros, "
        "a déclaré Emmanuel Macron à Paris devant Olaf Scholz."
    )
    right = left.replace("trois", "deux").replace("Scholz", "Merz")
    assert 38 <= len(left.split()) <= 42
    assert {d.kind for d in differences(left, right)} == {"number", "entity"}
    assert len(differences(left, right)) == 2


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\x00\x01\x02",
        "😀👍🏽🇫🇷",
        "\ud800 lone surrogate",
        "1" * 5000,
        "Trois " * 3000,
        "1,2,3,4.5.6 000 000,000 %%% $€£ 12h99 31/02/2023 2023-13-45",
        "M. . . « » — ( : 1er 2e 3rd XXe",
        "un une a an one de d' and et - -- 1-2 COVID-19 A380",
    ],
)
def test_never_raises_on_odd_input(text):
    """Degenerate input gives a list, never an exception."""
    assert isinstance(differences(text, "Tokyo a tiré trois missiles"), list)
    assert isinstance(differences("Tokyo a tiré trois missiles", text, "en", "zz"), list)
    assert differences(text, text) == []


CLAIM_WORDS = (
    "Tokyo", "a", "évoqué", "trois", "deux", "missiles", "1,5", "million", "milliards", "12 %",
    "mardi", "12 mars", "2023", "Emmanuel", "Macron", "Le", "la", "de", "d'euros", "the",
    "three", "hundred", "and", "dozen", "March", "May", "New York", "M.", "«", "»", ".", ",",
    "vingt", "et", "un", "one", "of", "$3.5m", "14h30", "1 200", "1,200", "l'Insee", "—",
)  # fmt: skip
claims_text = st.lists(st.sampled_from(CLAIM_WORDS), max_size=25).map(" ".join)
any_text = st.text(max_size=200)
languages = st.sampled_from(["fr", "en", "de", "", "FR-fr"])


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(claims_text, any_text), language=languages)
@example(text="Tokyo a évoqué trois missiles", language="fr")
def test_identical_claims_have_no_difference(text, language):
    """A claim never differs from itself."""
    assert differences(text, text, language, language) == []


@settings(max_examples=300, deadline=None)
@given(left=st.one_of(claims_text, any_text), right=st.one_of(claims_text, any_text))
def test_never_raises(left, right):
    """Any two texts give a list of well-formed differences."""
    found = differences(left, right, "fr", "en")
    assert all(d.kind in ("number", "date", "entity") for d in found)
    assert isinstance(describe(found), str)
