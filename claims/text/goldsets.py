"""Scoring the text rules on the team's hand-labelled sets: speakers, and differing facts."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from claims.errors import N_, InvalidInput
from claims.text.lexicon import fold
from claims.text.mutation import Difference, differences
from claims.text.speakers import find_speaker

SPEAKER_COLUMNS = ("lang", "context", "sentence", "speaker", "title")
PAIR_COLUMNS = ("lang", "left", "right", "kind", "left_value", "right_value")
KINDS = ("number", "date", "entity", "same")


def read_rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """Read a tab-separated file with a header naming at least `columns`."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise InvalidInput(
                    N_("%(file)s lacks the column(s) %(columns)s."),
                    file=path.name,
                    columns=", ".join(missing),
                )
            return [{c: (row[c] or "").strip() for c in columns} for row in reader]
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(N_("Cannot read %(file)s: %(reason)s"), file=path, reason=exc) from None


def same_name(found: str | None, expected: str) -> bool:
    """Whether a found speaker is the expected one, ignoring case, accents and spacing."""
    return " ".join(fold(found or "").split()) == " ".join(fold(expected).split())


@dataclass
class Tally:
    """Right answers out of all, overall and by group."""

    right: int = 0
    total: int = 0
    groups: dict[str, list[int]] = field(default_factory=dict)

    def add(self, ok: bool, *groups: str) -> None:
        """Count one answer in the total and in each group."""
        self.right += ok
        self.total += 1
        for name in groups:
            counts = self.groups.setdefault(name, [0, 0])
            counts[0] += ok
            counts[1] += 1

    @property
    def accuracy(self) -> float:
        """The share of right answers (0 when there were none)."""
        return self.right / self.total if self.total else 0.0


def evaluate_speakers(
    rows: Iterable[dict[str, str]],
    speaker_of: Callable[[str, str, str | None], str | None] = find_speaker,
) -> Tally:
    """Score a speaker finder: the context's speaker is the one a pronoun refers to."""
    tally = Tally()
    for row in rows:
        previous = speaker_of(row["context"], row["lang"], None) if row["context"] else None
        found = speaker_of(row["sentence"], row["lang"], previous)
        kind = "attributed" if row["speaker"] else "unattributed"
        tally.add(same_name(found, row["speaker"]), row["lang"], kind)
    return tally


def _reports(found: list[Difference], row: dict[str, str]) -> bool:
    """Whether the differences include the expected one (its kind and both values, loosely)."""

    def loose(expected: str, actual: str) -> bool:
        return expected in actual or (actual != "" and actual in expected)

    return any(
        d.kind == row["kind"]
        and loose(row["left_value"], d.left)
        and loose(row["right_value"], d.right)
        for d in found
    )


@dataclass
class PairScores:
    """Pairs with a real difference found, missed, and same-fact pairs wrongly flagged."""

    found: int = 0
    missed: int = 0
    false_alarms: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        """Of the pairs flagged, the share flagged with the right difference."""
        flagged = self.found + self.false_alarms
        return self.found / flagged if flagged else 0.0

    @property
    def recall(self) -> float:
        """Of the pairs that differ, the share whose difference was found."""
        differing = self.found + self.missed
        return self.found / differing if differing else 0.0

    @property
    def f1(self) -> float:
        """The harmonic mean of precision and recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def evaluate_pairs(
    rows: Iterable[dict[str, str]],
    compare: Callable[[str, str, str, str], list[Difference]] = differences,
) -> PairScores:
    """Score a comparer on labelled pairs; a wrong difference on a differing pair is both
    a miss and a false alarm."""
    scores = PairScores()
    for row in rows:
        if row["kind"] not in KINDS:
            raise InvalidInput(N_("Unknown kind %(kind)r in the pairs."), kind=row["kind"])
        found = compare(row["left"], row["right"], row["lang"], row["lang"])
        right = [0, 0]
        if row["kind"] == "same":
            scores.false_alarms += bool(found)
            right = [int(not found), 1]
        elif _reports(found, row):
            scores.found += 1
            right = [1, 1]
        else:
            scores.missed += 1
            scores.false_alarms += bool(found)
            right = [0, 1]
        counts = scores.by_kind.setdefault(row["kind"], [0, 0])
        counts[0] += right[0]
        counts[1] += right[1]
    return scores
