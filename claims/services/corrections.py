"""Fixing the automatic extraction: edit, add, split and merge claims, keeping the index in step.

Each change commits with its audit entries first; the index follows after the commit, and the
changed claims are re-embedded and re-matched against other articles.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from claims.errors import N_, InvalidInput
from claims.models import Article, Claim, ClaimLink, ClaimStatus, LinkState, PendingLink
from claims.search.changes import log_changes
from claims.search.embedder import Embedder
from claims.search.index import ClaimIndex, indexable
from claims.services.articles import get_article, new_claims
from claims.services.links import link_pending
from claims.services.rows import get_or_404
from claims.services.versions import record_change, start_change
from claims.text.checkworthiness import score
from claims.text.cleaning import matching_text
from claims.text.pipeline import ClaimDraft
from claims.text.speakers import find_speaker

MAX_CLAIM_CHARS = 2_000


def _check_text(text: str) -> str:
    """Refuse empty or overlong claim wording."""
    text = " ".join(text.split())
    if not text:
        raise InvalidInput(N_("The claim text is empty."))
    if len(text) > MAX_CLAIM_CHARS:
        raise InvalidInput(N_("A claim has at most %(n)s characters."), n=f"{MAX_CLAIM_CHARS:,}")
    return text


def _trimmed_span(body: str, start: int, end: int) -> tuple[int, int]:
    """Return the span without surrounding whitespace, or raise if it is empty or out of range."""
    if not 0 <= start < end <= len(body):
        raise InvalidInput(
            N_("The selection must lie within the article (0–%(end)s)."), end=len(body)
        )
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    if start == end:
        raise InvalidInput(N_("The selection holds no text."))
    _check_text(body[start:end])
    return start, end


def _refresh(claim: Claim, text: str, embedder: Embedder) -> None:
    """Set a claim's wording and recompute what derives from it."""
    claim.text = text
    claim.checkworthiness = score(text, claim.language)
    claim.speaker = find_speaker(text, claim.language, claim.speaker)
    claim.match_text = matching_text(text)
    claim.embedding = embedder.encode([claim.match_text])[0].tobytes()
    claim.embedding_model = embedder.name


def _new_claim(article: Article, draft: ClaimDraft, embedder: Embedder) -> Claim:
    """Build one (unsaved) claim from a reviewer's passage, embedded by its cleaned words."""
    match_text = matching_text(draft.text)
    vectors = embedder.encode([match_text])
    return new_claims(article, [draft], vectors, embedder.name, [match_text])[0]


def _restage(session: Session, claims: list[Claim], action: str) -> None:
    """Before commit: drop the claims' undecided suggestions, log them, queue their relinking."""
    ids = [c.id for c in claims]
    session.execute(
        sa.delete(ClaimLink).where(
            ClaimLink.state == LinkState.SUGGESTED,
            sa.or_(ClaimLink.claim_a_id.in_(ids), ClaimLink.claim_b_id.in_(ids)),
        )
    )
    for claim in claims:
        if indexable(claim):
            session.merge(PendingLink(claim_id=claim.id))
    log_changes(session, ids, action)


def _relink(session: Session, index: ClaimIndex, claims: list[Claim], threshold: float) -> None:
    """After commit: bring the index up to date, then link the claims' near-duplicates."""
    index.catch_up(session)
    link_pending(session, index, [c.id for c in claims], threshold)


def edit_wording(
    session: Session,
    embedder: Embedder,
    index: ClaimIndex,
    claim_id: int,
    text: str,
    actor: str,
    expected: int | None,
    threshold: float,
) -> Claim:
    """Reword a claim; the original stays in the audit trail."""
    claim = get_or_404(session, Claim, claim_id)
    before = start_change(session, claim, expected)
    _refresh(claim, _check_text(text), embedder)
    record_change(session, actor, "claim.edit", claim, before)
    _restage(session, [claim], "edit")
    session.commit()
    _relink(session, index, [claim], threshold)
    return claim


def add_claim(
    session: Session,
    embedder: Embedder,
    index: ClaimIndex,
    article_id: int,
    start: int,
    end: int,
    actor: str,
    threshold: float,
) -> Claim:
    """Make a claim of a passage the reviewer selected in the article."""
    article = get_article(session, article_id)
    start, end = _trimmed_span(article.body, start, end)
    if _claim_at(session, article_id, start, end) is not None:
        raise InvalidInput(N_("That passage is already a claim."))
    text = article.body[start:end]
    draft = ClaimDraft(
        _next_position(session, article_id),
        start,
        end,
        text,
        score(text, article.language),
        find_speaker(text, article.language),
    )
    claim = _new_claim(article, draft, embedder)
    session.add(claim)
    session.flush()
    record_change(session, actor, "claim.add", claim, None)
    _restage(session, [claim], "add")
    session.commit()
    _relink(session, index, [claim], threshold)
    return claim


def _claim_at(session: Session, article_id: int, start: int, end: int) -> Claim | None:
    """Return a visible claim with exactly this span, if any."""
    query = select(Claim).where(
        Claim.article_id == article_id,
        Claim.start == start,
        Claim.end == end,
        Claim.status != ClaimStatus.MERGED,
    )
    return session.exec(query).first()


def _next_position(session: Session, article_id: int) -> int:
    """Return the position after the article's last claim."""
    last = session.exec(select(sa.func.max(Claim.position)).where(Claim.article_id == article_id))
    value = last.one()
    return 0 if value is None else value + 1


def split_claim(
    session: Session,
    embedder: Embedder,
    index: ClaimIndex,
    claim_id: int,
    at: int,
    actor: str,
    expected: int | None,
    threshold: float,
) -> tuple[Claim, Claim]:
    """Split a claim at a body offset: it keeps the first part, a new claim takes the second."""
    claim = get_or_404(session, Claim, claim_id)
    article = session.get(Article, claim.article_id)
    if not claim.start < at < claim.end:
        raise InvalidInput(N_("Split inside the claim, between its first and last characters."))
    first = _trimmed_span(article.body, claim.start, at)
    second = _trimmed_span(article.body, at, claim.end)
    before = start_change(session, claim, expected)
    claim.start, claim.end = first
    _refresh(claim, article.body[first[0] : first[1]], embedder)
    text = article.body[second[0] : second[1]]
    draft = ClaimDraft(
        _next_position(session, article.id),
        *second,
        text,
        score(text, article.language),
        find_speaker(text, article.language, claim.speaker),
    )
    other = _new_claim(article, draft, embedder)
    published = claim.status == ClaimStatus.PUBLISHED
    other.status = ClaimStatus.UNREVIEWED if published else claim.status
    session.add_all([claim, other])
    session.flush()
    record_change(session, actor, "claim.split", claim, before)
    record_change(session, actor, "claim.split_from", other, None)
    _restage(session, [claim, other], "split")
    session.commit()
    _relink(session, index, [claim, other], threshold)
    return claim, other


def merge_claims(
    session: Session,
    embedder: Embedder,
    index: ClaimIndex,
    claim_id: int,
    other_id: int,
    actor: str,
    expected: int | None,
    threshold: float,
) -> Claim:
    """Merge two claims of one article: the earlier spans both, the later is marked merged."""
    claim, other = get_or_404(session, Claim, claim_id), get_or_404(session, Claim, other_id)
    if claim.id == other.id or claim.article_id != other.article_id:
        raise InvalidInput(N_("Only two different claims of the same article can be merged."))
    if ClaimStatus.MERGED in (claim.status, other.status):
        raise InvalidInput(N_("One of these claims was already merged into another."))
    keep, drop = sorted((claim, other), key=lambda c: c.start)
    article = session.get(Article, keep.article_id)
    before = {claim.id: start_change(session, claim, expected)}
    before[other.id] = start_change(session, other, None)
    keep.start, keep.end = min(keep.start, drop.start), max(keep.end, drop.end)
    _refresh(keep, _check_text(article.body[keep.start : keep.end]), embedder)
    drop.status = ClaimStatus.MERGED
    record_change(session, actor, "claim.merge", keep, before[keep.id])
    record_change(session, actor, "claim.merged_into", drop, {**before[drop.id], "into": keep.id})
    # A merged claim is gone for good: its undecided suggestions go with it.
    _restage(session, [keep, drop], "merge")
    session.commit()
    _relink(session, index, [keep], threshold)
    return keep
