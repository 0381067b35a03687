"""The lexicon: one fold, one language-code parser, and word lists that nobody copies again."""

from __future__ import annotations

import ast
import re
import sys
import unicodedata
from pathlib import Path

import pytest

from claims.text import lexicon
from claims.text.lexicon import (
    BM25_STOPWORDS,
    RULE_LANGUAGES,
    SPEAKER_BOUNDARIES,
    flat,
    fold,
    language_code,
    rule_languages,
)

PACKAGE = Path(__file__).resolve().parent.parent / "claims"
# The layers that apply words; lexicon.py is the one module allowed to spell them out.
SCANNED = sorted((*PACKAGE.glob("text/*.py"), *PACKAGE.glob("search/*.py")))
CALENDAR = {
    fold(word)
    for word in (
        *flat(lexicon.FR_MONTHS),
        *flat(lexicon.EN_MONTHS),
        *flat(lexicon.FR_MONTH_ABBREVIATIONS),
        *flat(lexicon.EN_MONTH_ABBREVIATIONS),
        *lexicon.FR_WEEKDAYS,
        *lexicon.EN_WEEKDAYS,
    )
}
REPORTING = {
    fold(word)
    for word in (
        *lexicon.FR_REPORTING_PARTICIPLES,
        *lexicon.FR_REPORTING_PRESENT,
        *lexicon.FR_REPORTING_PRESENT_BEFORE_SPEECH,
        *lexicon.EN_REPORTING_VERBS,
    )
}


# --- fold ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Été À Pékin", "ete a pekin"),
        ("Édouard", "edouard"),
        ("ÇA DÉPEND", "ca depend"),
        ("naïve Noël", "naive noel"),
        ("Straße", "strasse"),
        ("ﬁnance", "finance"),
        ("Œuvre", "œuvre"),
        ("İstanbul", "istanbul"),
        ("𝐘𝐎𝐔𝐍𝐆 𝓒𝓻𝓲𝓼𝓽𝓪𝓵", "young cristal"),
        ("Tokyo, 2024!", "tokyo, 2024!"),
        ("", ""),
    ],
)
def test_fold_strips_accents_and_case(text: str, expected: str) -> None:
    """Accents go, case folds (ß, ligatures and styled letters included), the rest stays."""
    assert fold(text) == expected


def test_the_ascii_fast_path_agrees_with_the_full_fold() -> None:
    """lower() on ASCII gives what decomposing and case-folding would."""
    for text in ("Hello World", "MIXED case 42", "l'Insee", "\t\n~"):
        slow = unicodedata.normalize("NFKD", text).casefold()
        assert fold(text) == slow


def test_fold_is_idempotent_and_leaves_no_marks() -> None:
    """Folding twice changes nothing, and no combining mark survives, across the BMP."""
    for point in range(0x20, 0x3000):
        once = fold(chr(point))
        assert fold(once) == once, hex(point)
        assert not any(unicodedata.combining(c) for c in once), hex(point)


# --- language codes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("fr", "fr"),
        ("FR-fr", "fr"),
        (" en ", "en"),
        ("en_GB", "en"),
        ("EN-US", "en"),
        ("pt-BR", "pt"),
        ("", ""),
        ("   ", ""),
        (None, ""),
        ("x", "x"),
    ],
)
def test_language_code_reads_the_first_two_letters(value: str | None, expected: str) -> None:
    """Case, regions and blanks do not matter; nothing gives an empty code."""
    assert language_code(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("fr", ("fr",)),
        ("FR-ca", ("fr",)),
        (" en-GB ", ("en",)),
        ("de", RULE_LANGUAGES),
        ("xx", RULE_LANGUAGES),
        ("", RULE_LANGUAGES),
        (None, RULE_LANGUAGES),
    ],
)
def test_rule_languages_try_every_language_for_an_unknown_code(
    value: str | None, expected: tuple[str, ...]
) -> None:
    """A supported code gives itself; an unknown or missing one gives all the rule sets."""
    assert rule_languages(value) == expected


def test_rule_languages_take_the_supported_set() -> None:
    """The supported set is a parameter, so the same parsing serves every caller."""
    assert rule_languages("nl-BE", ("nl", "de")) == ("nl",)
    assert rule_languages("fr", ("nl", "de")) == ("nl", "de")


# --- the lists -----------------------------------------------------------------------------


def _pieces(tree: ast.AST) -> list[list[str]]:
    """Return every list of words the lexicon writes out: tuples and words("…") calls."""
    pieces = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) for e in node.elts):
            pieces.append([element.value for element in node.elts])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "words":
            pieces.append(node.args[0].value.split())
    return pieces


def test_no_piece_repeats_a_word() -> None:
    """Each list of words written out in the lexicon names a word once."""
    pieces = _pieces(ast.parse(Path(lexicon.__file__).read_text(encoding="utf-8")))
    for words in pieces:
        assert len(set(words)) == len(words), words
    assert len(pieces) > 20


def test_the_repeat_check_reads_written_out_lists() -> None:
    """A words("…") list with a repeated word is seen, so the check above can fail."""
    [piece] = _pieces(ast.parse('X = words("le la le")'))
    assert len(set(piece)) < len(piece)


def test_every_month_has_spellings() -> None:
    """Twelve months a language, January first, each with at least one spelling."""
    for months in (lexicon.FR_MONTHS, lexicon.EN_MONTHS):
        assert len(months) == 12 and all(months)
    for shorts in (lexicon.FR_MONTH_ABBREVIATIONS, lexicon.EN_MONTH_ABBREVIATIONS):
        assert len(shorts) == 12
    assert lexicon.FR_MONTHS[0] == ("janvier",) and lexicon.EN_MONTHS[8] == ("September",)


def test_bm25_keeps_english_nouns_that_are_french_function_words() -> None:
    """BM25 drops its words in every language, so "US", "car" and "May" stay searchable."""
    assert {"us", "car", "face", "pendant", "may"}.isdisjoint(BM25_STOPWORDS)
    assert {"le", "l", "d", "the", "of", "ete"} <= BM25_STOPWORDS
    # Folded, as the index folds before it looks a word up.
    assert all(fold(word) == word for word in BM25_STOPWORDS)


def test_names_keep_their_joining_words() -> None:
    """ "Bank of England" and « ministre de la Santé » are not cut at "of" or « de »."""
    assert "of" not in SPEAKER_BOUNDARIES["en"] and "de" not in SPEAKER_BOUNDARIES["fr"]
    assert "us" not in lexicon.NON_NAMES  # "US" is a name


# --- nobody copies a list again ------------------------------------------------------------


def _docstrings(tree: ast.AST) -> set[int]:
    """Return the ids of the docstring nodes of a module and its classes and functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _literals(tree: ast.AST) -> list[list[str]]:
    """Return the string literals of a module, one group per literal or collection of them."""
    docs = _docstrings(tree)
    groups: list[list[str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            groups.append([node.value])
        elif isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict):
            items = node.keys if isinstance(node, ast.Dict) else node.elts
            strings = [
                i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)
            ]
            groups.append(strings)
    return groups


def _words_of(group: list[str], vocabulary: set[str]) -> set[str]:
    """Return the words of a vocabulary that a group of literals spells out."""
    text = fold(" ".join(group))
    return {word for word in vocabulary if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)}


@pytest.mark.parametrize("path", SCANNED, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_no_module_spells_out_its_own_calendar_or_reporting_verbs(path: Path) -> None:
    """Month and weekday names and reporting verbs are written in lexicon.py and nowhere else.

    Comments and docstrings may quote an example ("« 12 mars »"); a literal, or a tuple of
    them, naming two calendar words or three reporting verbs is a copied list.
    """
    if path.name == "lexicon.py":
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for group in _literals(tree):
        assert len(_words_of(group, CALENDAR)) < 2, (path.name, group)
        assert len(_words_of(group, REPORTING)) < 3, (path.name, group)


def test_the_copy_finder_finds_a_copy() -> None:
    """The scan above can fail: a regex alternation or a tuple of month names is caught."""
    tree = ast.parse('X = r"\\b(?:janvier|février)\\b"\nY = ("said", "told", "stated")\n')
    groups = _literals(tree)
    assert any(len(_words_of(group, CALENDAR)) >= 2 for group in groups)
    assert any(len(_words_of(group, REPORTING)) >= 3 for group in groups)


@pytest.mark.parametrize("path", SCANNED, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_no_module_folds_accents_or_parses_language_codes_by_hand(path: Path) -> None:
    """Stripping combining marks and slicing a language code happen only in lexicon.py."""
    if path.name == "lexicon.py":
        return
    source = path.read_text(encoding="utf-8")
    assert "combining(" not in source
    assert not re.search(r"\.lower\(\)\[:2\]", source)


def test_the_scan_covers_the_text_and_search_layers() -> None:
    """The file list is not empty by accident (a moved package would skip every check)."""
    names = {path.name for path in SCANNED}
    assert {"mutation.py", "checkworthiness.py", "speakers.py", "lexical.py"} <= names
    assert sys.modules["claims.text.lexicon"] is lexicon
