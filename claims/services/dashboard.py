"""Dashboard numbers: verdicts, sources, languages, weekly output, backlog and conflicts."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from claims.errors import N_
from claims.models import Article, Claim, ClaimLink, ClaimStatus, LinkState, Source, Verdict
from claims.ratings import SCALE
from claims.services.links import current_verdicts

WEEKS = 26
# English msgids: the dashboard view shows them in the reader's language.
STATUS_LABELS = {
    ClaimStatus.UNREVIEWED: N_("Unreviewed"),
    ClaimStatus.IN_REVIEW: N_("In review"),
    ClaimStatus.PUBLISHED: N_("Verdict published"),
    ClaimStatus.NOT_CLAIM: N_("Not a claim"),
    ClaimStatus.MERGED: N_("Merged"),
}
TO_REVIEW = (ClaimStatus.UNREVIEWED, ClaimStatus.IN_REVIEW)
SCALE_ORDER = {rating.key: n for n, rating in enumerate(SCALE)}


@dataclass(frozen=True, slots=True)
class Count:
    """How many claims fall under one key, with the label readers see."""

    key: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class WeekCount:
    """How many verdicts were recorded in one ISO week (`week` like "2024-W05")."""

    week: str
    starts: str
    count: int


@dataclass(frozen=True, slots=True)
class Backlog:
    """Claims by review status, and how many are still to review."""

    by_status: tuple[Count, ...]
    to_review: int


@dataclass(frozen=True, slots=True)
class ConflictMember:
    """One claim of a conflicting group, with its source and current rating (None: no verdict)."""

    claim_id: int
    text: str
    source: str
    rating: str | None


@dataclass(frozen=True, slots=True)
class ConflictGroup:
    """Claims joined by confirmed links whose current verdicts disagree."""

    claims: tuple[ConflictMember, ...]
    ratings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DashboardStats:
    """Everything the dashboard shows."""

    total_claims: int
    by_rating: tuple[Count, ...]
    without_verdict: int
    by_source: tuple[Count, ...]
    by_language: tuple[Count, ...]
    per_week: tuple[WeekCount, ...]
    median_hours_to_first_verdict: float | None
    backlog: Backlog
    conflicts: tuple[ConflictGroup, ...]


def dashboard_stats(session: Session, weeks: int = WEEKS) -> DashboardStats:
    """Gather every dashboard number in one go."""
    by_rating = rating_counts(session)
    total = count_claims(session)
    return DashboardStats(
        total_claims=total,
        by_rating=by_rating,
        without_verdict=total - sum(c.count for c in by_rating),
        by_source=source_counts(session),
        by_language=language_counts(session),
        per_week=verdicts_per_week(session, weeks),
        median_hours_to_first_verdict=median_hours_to_first_verdict(session),
        backlog=review_backlog(session),
        conflicts=conflicting_groups(session),
    )


def count_claims(session: Session) -> int:
    """Return how many claims there are."""
    return session.exec(select(sa.func.count(Claim.id))).one()


def _latest_verdict_ids():
    """Return a query for the id of each claim's current verdict (verdicts are append-only)."""
    return select(sa.func.max(Verdict.id)).group_by(Verdict.claim_id)


def rating_counts(session: Session) -> tuple[Count, ...]:
    """Count claims by the rating of their current verdict, every step of the scale in order."""
    query = (
        select(Verdict.rating, sa.func.count())
        .where(Verdict.id.in_(_latest_verdict_ids()))
        .group_by(Verdict.rating)
    )
    counts = dict(session.exec(query).all())
    return tuple(Count(r.key, r.alternate_name, counts.get(r.key, 0)) for r in SCALE)


def _counted(rows: Iterable[tuple[str, int]]) -> tuple[Count, ...]:
    """Turn (name, count) rows into Counts, largest first, then by name."""
    ordered = sorted(rows, key=lambda row: (-row[1], row[0]))
    return tuple(Count(name, name, n) for name, n in ordered)


def source_counts(session: Session) -> tuple[Count, ...]:
    """Count claims by the source of their article."""
    query = (
        select(Source.name, sa.func.count(Claim.id))
        .join(Article, Article.source_id == Source.id)
        .join(Claim, Claim.article_id == Article.id)
        .group_by(Source.name)
    )
    return _counted(session.exec(query).all())


def language_counts(session: Session) -> tuple[Count, ...]:
    """Count claims by their language."""
    query = select(Claim.language, sa.func.count(Claim.id)).group_by(Claim.language)
    return _counted(session.exec(query).all())


def _monday(moment: datetime) -> date:
    """Return the Monday starting the ISO week of a moment."""
    day = moment.date()
    return day - timedelta(days=day.weekday())


def _iso_week(monday: date) -> str:
    """Return an ISO week label such as 2024-W05 (the ISO year may differ from the calendar's)."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def verdicts_per_week(session: Session, weeks: int = WEEKS) -> tuple[WeekCount, ...]:
    """Count verdicts per ISO week (UTC) over the `weeks` ending with the latest verdict's week.

    Weeks without verdicts count zero, and the series starts no earlier than the first verdict.
    """
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    span = select(sa.func.min(Verdict.created_at), sa.func.max(Verdict.created_at))
    earliest, latest = session.exec(span).one()
    if latest is None:
        return ()
    last = _monday(latest)
    first = max(_monday(earliest), last - timedelta(weeks=weeks - 1))
    since = datetime.combine(first, time(), tzinfo=latest.tzinfo)
    stamps = session.exec(select(Verdict.created_at).where(Verdict.created_at >= since))
    counts = Counter(_monday(stamp) for stamp in stamps)
    mondays = (first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1))
    return tuple(WeekCount(_iso_week(m), m.isoformat(), counts.get(m, 0)) for m in mondays)


def median_hours_to_first_verdict(session: Session) -> float | None:
    """Return the median hours from a claim's import to its first verdict (None: no verdicts)."""
    first = (
        select(Verdict.claim_id, sa.func.min(Verdict.created_at).label("at"))
        .group_by(Verdict.claim_id)
        .subquery()
    )
    query = select(Claim.created_at, first.c.at).join(first, first.c.claim_id == Claim.id)
    hours = [(at - imported).total_seconds() / 3600 for imported, at in session.exec(query)]
    return statistics.median(hours) if hours else None


def review_backlog(session: Session) -> Backlog:
    """Count claims by status, known statuses in workflow order, and those still to review."""
    query = select(Claim.status, sa.func.count(Claim.id)).group_by(Claim.status)
    counts = dict(session.exec(query).all())
    keys = [*ClaimStatus, *sorted(set(counts) - set(ClaimStatus))]
    by_status = tuple(Count(k, STATUS_LABELS.get(k, k), counts.get(k, 0)) for k in keys)
    return Backlog(by_status, sum(counts.get(k, 0) for k in TO_REVIEW))


def _find(parent: dict[int, int], item: int) -> int:
    """Return the representative of an item's set, halving the path on the way."""
    parent.setdefault(item, item)
    while parent[item] != item:
        parent[item] = parent[parent[item]]
        item = parent[item]
    return item


def linked_groups(pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Return the connected components of linked pairs (union-find), each sorted, by first id."""
    parent: dict[int, int] = {}
    for a, b in pairs:
        root_a, root_b = _find(parent, a), _find(parent, b)
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)
    groups: dict[int, list[int]] = defaultdict(list)
    for item in list(parent):
        groups[_find(parent, item)].append(item)
    return sorted(sorted(group) for group in groups.values())


def _scale_order(key: str) -> tuple[int, str]:
    """Sort ratings as the scale lists them, unknown keys last."""
    return SCALE_ORDER.get(key, len(SCALE_ORDER)), key


def conflicting_groups(session: Session) -> tuple[ConflictGroup, ...]:
    """Return groups of confirmed duplicates whose current verdicts have different ratings."""
    confirmed = select(ClaimLink.claim_a_id, ClaimLink.claim_b_id).where(
        ClaimLink.state == LinkState.CONFIRMED
    )
    groups = linked_groups(session.exec(confirmed).all())
    ratings = {
        claim_id: verdict.rating
        for claim_id, verdict in current_verdicts(session, [i for g in groups for i in g]).items()
    }
    conflicted = [g for g in groups if len({ratings[i] for i in g if i in ratings}) > 1]
    if not conflicted:
        return ()
    query = (
        select(Claim.id, Claim.text, Source.name)
        .join(Article, Claim.article_id == Article.id)
        .join(Source, Article.source_id == Source.id)
        .where(Claim.id.in_([i for g in conflicted for i in g]))
    )
    rows = {claim_id: (text, source) for claim_id, text, source in session.exec(query)}
    return tuple(
        ConflictGroup(
            claims=tuple(ConflictMember(i, *rows[i], ratings.get(i)) for i in group),
            ratings=tuple(sorted({ratings[i] for i in group if i in ratings}, key=_scale_order)),
        )
        for group in conflicted
    )
