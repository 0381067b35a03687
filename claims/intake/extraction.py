"""Measuring main-text extraction: precision, recall and F1 of word 4-shingles per page.

The measure of the public article-extraction benchmarks: the extracted text and the true
main text are each cut into overlapping runs of four words, and compared as multisets.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from statistics import fmean

from claims.errors import InvalidInput
from claims.intake.fetch import Page, decode_html
from claims.intake.web import extract

SHINGLE = 4
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class PageScore:
    """How well one page's main text was extracted."""

    name: str
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        """Return the harmonic mean of precision and recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def shingles(text: str, size: int = SHINGLE) -> Counter[tuple[str, ...]]:
    """Return the multiset of runs of `size` consecutive lower-cased words."""
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


def score_text(name: str, extracted: str, truth: str) -> PageScore:
    """Compare an extracted text with the true main text."""
    got, want = shingles(extracted), shingles(truth)
    shared = sum((got & want).values())
    precision = shared / sum(got.values()) if got else 0.0
    recall = shared / sum(want.values()) if want else 0.0
    return PageScore(name, precision, recall)


def truths(pages: Path, truth: Path | None) -> dict[str, str]:
    """Return each page's true main text: from a JSON file, or NN.txt beside each NN.html.

    The JSON file maps a page's file name to its text, or to an object with a "text" field.
    """
    if truth is None:
        found = {
            page.name: page.with_suffix(".txt").read_text(encoding="utf-8")
            for page in sorted(pages.glob("*.htm*"))
            if page.with_suffix(".txt").is_file()
        }
    else:
        try:
            data = json.loads(truth.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"{truth} is not a readable JSON file: {exc}") from None
        if not isinstance(data, dict):
            raise InvalidInput(f"{truth} must map page file names to their main text.")
        found = {
            name: value["text"] if isinstance(value, dict) else value
            for name, value in data.items()
            if isinstance(value, str) or (isinstance(value, dict) and "text" in value)
        }
    if not found:
        raise InvalidInput(f"No page in {pages} has a true main text to compare with.")
    return found


def evaluate_extraction(pages: Path, truth: Path | None = None) -> list[PageScore]:
    """Extract every page that has a truth, and score it; a page with no text scores 0."""
    scores = []
    for name, expected in truths(pages, truth).items():
        html = decode_html((pages / name).read_bytes())
        try:
            text = extract(Page(f"https://pages.invalid/{name}", html)).body
        except InvalidInput:
            text = ""
        scores.append(score_text(name, text, expected))
    return scores


def averages(scores: list[PageScore]) -> tuple[float, float, float]:
    """Return the mean precision, recall and F1 over pages."""
    return (
        fmean(s.precision for s in scores),
        fmean(s.recall for s in scores),
        fmean(s.f1 for s in scores),
    )
