"""Property-based tests (hypothesis) for sentence splitting, normalise and the CSV escaper."""

from __future__ import annotations

import csv
import io
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from claims.csvsafe import FORMULA_PREFIXES, csv_lines
from claims.text.normalise import normalise
from claims.text.pipeline import draft_claims
from claims.text.sentences import Span, _sentences, extract_claims

LANGUAGES = ("fr", "en")

# deadline=None: pysbd's first call per language is slow and its run time varies with input.
# The example budgets keep the whole file around 20 s; no health check needs suppressing.
SPLIT_SETTINGS = settings(max_examples=200, deadline=None)
FAST_SETTINGS = settings(max_examples=500, deadline=None)

# --- article-like text ------------------------------------------------------------------------

FRENCH_WORDS = (
    "le", "la", "les", "un", "une", "des", "de", "du", "à", "et", "il", "elle", "a", "été",
    "gouvernement", "ministre", "député", "hausse", "baisse", "chômage", "budget", "déficit",
    "annoncé", "déclaré", "affirmé", "selon", "Selon", "Paris", "Élysée", "Noël", "cœur", "ça",
    "déjà", "où", "très", "Il", "Elle", "Le", "La", "C'est", "l'Insee", "aujourd'hui", "a-t-il",
    "Pourquoi", "Kim", "Jong-un", "Poutine", "Moscou", "mercredi", "septembre", "PIB",
)  # fmt: skip
ENGLISH_WORDS = (
    "the", "The", "minister", "said", "says", "economy", "grew", "budget", "rose", "He", "She",
    "They", "Washington", "president", "according", "to", "percent", "last", "year", "jobs",
    "of", "in", "it", "was", "is", "not", "Critics", "disagree", "Smith", "Jones", "don't",
)  # fmt: skip
FIGURES = (
    "1,5 %", "1,5\u202f%", "3.5%", "4,4 %", "2 %", "1 500 000", "2024", "42", "0,3", "12-15",
    "n° 45", "N° 3", "1.", "2.", "10.", "3)", "a)", "45°", "1er", "XXe", "13 septembre",
)  # fmt: skip
ABBREVIATIONS = (
    "M.", "Mme", "Mme.", "MM.", "Mlle", "Dr.", "Pr.", "p.", "pp.", "art.", "Art.", "cf.",
    "env.", "chap.", "vol.", "janv.", "févr.", "sept.", "déc.", "etc.", "av. J.-C.",
    "apr. J.-C.", "J.-C.", "U.S.", "U.K.", "e.g.", "i.e.", "Mr.", "Mrs.", "Ms.", "St.", "No.",
    "Jan.", "Inc.", "a.m.", "p.m.", "L.", "B.", "vs.", "approx.",
)  # fmt: skip
QUOTES = (
    "«", "»", "«\u00a0", "\u00a0»", "“", "”", '"', "'", "’", "‘", "(...)", "(…)", "(", ")",
    "[", "]", "« Oui »", '"Non"',
)  # fmt: skip
PUNCTUATION = (".", "!", "?", "…", "...", ",", ";", ":", " - ", "–", "—", "?!", "!!", " ?")
EMOJI = ("😀", "👍🏽", "🇫🇷", "👨\u200d👩\u200d👧", "♥", "✓", "🚀.", "❤️")
RTL = ("مرحبا", "שלום", "العالم.", "\u200f", "\u200e", "\u202b", "٣٤٥")
ACCENTS = "éèêëàâäîïôöùûüçœæÉÈÀÇŒÆñß"

# pysbd uses these characters internally as placeholders and drops the text holding them;
# the splitter must keep it (test_split_keeps_text_around_pysbd_placeholders).
PYSBD_PLACEHOLDERS = "∯♟♝ǃ♨☝ƪᓴᓷ✂☏☉☈☇☄∮ȹȸ⎋⌬ᓸᓳᓱᓰ♭♬"

free_text = st.text(
    alphabet=st.characters(
        codec="utf-8",
        exclude_categories=("Cs",),
    ),
    max_size=4,
)

french_word = st.sampled_from(FRENCH_WORDS)
english_word = st.sampled_from(ENGLISH_WORDS)
# st.one_of picks a branch uniformly: words are repeated so bodies read like prose.
token = st.one_of(
    french_word,
    french_word,
    french_word,
    english_word,
    english_word,
    st.sampled_from(FIGURES),
    st.integers(min_value=0, max_value=10**7).map(str),
    st.sampled_from(ABBREVIATIONS),
    st.sampled_from(ABBREVIATIONS),
    st.sampled_from(QUOTES),
    st.sampled_from(PUNCTUATION),
    st.sampled_from(EMOJI),
    st.sampled_from(RTL),
    st.text(alphabet=ACCENTS + "abcXYZ", min_size=1, max_size=6),
    st.just("e\u0301te\u0301"),  # decomposed accents, composed by normalise
    free_text,
)
word_gap = st.sampled_from((*" " * 12, "", "  ", "\t", "\u00a0", "\n"))
sentence_end = st.sampled_from(
    (".", ".", ".", "!", "?", " ?", "…", "...", ".»", " ».", '."', '",', "”.", ")", "", ":")
)
paragraph_break = st.sampled_from(("\n", "\n\n", "\n\n\n", " \n ", "\r\n", "\r", "\n \n"))


@st.composite
def sentences_(draw: st.DrawFn) -> str:
    """A run of tokens with irregular gaps and (usually) terminal punctuation."""
    words = draw(st.lists(token, min_size=1, max_size=16))
    gaps = draw(st.lists(word_gap, min_size=len(words), max_size=len(words)))
    return "".join(gap + word for gap, word in zip(gaps, words, strict=True)) + draw(sentence_end)


@st.composite
def bodies(draw: st.DrawFn) -> str:
    """A normalised article-like body: paragraphs of sentences separated by line breaks."""
    paragraphs = draw(
        st.lists(st.lists(sentences_(), min_size=1, max_size=5).map(" ".join), max_size=4)
    )
    breaks = draw(st.lists(paragraph_break, min_size=len(paragraphs), max_size=len(paragraphs)))
    return normalise("".join(p + b for p, b in zip(paragraphs, breaks, strict=True)))


def assert_exact_spans(body: str, spans: list[Span]) -> None:
    """Each span slices the body to its stripped, non-empty text; spans are ordered, disjoint."""
    previous_end = 0
    for span in spans:
        assert body[span.start : span.end] == span.text
        assert span.text
        assert span.text == span.text.strip()
        assert previous_end <= span.start < span.end
        previous_end = span.end


# --- splitting --------------------------------------------------------------------------------


def split_sentences(body: str, language: str) -> list[Span]:
    """Return every sentence of the body, headings included: what extract_claims filters."""
    return list(_sentences(body, language))


@SPLIT_SETTINGS
@given(body=bodies(), language=st.sampled_from(LANGUAGES))
def test_split_spans_are_exact_and_ordered(body: str, language: str) -> None:
    """split_sentences and extract_claims give exact, stripped, ordered, disjoint spans."""
    assert_exact_spans(body, split_sentences(body, language))
    assert_exact_spans(body, extract_claims(body, language))


@SPLIT_SETTINGS
@given(body=bodies())
def test_split_loses_no_text(body: str) -> None:
    """Every non-whitespace character of the body lies inside a sentence, in French and English."""
    for language in LANGUAGES:
        covered = [False] * len(body)
        for span in split_sentences(body, language):
            covered[span.start : span.end] = [True] * (span.end - span.start)
        lost = [(i, ch) for i, ch in enumerate(body) if not ch.isspace() and not covered[i]]
        assert not lost, f"{language}: characters outside every sentence: {lost}"


@SPLIT_SETTINGS
@given(body=bodies(), language=st.sampled_from(LANGUAGES))
def test_claims_are_unique_sentences(body: str, language: str) -> None:
    """Claims are sentences of the same body (same offsets), each returned once."""
    sentences = {(s.start, s.end, s.text) for s in split_sentences(body, language)}
    claims = [(c.start, c.end, c.text) for c in extract_claims(body, language)]
    assert len(set(claims)) == len(claims)
    assert set(claims) <= sentences


@SPLIT_SETTINGS
@given(body=bodies(), language=st.sampled_from(LANGUAGES))
def test_split_is_deterministic(body: str, language: str) -> None:
    """The same body always splits the same way."""
    assert split_sentences(body, language) == split_sentences(body, language)
    assert extract_claims(body, language) == extract_claims(body, language)


@SPLIT_SETTINGS
@given(body=bodies(), language=st.sampled_from(LANGUAGES))
def test_draft_claims_positions_and_scores(body: str, language: str) -> None:
    """Drafts mirror extract_claims, are numbered 0..n-1 and score within [0, 1]."""
    drafts = draft_claims(body, language)
    assert [d.position for d in drafts] == list(range(len(drafts)))
    assert [(d.start, d.end, d.text) for d in drafts] == [
        (c.start, c.end, c.text) for c in extract_claims(body, language)
    ]
    for draft in drafts:
        assert 0.0 <= draft.checkworthiness <= 1.0
        assert draft.speaker is None or draft.speaker.strip()


@settings(max_examples=20, deadline=None)
@example(body="a ∯ b. Cc d.")
@given(
    body=st.builds(
        "{} {} {}. Il est parti.".format,
        st.sampled_from(FRENCH_WORDS),
        st.sampled_from(PYSBD_PLACEHOLDERS),
        st.sampled_from(FRENCH_WORDS),
    )
)
def test_split_keeps_text_around_pysbd_placeholders(body: str) -> None:
    """Text containing pysbd's internal placeholder characters is not dropped."""
    covered = set()
    for span in split_sentences(body, "fr"):
        covered.update(range(span.start, span.end))
    assert all(i in covered for i, ch in enumerate(body) if not ch.isspace())


# --- normalise --------------------------------------------------------------------------------

WHITESPACE = " \t\n\r\u00a0\u202f\u2028\u3000\x0b\x0c\x85"
# Control characters (Cc) other than \t, \n, \r are excluded here: removing them can bring a
# base letter next to a combining mark after NFC has run (see test_normalise_nfc_after_controls).
text_without_controls = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
        st.sampled_from(" \t\n\r\u00a0\u202f\u0301\u0327"),
    )
)
text_with_controls = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(WHITESPACE + "\x00\x07\x1b\x7f\x9f\u0301"),
    )
)


@FAST_SETTINGS
@given(raw=text_without_controls)
def test_normalise_is_idempotent(raw: str) -> None:
    """Normalising an already normalised text changes nothing."""
    once = normalise(raw)
    assert normalise(once) == once


@FAST_SETTINGS
@given(raw=text_with_controls)
def test_normalise_output_shape(raw: str) -> None:
    """Unified newlines, no control characters, collapsed spaces, trimmed lines and ends."""
    out = normalise(raw)
    assert out == out.strip()
    assert not [ch for ch in out if unicodedata.category(ch) == "Cc" and ch != "\n"]
    assert "\r" not in out and "\t" not in out
    assert "\u00a0" not in out and "\u202f" not in out
    assert "  " not in out
    assert " \n" not in out and "\n " not in out
    assert "\n\n\n" not in out


@FAST_SETTINGS
@given(raw=text_without_controls)
def test_normalise_is_nfc(raw: str) -> None:
    """The output is in Unicode NFC."""
    assert unicodedata.is_normalized("NFC", normalise(raw))


@settings(max_examples=50, deadline=None)
@example(raw="e\x00\u0301")
@given(raw=text_with_controls)
def test_normalise_nfc_after_controls(raw: str) -> None:
    """Even with control characters inside, the output is NFC and normalise is idempotent."""
    once = normalise(raw)
    assert unicodedata.is_normalized("NFC", once)
    assert normalise(once) == once


# --- CSV --------------------------------------------------------------------------------------

cell_text = st.one_of(
    st.text(),
    st.builds(
        str.__add__,
        st.sampled_from((*FORMULA_PREFIXES, '"', "'", ",", "\n", "\r\n", " ", "\ufeff")),
        st.text(alphabet=st.sampled_from("=+-@\t\r\n\",;' aé€😀«»\x00"), max_size=8) | st.text(),
    ),
)
rows_of = st.lists(st.lists(cell_text, max_size=6), max_size=8)


def parse_csv(chunks: list[str]) -> list[list[str]]:
    """Strip the BOM from the first chunk and parse the joined chunks."""
    assert chunks[0].startswith("\ufeff")
    text = chunks[0].removeprefix("\ufeff") + "".join(chunks[1:])
    return list(csv.reader(io.StringIO(text, newline="")))


def expected_cell(value: str) -> str:
    """The parsed form of a written cell: unchanged, or quoted with ' if it looks like a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


@FAST_SETTINGS
@given(header=st.lists(cell_text, min_size=1, max_size=6), rows=rows_of)
def test_csv_round_trips_and_neutralises(header: list[str], rows: list[list[str]]) -> None:
    """Cells come back unchanged or '-prefixed, never as formulas; rows and BOM survive."""
    chunks = list(csv_lines(header, rows))
    assert len(chunks) == len(rows) + 1
    parsed = parse_csv(chunks)
    assert len(parsed) == len(rows) + 1
    for original, cells in zip([header, *rows], parsed, strict=True):
        assert cells == [expected_cell(value) for value in original]
        for cell in cells:
            assert not cell.startswith(FORMULA_PREFIXES)


@FAST_SETTINGS
@given(
    rows=st.lists(
        st.lists(
            st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.booleans()),
            min_size=1,
            max_size=5,
        ),
        max_size=5,
    )
)
def test_csv_non_text_values(rows: list[list[object]]) -> None:
    """None becomes empty, other values their str(), negative numbers are '-prefixed."""
    parsed = parse_csv(list(csv_lines(["a"], rows)))
    assert parsed[1:] == [
        [expected_cell("" if value is None else str(value)) for value in row] for row in rows
    ]
