"""Retrieval metrics."""

import pytest

from claims.search.metrics import average_precision, recall, reciprocal_rank, score_runs


def test_average_precision_divides_by_the_number_relevant():
    assert average_precision(["a", "x", "b"], {"a", "b"}, 5) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision(["x", "a"], {"a"}, 1) == 0.0


def test_reciprocal_rank_and_recall():
    assert reciprocal_rank(["x", "y", "a"], {"a"}, 5) == pytest.approx(1 / 3)
    assert recall(["a", "x"], {"a", "b"}, 5) == 0.5


def test_score_runs_averages_over_judged_queries():
    scores = score_runs({"q1": ["a"], "q2": ["x", "b"]}, {"q1": {"a"}, "q2": {"b"}}, 5)
    assert scores.map_at_k == pytest.approx(0.75) and scores.queries == 2
    assert scores.mrr_at_k == pytest.approx(0.75) and scores.recall_at_k == 1.0
    with pytest.raises(ValueError):
        score_runs({}, {"q": {"a"}}, 5)
