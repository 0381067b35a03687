"""Database tables (SQLModel); the schema itself changes only through Alembic migrations."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


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
    status: str = Field(default="unreviewed", max_length=20, index=True)
    embedding: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary))
    embedding_model: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow)


class ClaimLink(SQLModel, table=True):
    """A near-duplicate pair (claim_a_id < claim_b_id) and the reviewers' decision on it."""

    __table_args__ = (sa.UniqueConstraint("claim_a_id", "claim_b_id"),)

    id: int | None = Field(default=None, primary_key=True)
    claim_a_id: int = Field(foreign_key="claim.id", index=True)
    claim_b_id: int = Field(foreign_key="claim.id", index=True)
    score: float
    state: str = Field(default="suggested", max_length=20)
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
    created_at: datetime = Field(default_factory=utcnow, index=True)

    @property
    def evidence(self) -> list[str]:
        """Return the evidence URLs as a list (stored one per line)."""
        return [url for url in self.evidence_urls.splitlines() if url]


class IndexState(SQLModel, table=True):
    """What the FAISS index should hold, so each process can tell whether its copy is stale."""

    id: int | None = Field(default=None, primary_key=True)
    model: str = Field(max_length=300)
    dimension: int
    count: int = 0
    version: int = 0
    updated_at: datetime = Field(default_factory=utcnow)
