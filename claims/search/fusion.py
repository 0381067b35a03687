"""Hybrid matching: dense cosine and normalised BM25, fused into one score in [0, 1]."""

from __future__ import annotations

from dataclasses import dataclass

from claims.config import DENSE_WEIGHT


@dataclass(frozen=True, slots=True)
class Match:
    """One candidate claim with its fused score and the two scores it came from."""

    claim_id: int
    score: float
    dense: float
    lexical: float


def fuse(
    dense: dict[int, float], lexical: dict[int, float], dense_weight: float = DENSE_WEIGHT
) -> list[Match]:
    """Combine per-claim cosine and lexical scores into matches, best first.

    A convex combination (not rank fusion) keeps the score comparable across queries, so the
    suggestion and auto-link thresholds mean the same thing for every claim.
    """
    matches = [
        Match(
            claim_id=claim_id,
            score=round(
                dense_weight * max(0.0, dense.get(claim_id, 0.0))
                + (1 - dense_weight) * lexical.get(claim_id, 0.0),
                6,
            ),
            dense=dense.get(claim_id, 0.0),
            lexical=lexical.get(claim_id, 0.0),
        )
        for claim_id in dense.keys() | lexical.keys()
    ]
    matches.sort(key=lambda m: (-m.score, m.claim_id))
    return matches
