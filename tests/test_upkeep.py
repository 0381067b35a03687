"""Upkeep: linking that a crashed request left pending is done later, and snapshots when due."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from claims.models import ClaimLink, PendingLink, utcnow
from claims.search.index import ClaimIndex
from claims.services.calibration import Thresholds
from claims.services.upkeep import keep_up
from tests.helpers import claim_of, db, import_article

SENTENCE = "The city council approved a budget of 12 million euros for new cycle lanes."
OTHER = "Residents of the old town asked for the works to start before the summer."
LIMITS = Thresholds(0.45, 2.0, "test")


@pytest.fixture
def app(any_db_app):
    """Run this module on SQLite and, when configured, on PostgreSQL."""
    return any_db_app


def test_pending_links_are_made_by_upkeep_and_only_once(client, app):
    first = claim_of(import_article(client, "Alpha", SENTENCE, title="First"), SENTENCE)
    second = claim_of(import_article(client, "Beta", OTHER, SENTENCE, title="Second"), SENTENCE)
    index = app.extensions["claims"].index
    with db(app) as session:
        # Each import linked at once and left nothing pending.
        assert session.exec(select(PendingLink)).all() == []
        pairs = select(ClaimLink.claim_a_id, ClaimLink.claim_b_id)
        assert session.exec(pairs).all() == [(first, second)]
        # As if the second import's request had crashed after its commit, an hour ago; the
        # first is pending too, but too recently: its own request may still be at it.
        session.execute(sa.delete(ClaimLink))
        session.add(PendingLink(claim_id=second, created_at=utcnow() - timedelta(hours=1)))
        session.add(PendingLink(claim_id=first, created_at=utcnow()))
        session.commit()
        done = keep_up(session, index, LIMITS, snapshot_after=10**9)
        assert done.linked == 1 and not done.snapshot
        assert session.exec(select(PendingLink.claim_id)).all() == [first]
        again = keep_up(session, index, LIMITS, snapshot_after=10**9, pending_age=0)
        # The first is done too, finding the link that exists: nothing is doubled.
        assert again.linked == 0 and session.exec(select(PendingLink)).all() == []
        assert session.exec(pairs).all() == [(first, second)]


def test_upkeep_writes_a_snapshot_once_the_log_has_moved_on(client, app):
    import_article(client, "Alpha", SENTENCE, title="First")
    index = app.extensions["claims"].index
    with db(app) as session:
        assert not keep_up(session, index, LIMITS, snapshot_after=5).snapshot
        assert keep_up(session, index, LIMITS, snapshot_after=1).snapshot
        assert not keep_up(session, index, LIMITS, snapshot_after=1).snapshot  # nothing new
        reader = ClaimIndex(index.path, index.model)
        assert reader.ensure_fresh(session) == 0 and reader.snapshot_position == index.position
