"""Retrieval metrics as the CheckThat! scorer computes them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetrievalScores:
    """Mean scores over the queries."""

    map_at_k: float
    mrr_at_k: float
    recall_at_k: float
    queries: int


def average_precision(ranked: list[str], relevant: set[str], k: int) -> float:
    """Sum the precision at each relevant hit in the top k, divided by the number relevant."""
    hits, total = 0, 0.0
    for rank, doc in enumerate(ranked[:k], start=1):
        if doc in relevant:
            hits += 1
            total += hits / rank
    return total / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: list[str], relevant: set[str], k: int) -> float:
    """Return 1/rank of the first relevant hit in the top k, or 0."""
    for rank, doc in enumerate(ranked[:k], start=1):
        if doc in relevant:
            return 1.0 / rank
    return 0.0


def recall(ranked: list[str], relevant: set[str], k: int) -> float:
    """Return the share of relevant items found in the top k."""
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def score_runs(runs: dict[str, list[str]], qrels: dict[str, set[str]], k: int) -> RetrievalScores:
    """Average the metrics over the queries that have relevance judgements."""
    queries = [q for q in qrels if q in runs]
    if not queries:
        raise ValueError("no query has both a ranking and relevance judgements")

    def mean(metric) -> float:
        return sum(metric(runs[q], qrels[q], k) for q in queries) / len(queries)

    return RetrievalScores(
        mean(average_precision), mean(reciprocal_rank), mean(recall), len(queries)
    )
