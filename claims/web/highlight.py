"""Cutting an article body into plain and claim segments, for highlighting in place."""

from __future__ import annotations

from dataclasses import dataclass

from claims.models import Claim


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of body text, and the claim it belongs to if any."""

    text: str
    start: int
    claim: Claim | None = None


def segments(body: str, claims: list[Claim]) -> list[Segment]:
    """Return the body as consecutive segments; overlapping spans keep the earlier claim."""
    parts, cursor = [], 0
    for claim in sorted(claims, key=lambda c: c.start):
        if claim.start < cursor:
            continue
        if claim.start > cursor:
            parts.append(Segment(body[cursor : claim.start], cursor))
        parts.append(Segment(body[claim.start : claim.end], claim.start, claim))
        cursor = claim.end
    if cursor < len(body):
        parts.append(Segment(body[cursor:], cursor))
    return parts
