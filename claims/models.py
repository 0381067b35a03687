"""Database tables (SQLModel); the schema itself changes only through Alembic migrations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from claims.errors import N_


class ClaimStatus(StrEnum):
    """Where a claim is in the review workflow."""

    UNREVIEWED = "unreviewed"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    NOT_CLAIM = "not_claim"
    MERGED = "merged"


# What readers see for each status (English shows the value with spaces).
STATUS_LABELS = {
    ClaimStatus.UNREVIEWED: N_("unreviewed"),
    ClaimStatus.IN_REVIEW: N_("in review"),
    ClaimStatus.PUBLISHED: N_("published"),
    ClaimStatus.NOT_CLAIM: N_("not claim"),
    ClaimStatus.MERGED: N_("merged"),
}

# Claims reviewers set aside: kept in the database, never matched, searched or given a verdict.
HIDDEN_STATUSES = (ClaimStatus.NOT_CLAIM, ClaimStatus.MERGED)


class Role(StrEnum):
    """What a user may do, in increasing order of rights."""

    VIEWER = "viewer"
    REVIEWER = "reviewer"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Return the role's place in viewer < reviewer < admin."""
        return list(Role).index(self)


ROLE_LABELS = {Role.VIEWER: N_("viewer"), Role.REVIEWER: N_("reviewer"), Role.ADMIN: N_("admin")}


class LinkState(StrEnum):
    """A near-duplicate link's state: suggested by the matcher, then decided by a reviewer."""

    SUGGESTED = "suggested"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


LINK_STATE_LABELS = {
    LinkState.SUGGESTED: N_("suggested"),
    LinkState.CONFIRMED: N_("confirmed"),
    LinkState.REJECTED: N_("rejected"),
}


class JobStatus(StrEnum):
    """Where a batch import is; `failed` means the batch itself stopped."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


FINISHED_JOBS = (JobStatus.DONE, JobStatus.FAILED)
JOB_STATUS_LABELS = {
    JobStatus.QUEUED: N_("queued"),
    JobStatus.RUNNING: N_("running"),
    JobStatus.DONE: N_("done"),
    JobStatus.FAILED: N_("failed"),
}


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class Source(SQLModel, table=True):
    """An outlet that publishes articles."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    domain: str | None = Field(default=None, max_length=255)
    language: str | None = Field(default=None, max_length=8)


class Article(SQLModel, table=True):
    """An imported article; its body is the normalised text claims point into."""

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    title: str = Field(max_length=500)
    author: str | None = Field(default=None, max_length=300)
    url: str | None = Field(default=None, max_length=2000, unique=True)
    published_at: date | None = Field(default=None, index=True)
    language: str = Field(max_length=8, index=True)
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    body_sha256: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class Claim(SQLModel, table=True):
    """A checkable sentence of an article, with its span, score and embedding."""

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    position: int
    start: int
    end: int
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    language: str = Field(max_length=8, index=True)
    checkworthiness: float = Field(index=True)
    speaker: str | None = Field(default=None, max_length=200)
    status: str = Field(default=ClaimStatus.UNREVIEWED, max_length=20, index=True)
    assignee: str | None = Field(default=None, max_length=80)
    # Optimistic concurrency: every change bumps it; a form saved from an older one is refused.
    version: int = Field(default=1)
    embedding: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary))
    embedding_model: str | None = Field(default=None, max_length=300)
    # Exactly what was embedded and indexed (cleaned words, maybe a headline); None = text.
    match_text: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    created_at: datetime = Field(default_factory=utcnow)


class ClaimLink(SQLModel, table=True):
    """A near-duplicate pair (claim_a_id < claim_b_id) and the reviewers' decision on it."""

    __table_args__ = (sa.UniqueConstraint("claim_a_id", "claim_b_id"),)

    id: int | None = Field(default=None, primary_key=True)
    claim_a_id: int = Field(foreign_key="claim.id", index=True)
    claim_b_id: int = Field(foreign_key="claim.id", index=True)
    score: float
    state: str = Field(default=LinkState.SUGGESTED, max_length=20)
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Verdict(SQLModel, table=True):
    """One verdict on a claim; append-only, the newest is the claim's current verdict."""

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    rating: str = Field(max_length=30)
    explanation: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    evidence_urls: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    reviewer: str = Field(max_length=200)
    reused_from_id: int | None = Field(default=None, foreign_key="verdict.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    # Set when the verdict is another organisation's published fact-check (ClaimReview):
    # who, where, when, and its own rating as published, beside the app's `rating`.
    organisation: str | None = Field(default=None, max_length=200, index=True)
    review_url: str | None = Field(default=None, max_length=2000)
    reviewed_at: date | None = None
    rating_name: str | None = Field(default=None, max_length=200)
    rating_value: float | None = None
    best_rating: float | None = None
    worst_rating: float | None = None

    @property
    def evidence(self) -> list[str]:
        """Return the evidence URLs as a list (stored one per line)."""
        return [url for url in self.evidence_urls.splitlines() if url]


class SearchChange(SQLModel, table=True):
    """One change that affects search, in commit order: the log every process's index follows.

    Written in the same transaction as the change itself. The index reads a claim's current
    row when it applies a change, so the row only names the claim (deleted claims keep theirs).
    """

    # SQLite numbers rows itself only for INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
    id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    )
    claim_id: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    action: str = Field(max_length=20)
    created_at: datetime = Field(default_factory=utcnow)


class PendingLink(SQLModel, table=True):
    """A claim whose near-duplicates are still to be linked; whoever gets to it first does it.

    Recorded with the claim in one transaction, so a crash or an error after the commit delays
    the linking but never loses it.
    """

    claim_id: int = Field(foreign_key="claim.id", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Feed(SQLModel, table=True):
    """An RSS or Atom feed the worker polls, importing each new entry by its link."""

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000, unique=True)
    # The source its articles are filed under; the feed's own title when not given.
    source: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=500)
    active: bool = Field(default=True, index=True)
    interval_minutes: int = 15
    # What the last answer said, for a conditional GET (If-None-Match, If-Modified-Since).
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=100)
    last_polled_at: datetime | None = None
    next_poll_at: datetime = Field(default_factory=utcnow, index=True)
    entries_seen: int = 0
    articles_imported: int = 0
    # Polls failed in a row (they back off), and the last failure in words.
    failures: int = 0
    last_error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    created_at: datetime = Field(default_factory=utcnow)


class FeedEntry(SQLModel, table=True):
    """An entry a feed has listed: recorded once, so it is never imported twice."""

    __table_args__ = (sa.UniqueConstraint("feed_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    feed_id: int = Field(foreign_key="feed.id", index=True)
    # The entry's id (guid), else its link.
    key: str = Field(max_length=2000)
    url: str | None = Field(default=None, max_length=2000)
    seen_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    """A staff member who signs in; the role decides what they may change."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True)
    password_hash: str = Field(max_length=300)
    role: str = Field(default=Role.VIEWER, max_length=20)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    # The interface language the user chose (fr, en); None follows the browser.
    locale: str | None = Field(default=None, max_length=8)


class ApiToken(SQLModel, table=True):
    """A per-user API token; only its SHA-256 is stored."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=12)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class Comment(SQLModel, table=True):
    """A message in a claim's discussion thread."""

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    author: str = Field(max_length=80)
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """One change: who did what to which record, with the state before and after (JSON)."""

    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(max_length=80, index=True)
    action: str = Field(max_length=40, index=True)
    entity: str = Field(max_length=40)
    entity_id: int | None = None
    claim_id: int | None = Field(default=None, index=True)
    before: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    after: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    created_at: datetime = Field(default_factory=utcnow, index=True)


class LoginAttempt(SQLModel, table=True):
    """A sign-in attempt, kept to rate-limit guessing."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, index=True)
    ip: str = Field(max_length=64, index=True)
    success: bool
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Calibration(SQLModel, table=True):
    """Match thresholds recomputed from reviewers' decisions; the newest row is in force."""

    id: int | None = Field(default=None, primary_key=True)
    suggest: float
    auto_link: float
    confirmed: int
    rejected: int
    # The precision/recall table the thresholds were read from, as JSON.
    report: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    actor: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow)


class Job(SQLModel, table=True):
    """A batch import run by a worker or the CLI: its progress and what went wrong."""

    id: int | None = Field(default=None, primary_key=True)
    # A JobStatus; skipped articles do not fail the batch.
    status: str = Field(default=JobStatus.QUEUED, max_length=20, index=True)
    label: str = Field(max_length=300)
    total: int = 0
    done: int = 0
    created: int = 0
    known: int = 0
    failed: int = 0
    # The articles that were skipped and why, as a JSON list of {"title", "message"}.
    errors: str = Field(default="[]", sa_column=sa.Column(sa.Text, nullable=False))
    message: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    actor: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    started_at: datetime | None = None
    # When `done` last moved; a running job that stops moving has lost its worker.
    progressed_at: datetime | None = None
    finished_at: datetime | None = None
