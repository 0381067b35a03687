"""Match thresholds: precision and recall at each threshold, and choosing the two in force.

The suggestion threshold is the lowest one whose precision reaches SUGGEST_PRECISION (reviewers
see most true duplicates without wading through noise), or the best-F1 one when none does; the
auto-link threshold is the lowest one whose precision reaches AUTO_LINK_PRECISION, so links
above it can be confirmed without a reviewer.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from sqlmodel import Session, select

from claims.errors import InvalidInput
from claims.models import Calibration, ClaimLink, LinkState

SUGGEST_PRECISION = 0.85
AUTO_LINK_PRECISION = 0.95
# A threshold no fused score reaches: auto-linking is off until the data supports it.
NEVER = 1.01
MIN_DECISIONS = 20
MIN_PAIRS_ABOVE = 10
AUTO_ACTOR = "auto-link"
STEPS = tuple(round(0.30 + 0.025 * i, 3) for i in range(28))


@dataclass(frozen=True, slots=True)
class Point:
    """Precision and recall of the pairs scored at or above one threshold."""

    threshold: float
    pairs: int
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The thresholds in force and where they come from."""

    suggest: float
    auto_link: float
    origin: str


def pr_table(
    scored: list[tuple[float, bool]], relevant: int | None = None, steps=STEPS
) -> list[Point]:
    """Tabulate precision and recall at each threshold over (score, is_duplicate) pairs.

    `relevant` counts every true pair, including those never scored (missed by retrieval), so
    recall is honest; by default it is the true pairs among `scored`.
    """
    total = sum(label for _, label in scored) if relevant is None else relevant
    table = []
    for step in steps:
        above = [label for score, label in scored if score >= step]
        hits = sum(above)
        precision = hits / len(above) if above else 1.0
        recall = hits / total if total else 0.0
        f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
        table.append(Point(step, len(above), round(precision, 4), round(recall, 4), round(f1, 4)))
    return table


def choose(table: list[Point]) -> tuple[float, float]:
    """Pick the suggestion (precise enough, else best F1) and auto-link thresholds."""
    useful = [p for p in table if p.pairs >= MIN_PAIRS_ABOVE and p.recall > 0]
    precise = [p.threshold for p in useful if p.precision >= SUGGEST_PRECISION]
    best_f1 = max(table, key=lambda p: (p.f1, -p.threshold)).threshold
    suggest = min(precise) if precise else best_f1
    precise = [
        p.threshold
        for p in table
        if p.precision >= AUTO_LINK_PRECISION
        and p.pairs >= MIN_PAIRS_ABOVE
        and p.threshold >= suggest
    ]
    return suggest, min(precise) if precise else NEVER


def reviewer_decisions(session: Session) -> list[tuple[float, bool]]:
    """Return (score, confirmed) for every link a person confirmed or rejected."""
    query = select(ClaimLink.score, ClaimLink.state).where(
        ClaimLink.state.in_((LinkState.CONFIRMED, LinkState.REJECTED)),
        ClaimLink.decided_by.is_distinct_from(AUTO_ACTOR),
    )
    return [(score, state == LinkState.CONFIRMED) for score, state in session.exec(query)]


def calibrate(session: Session, actor: str) -> tuple[Calibration, list[Point]]:
    """Recompute both thresholds from reviewers' decisions and put them in force."""
    decisions = reviewer_decisions(session)
    if len(decisions) < MIN_DECISIONS:
        raise InvalidInput(
            f"Calibration needs at least {MIN_DECISIONS} links that reviewers confirmed or "
            f"rejected; there are {len(decisions)}."
        )
    confirmed = sum(label for _, label in decisions)
    if confirmed in (0, len(decisions)):
        raise InvalidInput(
            "Calibration needs both confirmed and rejected links; "
            f"all {len(decisions)} decisions agree."
        )
    table = pr_table(decisions)
    suggest, auto_link = choose(table)
    row = Calibration(
        suggest=suggest,
        auto_link=auto_link,
        confirmed=confirmed,
        rejected=len(decisions) - confirmed,
        report=json.dumps([asdict(p) for p in table]),
        actor=actor,
    )
    session.add(row)
    session.commit()
    return row, table


def latest(session: Session) -> Calibration | None:
    """Return the calibration in force, if reviewers' data produced one."""
    return session.exec(select(Calibration).order_by(Calibration.id.desc())).first()


def thresholds(session: Session, config) -> Thresholds:
    """Return the thresholds in force: set in the environment, else calibrated, else shipped."""
    if config.get("THRESHOLDS_FROM_ENV"):
        return Thresholds(config["SUGGEST_THRESHOLD"], config["AUTOLINK_THRESHOLD"], "settings")
    row = latest(session)
    if row is not None:
        return Thresholds(row.suggest, row.auto_link, "reviewers' decisions")
    return Thresholds(config["SUGGEST_THRESHOLD"], config["AUTOLINK_THRESHOLD"], "benchmark")
