"""verdicts published by other organisations (ClaimReview)

Revision ID: d1f5b8c3e742
Revises: c7e2a9d4f310
Create Date: 2026-12-02 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "d1f5b8c3e742"
down_revision: str | None = "c7e2a9d4f310"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("organisation", sqlmodel.sql.sqltypes.AutoString(length=200)),
    ("review_url", sqlmodel.sql.sqltypes.AutoString(length=2000)),
    ("reviewed_at", sa.Date()),
    ("rating_name", sqlmodel.sql.sqltypes.AutoString(length=200)),
    ("rating_value", sa.Float()),
    ("best_rating", sa.Float()),
    ("worst_rating", sa.Float()),
)


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("verdict", schema=None) as batch_op:
        for name, kind in COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
        batch_op.create_index(batch_op.f("ix_verdict_organisation"), ["organisation"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("verdict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verdict_organisation"))
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
