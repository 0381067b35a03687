"""Match thresholds: precision/recall tables, `claims calibrate` from reviewers' decisions,
which thresholds are in force, and auto-linking that never confirms changed facts."""

from __future__ import annotations

import itertools

import pytest
from sqlmodel import select

from claims.models import Calibration, ClaimLink
from claims.services.calibration import (
    AUTO_ACTOR,
    NEVER,
    Point,
    choose,
    pr_table,
    reviewer_decisions,
    thresholds,
)
from tests.conftest import make_app
from tests.helpers import claim_of, db, import_article


@pytest.fixture
def app(any_db_app):
    """Run this module on SQLite and, when configured, on PostgreSQL."""
    return any_db_app


SENTENCES = [
    f"The council approved plan number {n} for the northern district in 2024." for n in range(12)
]


# --- the table and the choice ------------------------------------------------------------------


def test_precision_and_recall_are_counted_at_each_threshold():
    scored = [(0.9, True), (0.8, True), (0.7, False), (0.6, True), (0.4, False)]
    table = {p.threshold: p for p in pr_table(scored, relevant=4, steps=(0.5, 0.75, 0.95))}
    assert table[0.5] == Point(0.5, 4, 0.75, 0.75, 0.75)
    assert table[0.75] == Point(0.75, 2, 1.0, 0.5, 0.6667)
    assert table[0.95] == Point(0.95, 0, 1.0, 0.0, 0.0)


def test_recall_defaults_to_the_true_pairs_that_were_scored():
    (point,) = pr_table([(0.9, True), (0.2, True)], steps=(0.5,))
    assert point.recall == 0.5


def test_suggest_is_the_lowest_precise_threshold_and_auto_link_is_more_precise():
    scored = [(0.5 + i / 100, i >= 20) for i in range(40)] + [(0.95, True)] * 20
    table = pr_table(scored)
    suggest, autolink = choose(table)
    by_threshold = {p.threshold: p for p in table}
    assert by_threshold[suggest].precision >= 0.85
    assert all(p.precision < 0.85 for p in table if p.threshold < suggest)
    assert autolink > suggest
    above = [label for score, label in scored if score >= autolink]
    assert sum(above) / len(above) >= 0.95


def test_without_a_precise_threshold_suggest_falls_back_to_the_best_f1():
    scored = [(0.4, True), (0.4, False), (0.6, True), (0.6, False)] * 10 + [(0.3, False)] * 40
    table = pr_table(scored)
    suggest, autolink = choose(table)
    assert suggest == max(table, key=lambda p: (p.f1, -p.threshold)).threshold == 0.325
    assert autolink == NEVER


def test_auto_link_stays_off_when_no_threshold_is_precise_enough():
    scored = [(s, i % 2 == 0) for i, s in enumerate([0.6, 0.7, 0.8, 0.9] * 10)]
    assert choose(pr_table(scored))[1] == NEVER


# --- calibrating from reviewers' decisions -----------------------------------------------------


def _decided_links(app, client, decisions: list[tuple[float, str, str]]) -> None:
    """Store links between fresh claims with given scores, states and deciders."""
    data = import_article(client, "Alpha", *SENTENCES)
    ids = [claim_of(data, s) for s in SENTENCES]
    pairs = itertools.combinations(ids, 2)
    with db(app) as session:
        for link in session.exec(select(ClaimLink)):
            session.delete(link)
        for (score, state, who), (a, b) in zip(decisions, pairs, strict=False):
            session.add(
                ClaimLink(claim_a_id=a, claim_b_id=b, score=score, state=state, decided_by=who)
            )
        session.commit()


def _reviewed(n_true: int, n_false: int) -> list[tuple[float, str, str]]:
    """Confirmed links scoring high and rejected ones scoring low, with some overlap."""
    confirmed = [(0.7 + 0.3 * i / n_true, "confirmed", "reviewer") for i in range(n_true)]
    rejected = [(0.5 + 0.25 * i / n_false, "rejected", "reviewer") for i in range(n_false)]
    return confirmed + rejected


def test_calibrate_recomputes_the_thresholds_from_decisions(app, client, runner):
    _decided_links(app, client, _reviewed(30, 20) + [(0.55, "confirmed", AUTO_ACTOR)] * 5)
    with db(app) as session:
        assert len(reviewer_decisions(session)) == 50  # the system's own links do not count
    result = runner.invoke(args=["claims", "calibrate"])
    assert result.exit_code == 0, result.output
    assert "From 30 confirmed and 20 rejected links" in result.output
    with db(app) as session:
        row = session.exec(select(Calibration)).one()
        in_force = thresholds(session, app.config)
    assert 0.7 <= row.suggest <= 0.76
    assert row.suggest <= row.auto_link < NEVER
    assert (in_force.suggest, in_force.auto_link) == (row.suggest, row.auto_link)
    assert in_force.origin == "reviewers' decisions"


@pytest.mark.parametrize(
    ("decisions", "message"),
    [
        ([], "needs at least 20 links"),
        (_reviewed(10, 5), "there are 15"),
        ([(0.8, "confirmed", "reviewer")] * 25, "both confirmed and rejected links"),
    ],
)
def test_calibrate_refuses_too_little_data(app, client, runner, decisions, message):
    _decided_links(app, client, decisions)
    result = runner.invoke(args=["claims", "calibrate"])
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    with db(app) as session:
        assert session.exec(select(Calibration)).first() is None


def test_thresholds_come_from_settings_then_calibration_then_defaults(app, tmp_path):
    with db(app) as session:
        assert thresholds(session, app.config).origin == "benchmark"
        session.add(
            Calibration(suggest=0.6, auto_link=0.9, confirmed=1, rejected=1, report="[]", actor="t")
        )
        session.commit()
        assert thresholds(session, app.config).suggest == 0.6
    (tmp_path / "pinned").mkdir()
    pinned = make_app(
        tmp_path / "pinned", app.extensions["claims"].embedder, THRESHOLDS_FROM_ENV=True
    )
    with db(pinned) as session:
        session.add(
            Calibration(suggest=0.6, auto_link=0.9, confirmed=1, rejected=1, report="[]", actor="t")
        )
        session.commit()
        assert thresholds(session, pinned.config).origin == "settings"
        assert thresholds(session, pinned.config).suggest == pinned.config["SUGGEST_THRESHOLD"]


# --- auto-linking ------------------------------------------------------------------------------

SAME = "Tokyo said North Korea fired three ballistic missiles into the sea on Monday morning."
CHANGED = "Tokyo said North Korea fired two ballistic missiles into the sea on Monday morning."


@pytest.fixture
def eager_app(tmp_path):
    """An app that auto-links anything at or above a fused score of 0.6."""
    from tests.conftest import HashingEmbedder

    return make_app(tmp_path, HashingEmbedder(), AUTOLINK_THRESHOLD=0.6)


def test_certain_links_are_confirmed_by_the_system_but_changed_facts_wait(eager_app):
    client = eager_app.test_client()
    from tests.conftest import login

    login(client)
    first = claim_of(import_article(client, "Alpha", SAME), SAME)
    second = claim_of(
        import_article(client, "Beta", SAME.replace("Monday", "Monday,")),
        SAME.replace("Monday", "Monday,"),
    )
    third = claim_of(import_article(client, "Gamma", CHANGED), CHANGED)
    links = {
        item["claim"]["id"]: item
        for item in client.get(f"/api/claims/{first}/links").get_json()["links"]
    }
    assert links[second]["link"]["state"] == "confirmed"
    assert links[third]["link"]["state"] == "suggested"
    assert links[third]["relation"] == "different_facts"
    with db(eager_app) as session:
        auto = session.exec(select(ClaimLink).where(ClaimLink.decided_by == AUTO_ACTOR)).all()
        assert len(auto) == 1 and auto[0].decided_at is not None
