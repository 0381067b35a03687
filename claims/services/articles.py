"""Importing articles and reading them back."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlparse

import numpy as np
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from claims.cleaning import claim_matching_texts
from claims.cwmodel import CheckworthinessModel, combine
from claims.embedder import Embedder
from claims.errors import NotFound
from claims.index import ClaimIndex
from claims.models import Article, Claim, ClaimLink, Comment, Source, Verdict
from claims.pipeline import ClaimDraft, PreparedArticle, body_hash, clean_body, prepare_article
from claims.schemas import ArticleIn
from claims.services import audit
from claims.services.calibration import NEVER
from claims.services.links import link_near_duplicates


@dataclass(frozen=True, slots=True)
class IngestResult:
    """The stored article, its claims, and whether this call created it."""

    article: Article
    claims: list[Claim]
    created: bool


def find_existing(session: Session, sha256: str, url: str | None) -> Article | None:
    """Return the article with this normalised text or URL, if already imported."""
    condition = Article.body_sha256 == sha256
    if url:
        condition = sa.or_(condition, Article.url == url)
    return session.exec(select(Article).where(condition)).first()


def get_or_create_source(session: Session, name: str, url: str | None, language: str) -> Source:
    """Return the source with this name, adding it (unflushed) when new."""
    source = session.exec(select(Source).where(Source.name == name)).first()
    if source is None:
        domain = urlparse(url).hostname if url else None
        source = Source(name=name, domain=domain, language=language)
        session.add(source)
    return source


def article_claims(session: Session, article_id: int) -> list[Claim]:
    """Return an article's claims in body order."""
    query = select(Claim).where(Claim.article_id == article_id).order_by(Claim.position)
    return list(session.exec(query))


def _existing_result(session: Session, article: Article) -> IngestResult:
    """Wrap an article that was already imported."""
    return IngestResult(article, article_claims(session, article.id), created=False)


def learned_checkworthiness(
    model: CheckworthinessModel | None, vectors: np.ndarray, drafts: list[ClaimDraft], language: str
) -> list[ClaimDraft]:
    """Rescore drafts with the learned model, blended with the heuristic outside English."""
    if model is None or not drafts:
        return drafts
    texts = [draft.text for draft in drafts]
    probabilities = model.predict_proba(vectors, texts, [language] * len(texts))
    return [
        replace(draft, checkworthiness=round(combine(p, draft.checkworthiness, language), 4))
        for draft, p in zip(drafts, probabilities, strict=True)
    ]


def _store(
    session: Session,
    data: ArticleIn,
    prepared: PreparedArticle,
    embedder: Embedder,
    checkworthiness: CheckworthinessModel | None,
    actor: str,
) -> tuple[Article, list[Claim]]:
    """Store the article, its claims and their vectors in one transaction."""
    match_texts = claim_matching_texts([draft.text for draft in prepared.claims], data.title)
    vectors = embedder.encode(match_texts)
    drafts = learned_checkworthiness(checkworthiness, vectors, prepared.claims, prepared.language)
    source = get_or_create_source(session, data.source, data.url, prepared.language)
    session.flush()
    article = Article(
        source_id=source.id,
        title=data.title,
        url=data.url,
        published_at=data.published_at,
        language=prepared.language,
        body=prepared.body,
        body_sha256=prepared.body_sha256,
    )
    session.add(article)
    session.flush()
    claims = new_claims(article, drafts, vectors, embedder.name, match_texts)
    session.add_all(claims)
    after = {
        "title": article.title,
        "source": data.source,
        "url": article.url,
        "claims": len(claims),
    }
    audit.record(session, actor, "article.import", "article", article.id, after=after)
    session.commit()
    return article, claims


def new_claims(
    article: Article,
    drafts: list[ClaimDraft],
    vectors: np.ndarray,
    model: str,
    match_texts: list[str],
) -> list[Claim]:
    """Build (unsaved) claims of a flushed article from drafts, the texts embedded, vectors."""
    return [
        Claim(
            article_id=article.id,
            position=draft.position,
            start=draft.start,
            end=draft.end,
            text=draft.text,
            language=article.language,
            checkworthiness=draft.checkworthiness,
            speaker=draft.speaker,
            embedding=vector.tobytes(),
            embedding_model=model,
            match_text=match_text,
        )
        for draft, vector, match_text in zip(drafts, vectors, match_texts, strict=True)
    ]


def ingest_article(
    session: Session,
    embedder: Embedder,
    index: ClaimIndex,
    data: ArticleIn,
    *,
    max_chars: int,
    suggest_threshold: float,
    autolink_threshold: float = NEVER,
    checkworthiness: CheckworthinessModel | None = None,
    actor: str = "system",
) -> IngestResult:
    """Import one article idempotently, then index its claims and link near-duplicates.

    The article and its claims commit together; the index is touched only after that
    commit, and a duplicate (same normalised text or URL) returns the stored article.
    """
    body = clean_body(data.body, max_chars)
    sha256 = body_hash(body)
    existing = find_existing(session, sha256, data.url)
    if existing is not None:
        return _existing_result(session, existing)
    prepared = prepare_article(body, data.language)
    try:
        article, claims = _store(session, data, prepared, embedder, checkworthiness, actor)
    except IntegrityError:
        # Another writer stored the same article first: theirs is the one.
        session.rollback()
        return _existing_result(session, find_existing(session, sha256, data.url))
    index.add(session, claims)
    link_near_duplicates(session, index, claims, suggest_threshold, autolink_threshold)
    return IngestResult(article, claims, created=True)


def get_article(session: Session, article_id: int) -> Article:
    """Return an article or raise NotFound."""
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"There is no article with id {article_id}.")
    return article


def list_articles(session: Session, page: int, per_page: int) -> tuple[list[Article], int]:
    """Return one page of articles, newest first, and the total count."""
    total = session.exec(select(sa.func.count()).select_from(Article)).one()
    query = (
        select(Article)
        .order_by(Article.created_at.desc(), Article.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(session.exec(query)), int(total)


def delete_article(session: Session, index: ClaimIndex, article_id: int, actor: str) -> None:
    """Delete an article with its claims, links, verdicts and comments; the audit keeps a record."""
    article = get_article(session, article_id)
    ids = [c.id for c in article_claims(session, article_id)]
    verdicts = select(Verdict.id).where(Verdict.claim_id.in_(ids))
    before = {"title": article.title, "url": article.url, "claims": len(ids)}
    before["verdicts"] = len(session.exec(verdicts).all())
    # Verdicts elsewhere that reused these keep their text but lose the pointer.
    session.execute(
        sa.update(Verdict).where(Verdict.reused_from_id.in_(verdicts)).values(reused_from_id=None)
    )
    for model, column in (
        (Verdict, Verdict.claim_id),
        (Comment, Comment.claim_id),
        (ClaimLink, ClaimLink.claim_a_id),
        (ClaimLink, ClaimLink.claim_b_id),
    ):
        session.execute(sa.delete(model).where(column.in_(ids)))
    session.execute(sa.delete(Claim).where(Claim.article_id == article_id))
    session.delete(article)
    audit.record(session, actor, "article.delete", "article", article_id, before=before)
    session.commit()
    index.remove(session, ids)
