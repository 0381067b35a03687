"""Near-duplicates: suggesting links at import, listing them, searching, and deciding."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from claims.errors import N_, InvalidInput
from claims.models import (
    HIDDEN_STATUSES,
    Article,
    Claim,
    ClaimLink,
    LinkState,
    PendingLink,
    Source,
    Verdict,
    utcnow,
)
from claims.schemas import UNASSIGNED, ClaimFilters
from claims.search.embedder import Embedder
from claims.search.fusion import Match
from claims.search.index import ClaimIndex, indexable, vector_of
from claims.services import audit
from claims.services.calibration import AUTO_ACTOR, NEVER
from claims.services.rows import get_or_404
from claims.text.cleaning import matching_text
from claims.text.language import detect_language
from claims.text.mutation import Difference, differences

MATCH_DEPTH = 50
LINKS_PER_CLAIM = 10
# Pending claims linked per transaction when the worker sweeps what others left undone.
PENDING_BATCH = 1_000


@dataclass(frozen=True, slots=True)
class SimilarClaim:
    """Another claim that matches, with where it comes from and its current verdict."""

    claim: Claim
    article: Article
    source: Source
    score: float
    verdict: Verdict | None
    link: ClaimLink | None = None
    # Figures, dates or names that differ from the claim it was matched against.
    differences: tuple[Difference, ...] = ()

    @property
    def relation(self) -> str:
        """Say whether the match restates the claim or changes its facts."""
        return "different_facts" if self.differences else "duplicate"


def compare_facts(text: str, language: str, found: list[SimilarClaim]) -> list[SimilarClaim]:
    """Attach to each match the facts that differ from `text` ("same claim, different facts")."""
    return [
        replace(s, differences=tuple(differences(text, s.claim.text, language, s.claim.language)))
        for s in found
    ]


def current_verdicts(session: Session, claim_ids: Iterable[int]) -> dict[int, Verdict]:
    """Return each claim's latest verdict (verdicts are append-only, so the highest id)."""
    ids = list(claim_ids)
    if not ids:
        return {}
    latest = (
        select(sa.func.max(Verdict.id)).where(Verdict.claim_id.in_(ids)).group_by(Verdict.claim_id)
    )
    verdicts = session.exec(select(Verdict).where(Verdict.id.in_(latest)))
    return {v.claim_id: v for v in verdicts}


def hydrate(
    session: Session,
    matches: list[Match],
    filters: ClaimFilters | None = None,
    limit: int | None = None,
) -> list[SimilarClaim]:
    """Load the claims behind matches, keep those passing the filters, in match order.

    With a limit, matches are loaded a batch at a time until that many pass: a search
    returning 10 claims should not load the hundred candidates it ranked.
    """
    if limit is None:
        return _hydrate_batch(session, matches, filters)
    found: list[SimilarClaim] = []
    size = max(2 * limit, 20)
    for start in range(0, len(matches), size):
        found += _hydrate_batch(session, matches[start : start + size], filters)
        if len(found) >= limit:
            break
    return found[:limit]


def _hydrate_batch(
    session: Session, matches: list[Match], filters: ClaimFilters | None
) -> list[SimilarClaim]:
    """Load the claims behind some matches, keep those passing the filters, in match order."""
    if not matches:
        return []
    query = (
        select(Claim, Article, Source)
        .join(Article, Claim.article_id == Article.id)
        .join(Source, Article.source_id == Source.id)
        .where(Claim.id.in_([m.claim_id for m in matches]), Claim.status.not_in(HIDDEN_STATUSES))
    )
    if filters is not None:
        query = apply_filters(query, filters)
    rows = {claim.id: (claim, article, source) for claim, article, source in session.exec(query)}
    verdicts = current_verdicts(session, rows)
    return [
        SimilarClaim(*rows[m.claim_id], score=m.score, verdict=verdicts.get(m.claim_id))
        for m in matches
        if m.claim_id in rows
    ]


def apply_filters(query, filters: ClaimFilters):
    """Narrow a query over Claim, Article and Source by the shared filters."""
    conditions = []
    if filters.language:
        conditions.append(Claim.language == filters.language)
    if filters.source:
        conditions.append(Source.name == filters.source)
    if filters.date_from:
        conditions.append(Article.published_at >= filters.date_from)
    if filters.date_to:
        conditions.append(Article.published_at <= filters.date_to)
    if filters.status:
        conditions.append(Claim.status == filters.status)
    if filters.min_score is not None:
        conditions.append(Claim.checkworthiness >= filters.min_score)
    if filters.rating:
        conditions.append(Claim.id.in_(_rated(filters.rating)))
    if filters.text:
        conditions.append(Claim.text.icontains(filters.text, autoescape=True))
    if filters.speaker:
        conditions.append(Claim.speaker.icontains(filters.speaker, autoescape=True))
    if filters.assignee == UNASSIGNED:
        conditions.append(Claim.assignee.is_(None))
    elif filters.assignee:
        conditions.append(Claim.assignee == filters.assignee.lower())
    if filters.source_id:
        conditions.append(Article.source_id == filters.source_id)
    return query.where(*conditions) if conditions else query


def _rated(rating: str):
    """Select the claims whose latest verdict has this rating."""
    latest = select(sa.func.max(Verdict.id)).group_by(Verdict.claim_id)
    return select(Verdict.claim_id).where(Verdict.id.in_(latest), Verdict.rating == rating)


def similar_to(
    session: Session,
    index: ClaimIndex,
    claim: Claim,
    k: int,
    depth: int = MATCH_DEPTH,
) -> list[SimilarClaim]:
    """Return the k best matches for a stored claim among other articles' claims."""
    text = claim.match_text or claim.text
    matches = index.match(vector_of(claim), text, claim.language, max(depth, k * 3))
    found = [s for s in hydrate(session, matches) if s.claim.article_id != claim.article_id]
    return compare_facts(claim.text, claim.language, found[:k])


def link_near_duplicates(
    session: Session,
    index: ClaimIndex,
    claims: list[Claim],
    threshold: float,
    autolink: float = NEVER,
    done: list[int] | None = None,
) -> int:
    """Link each new claim to its best matches at or above the threshold; return how many.

    Links at or above `autolink` are confirmed at once, unless their figures, dates or names
    differ: "same claim, different facts" always waits for a person.
    """
    found = index.match_many(
        np.array([vector_of(claim) for claim in claims], dtype=np.float32),
        [claim.match_text or claim.text for claim in claims],
        [claim.language for claim in claims],
        MATCH_DEPTH,
        threshold,
    )
    matches = {claim.id: hits for claim, hits in zip(claims, found, strict=True)}
    others = _link_candidates(session, {m.claim_id for found in matches.values() for m in found})
    links: dict[tuple[int, int], dict] = {}
    for claim in claims:
        found = [
            m
            for m in matches[claim.id]
            if m.claim_id in others and others[m.claim_id].article_id != claim.article_id
        ]
        for match in found[:LINKS_PER_CLAIM]:
            pair = (min(claim.id, match.claim_id), max(claim.id, match.claim_id))
            if pair not in links:
                links[pair] = _new_link(pair, match.score, claim, others[match.claim_id], autolink)
    known = _existing_pairs(session, [claim.id for claim in claims], links)
    new_links = [row for pair, row in links.items() if pair not in known]
    if new_links:
        _insert_new(session, new_links)
    # Done in the same transaction as the links it stored, so it is never done twice nor lost.
    ids = [claim.id for claim in claims] if done is None else done
    session.execute(sa.delete(PendingLink).where(PendingLink.claim_id.in_(ids)))
    session.commit()
    return len(new_links)


def _insert_new(session: Session, rows: list[dict]) -> None:
    """Insert link rows, skipping pairs another process linked meanwhile (same pending work)."""
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    statement = insert(ClaimLink.__table__).on_conflict_do_nothing(
        index_elements=["claim_a_id", "claim_b_id"]
    )
    # A Core executemany, not ORM objects nor its bulk path: an import writes thousands.
    session.connection().execute(statement, rows)


def link_pending(
    session: Session,
    index: ClaimIndex,
    claim_ids: Iterable[int] | None,
    threshold: float,
    autolink: float = NEVER,
    older_than: float = 0.0,
) -> int:
    """Link the claims whose linking is still pending (among `claim_ids`, or all); return links.

    Whoever gets there first does it: the request that imported them, a retry, or the worker.
    """
    query = select(PendingLink.claim_id).order_by(PendingLink.claim_id)
    if claim_ids is not None:
        ids = list(claim_ids)
        if not ids:
            return 0
        query = query.where(PendingLink.claim_id.in_(ids))
    if older_than:
        cutoff = utcnow() - timedelta(seconds=older_than)
        query = query.where(PendingLink.created_at <= cutoff)
    pending = list(session.exec(query))
    linked = 0
    for start in range(0, len(pending), PENDING_BATCH):
        batch = pending[start : start + PENDING_BATCH]
        claims = list(session.exec(select(Claim).where(Claim.id.in_(batch))))
        live = [c for c in claims if indexable(c) and c.embedding_model == index.model]
        linked += link_near_duplicates(session, index, live, threshold, autolink, done=batch)
    return linked


def _link_candidates(session: Session, ids: set[int]) -> dict[int, sa.Row]:
    """Return id, article, text and language of the matchable claims among these ids."""
    if not ids:
        return {}
    query = select(Claim.id, Claim.article_id, Claim.text, Claim.language).where(
        Claim.id.in_(ids), Claim.status.not_in(HIDDEN_STATUSES)
    )
    return {row.id: row for row in session.exec(query)}


def _new_link(
    pair: tuple[int, int], score: float, claim: Claim, other: sa.Row, autolink: float
) -> dict:
    """A link row, confirmed by the system when the match is certain and the facts agree."""
    row = {"claim_a_id": pair[0], "claim_b_id": pair[1], "score": score}
    row |= {
        "state": LinkState.SUGGESTED,
        "decided_by": None,
        "decided_at": None,
        "created_at": utcnow(),
    }
    if score >= autolink and not differences(
        claim.text, other.text, claim.language, other.language
    ):
        row |= {"state": LinkState.CONFIRMED, "decided_by": AUTO_ACTOR, "decided_at": utcnow()}
    return row


def _existing_pairs(
    session: Session, claim_ids: list[int], links: dict[tuple[int, int], dict]
) -> set[tuple[int, int]]:
    """Return which of these pairs, each holding one of `claim_ids`, are already linked."""
    if not links:
        return set()
    # Only the linked claims' own links: for claims just imported, an indexed lookup of none.
    query = select(ClaimLink.claim_a_id, ClaimLink.claim_b_id).where(
        sa.or_(ClaimLink.claim_a_id.in_(claim_ids), ClaimLink.claim_b_id.in_(claim_ids))
    )
    return {pair for pair in map(tuple, session.exec(query)) if pair in links}


def links_of(session: Session, claim_id: int) -> list[SimilarClaim]:
    """Return a claim's stored links with the other claim, best score first."""
    query = select(ClaimLink).where(
        sa.or_(ClaimLink.claim_a_id == claim_id, ClaimLink.claim_b_id == claim_id)
    )
    links = list(session.exec(query))
    other = {
        link.id: link.claim_b_id if link.claim_a_id == claim_id else link.claim_a_id
        for link in links
    }
    matches = [Match(other[link.id], link.score, 0.0, 0.0) for link in links]
    by_claim = {other[link.id]: link for link in links}
    found = hydrate(session, sorted(matches, key=lambda m: -m.score))
    linked = [replace(s, link=by_claim[s.claim.id]) for s in found]
    claim = session.get(Claim, claim_id)
    return compare_facts(claim.text, claim.language, linked) if claim else linked


def search_claims(
    session: Session,
    embedder: Embedder,
    index: ClaimIndex,
    text: str,
    k: int,
    filters: ClaimFilters,
) -> list[SimilarClaim]:
    """Rank stored claims against free text with the same matching as near-duplicates."""
    text = text.strip()
    if not text:
        raise InvalidInput(N_("Type something to search for."))
    language = filters.language or detect_language(text)
    query = matching_text(text)
    # Filters apply after matching, so look deeper when they are likely to discard hits.
    depth = max(MATCH_DEPTH, k * 5) * (10 if filters != ClaimFilters() else 1)
    matches = index.match_text(query, language, depth, lambda t: embedder.encode([t])[0])
    found = hydrate(session, matches, filters, limit=k)
    return compare_facts(text, language, found)


def decide_link(session: Session, link_id: int, state: str, actor: str) -> ClaimLink:
    """Confirm or reject a suggested link, recording who decided and when."""
    if state not in (LinkState.CONFIRMED, LinkState.REJECTED):
        raise InvalidInput(N_("A link can only be confirmed or rejected."))
    link = get_or_404(session, ClaimLink, link_id, "link")
    before = {"state": link.state, "decided_by": link.decided_by}
    link.state, link.decided_by, link.decided_at = state, actor, utcnow()
    session.add(link)
    for claim_id in (link.claim_a_id, link.claim_b_id):
        audit.record(
            session,
            actor,
            f"link.{state}",
            "claimlink",
            link.id,
            before=before,
            after={"state": state, "score": link.score},
            claim_id=claim_id,
        )
    session.commit()
    return link
