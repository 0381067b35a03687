"""Splitting a body into sentences with exact spans, and picking the claim candidates."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import pysbd
from pysbd.languages import LANGUAGE_CODES

from claims.text.language import DEFAULT_LANGUAGE
from claims.text.lexicon import (
    CLOSING_ABBREVIATIONS,
    EN_MONTH_ABBREVIATIONS,
    FR_MONTH_ABBREVIATIONS,
    QUOTE_FILLERS,
    REFERENCE_ABBREVIATIONS,
    TITLE_ABBREVIATIONS,
    flat,
    language_code,
)

# --- sentence splitting --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """A stripped slice of a body: body[start:end] == text."""

    start: int
    end: int
    text: str


# Abbreviations after which pysbd may cut but a sentence (almost) never ends: always merge.
_ALWAYS_JOIN = frozenset((*TITLE_ABBREVIATIONS, *REFERENCE_ABBREVIATIONS))
# Abbreviations that may end a sentence: merge only when the next piece cannot start one.
_JOIN_IF_CONTINUED = frozenset(
    (*flat(FR_MONTH_ABBREVIATIONS), *flat(EN_MONTH_ABBREVIATIONS), *CLOSING_ABBREVIATIONS)
)
# The token before the final period: letters, °, and dotted/hyphenated parts like J.-C or U.S.
_LAST_TOKEN_RE = re.compile(r"(?:^|[\s(«\"“'’])([\w°]+(?:[.-]+[\w°]+)*)\.$")
_INITIAL_RE = re.compile(r"(?:^|[\s(])[A-Z\u00c0-\u00de]\.$")

_OPEN_QUOTES = "«“"
_QUOTE_PAIRS = (("«", "»"), ("“", "”"))


@lru_cache(maxsize=16)
def _segmenter(language: str) -> pysbd.Segmenter:
    """Return a cached pysbd segmenter that keeps the text untouched."""
    return pysbd.Segmenter(language=language, clean=False)


def _segments(language: str, text: str) -> list[str]:
    """Return what pysbd's Segmenter.segment returns: each sentence with its trailing spaces.

    pysbd locates every sentence with a regex built from its text, so each call compiles new
    patterns and floods re's cache, evicting pysbd's own; str.find gives the same spans.
    """
    if not text:
        return []
    sentences = _segmenter(language).processor(text).process()
    segments: list[str] = []
    prior_end = 0
    for sentence in sentences:
        segment, prior_end = _locate(text, sentence, prior_end)
        if segment is not None:
            segments.append(segment)
    return segments


def _locate(text: str, sentence: str, prior_end: int) -> tuple[str | None, int]:
    """Find the sentence and its trailing spaces past prior_end, as pysbd's regex would."""
    if not sentence:
        # An empty sentence matches whitespace runs; keep pysbd's own search for that case.
        matches = (m for m in re.finditer(r"\s*", text) if m.end() > prior_end)
        match = next(matches, None)
        return (match.group(), match.end()) if match else (None, prior_end)
    found = text.find(sentence)
    while found >= 0:
        end = found + len(sentence)
        while end < len(text) and text[end].isspace():
            end += 1
        if end > prior_end:
            return text[found:end], end
        # finditer's matches do not overlap: the next one starts after this one's spaces.
        found = text.find(sentence, end)
    return None, prior_end


def _segmenter_language(language: str) -> str:
    """Map a language code to one pysbd supports, falling back to English."""
    code = language_code(language)
    return code if code in LANGUAGE_CODES else DEFAULT_LANGUAGE


def _strip_span(line: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) so it has no leading or trailing whitespace."""
    while start < end and line[start].isspace():
        start += 1
    while end > start and line[end - 1].isspace():
        end -= 1
    return start, end


# pysbd's time grows with the square of a paragraph's length, so long ones go in windows.
WINDOW = 2_000
_BOUNDARY_RE = re.compile(r"[.!?…]\S{0,2}\s+")


def _windows(line: str) -> Iterator[tuple[int, int]]:
    """Cut a long line into windows of about WINDOW characters, at sentence punctuation."""
    start = 0
    while len(line) - start > WINDOW:
        cuts = [m.end() for m in _BOUNDARY_RE.finditer(line, start + WINDOW // 2, start + WINDOW)]
        end = (
            cuts[-1] if cuts else (line.rfind(" ", start + 1, start + WINDOW) + 1 or start + WINDOW)
        )
        yield start, end
        start = end
    yield start, len(line)


def _raw_pieces(line: str, language: str) -> list[tuple[int, int]]:
    """Locate pysbd's segments in the line as exact, stripped (start, end) offsets."""
    pieces: list[tuple[int, int]] = []
    for start, end in _windows(line):
        pieces += [(a + start, b + start) for a, b in _window_pieces(line[start:end], language)]
    return pieces


def _window_pieces(line: str, language: str) -> list[tuple[int, int]]:
    """Locate pysbd's segments in one window of a line."""
    pieces: list[tuple[int, int]] = []
    cursor = 0
    for segment in _segments(language, line):
        needle = segment.strip()
        if not needle:
            continue
        found = line.find(needle, cursor)
        if found < 0:
            # pysbd altered the text: keep the rest of the line as one piece rather than guess.
            break
        gap_start, gap_end = _strip_span(line, cursor, found)
        if gap_end > gap_start:
            # pysbd dropped this text (it uses some symbols as placeholders): keep it.
            pieces.append((gap_start, gap_end))
        pieces.append((found, found + len(needle)))
        cursor = found + len(needle)
    rest_start, rest_end = _strip_span(line, cursor, len(line))
    if rest_end > rest_start:
        pieces.append((rest_start, rest_end))
    return pieces


def _quote_open(text: str, rest: str) -> bool:
    """Return True if text leaves a quotation open that the rest of the paragraph closes."""
    for opening, closing in _QUOTE_PAIRS:
        if text.count(opening) > text.count(closing) and closing in rest:
            return True
    return text.count('"') % 2 == 1 and '"' in rest


def _starts_continuation(text: str) -> bool:
    """Return True if the text cannot begin a new sentence after an abbreviation."""
    first = text[0]
    return first.islower() or first.isdigit() or first in "-–,;:)%°"


def _last_token(text: str) -> str:
    """Return the word before the text's final period ('' if it does not end with one)."""
    match = _LAST_TOKEN_RE.search(text)
    return match.group(1) if match else ""


def _should_join(previous: str, following: str, rest: str) -> bool:
    """Decide whether pysbd's cut between two pieces of one paragraph is wrong."""
    if _quote_open(previous, rest) or following[0].islower():
        # A sentence never starts lowercase, e.g. '"Pourquoi ?" a-t-il demandé.'
        return True
    if not previous.endswith("."):
        return False
    token = _last_token(previous)
    # A lone capital initial is "J." in "av. J.-C." but may also end "le plan B.".
    if token in _JOIN_IF_CONTINUED or _INITIAL_RE.search(previous):
        return _starts_continuation(following)
    return token in _ALWAYS_JOIN


def _merge_pieces(line: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge pieces split after abbreviations, initials or inside open quotations."""
    merged: list[tuple[int, int]] = []
    for start, end in pieces:
        if merged:
            prev_start, prev_end = merged[-1]
            rest = line[start : start + 4 * WINDOW]
            if _should_join(line[prev_start:prev_end], line[start:end], rest):
                merged[-1] = (prev_start, end)
                continue
        merged.append((start, end))
    return merged


def _paragraphs(body: str) -> Iterator[tuple[int, str]]:
    """Yield (offset, line) for every non-blank line of the body."""
    offset = 0
    for line in body.split("\n"):
        if line.strip():
            yield offset, line
        offset += len(line) + 1


def _split_line(line: str, language: str) -> list[tuple[int, int]]:
    """Split one paragraph into merged, stripped (start, end) offsets."""
    if _one_sentence(line):
        return [_strip_span(line, 0, len(line))]
    return _merge_pieces(line, _raw_pieces(line, language))


# Punctuation after which pysbd may end a sentence, or may not: a line without any, but at its
# end, is one sentence. pysbd gives the same on every such line of the benchmark corpora
# (tests/test_text.py) and took a third of an import's text pipeline on them.
_INNER_STOP_RE = re.compile(r"[.!?…;\r]|\)\s")
_OPENERS = ("'", '"', "‘", "“", "«", "(")
_END_RE = re.compile(r"[.!?…]?[»”\")\s]*\Z")


def _one_sentence(line: str) -> bool:
    """Return True for a short line with sentence punctuation only at its very end.

    pysbd also cuts after a quotation that opens the line ("'Vampire Fungus' Affects…") and
    before an unmatched closing quote, so those lines take the long way.
    """
    if len(line) > WINDOW or line.lstrip().startswith(_OPENERS):
        return False
    if (
        line.count('"') % 2
        or line.count("“") != line.count("”")
        or line.count("«") != line.count("»")
    ):
        return False
    return not _INNER_STOP_RE.search(line, 0, _END_RE.search(line).start())


def _sentences(
    body: str, language: str, skip: Callable[[str], bool] | None = None
) -> Iterator[Span]:
    """Yield the sentences of every paragraph that skip does not reject, as exact spans."""
    code = _segmenter_language(language)
    for offset, line in _paragraphs(body):
        if skip is None or not skip(line):
            for start, end in _split_line(line, code):
                yield Span(offset + start, offset + end, line[start:end])


# --- headings and claim candidates ---------------------------------------------------------

_TERMINAL_PUNCT = ".!?…"
_TRAILING_CLOSERS = "»”\"’')] "
_MAX_HEADING_WORDS = 15
_MIN_CLAIM_WORDS = 5
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_LETTER_RE = re.compile(r"[^\W\d_]")


def _strip_trailing_closers(text: str) -> str:
    """Remove closing quotes, brackets and spaces from the end of the text."""
    return text.rstrip(_TRAILING_CLOSERS)


def is_heading(paragraph: str) -> bool:
    """Return True for a short single line without terminal punctuation (a title)."""
    text = paragraph.strip()
    if not text or "\n" in text or not _LETTER_RE.search(text):
        return False
    if len(text.split()) > _MAX_HEADING_WORDS:
        return False
    # A closing quote after a word ('"... la Russie"') is not terminal; after '.' it is.
    return not _strip_trailing_closers(text).endswith(tuple(_TERMINAL_PUNCT))


def _is_question(sentence: str) -> bool:
    """Return True if the sentence ends with a question mark, maybe before closing quotes."""
    return _strip_trailing_closers(sentence.strip()).endswith("?")


def _is_quote_only(sentence: str) -> bool:
    """Return True if the whole sentence is one quotation with no content words."""
    text = sentence.strip()
    if not text or text[0] not in _OPEN_QUOTES + '"':
        return False
    words = [w.lower() for w in _WORD_RE.findall(text) if _LETTER_RE.search(w)]
    return all(w in QUOTE_FILLERS or len(w) < 3 for w in words)


def is_claim_candidate(sentence: str) -> bool:
    """Return True if the sentence is a statement long enough to be checked."""
    text = sentence.strip()
    if not _LETTER_RE.search(text) or _is_question(text):
        return False
    words = [token for token in text.split() if any(ch.isalnum() for ch in token)]
    if len(words) < _MIN_CLAIM_WORDS:
        return False
    return not _is_quote_only(text)


def extract_claims(body: str, language: str) -> list[Span]:
    """Return the check-worthy sentences of a normalised body, in order, with exact spans."""
    spans = _sentences(body, language, skip=is_heading)
    return [span for span in spans if is_claim_candidate(span.text)]
