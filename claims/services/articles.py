"""Importing articles and reading them back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlparse

import numpy as np
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, select

from claims.errors import ClaimsError, InvalidInput
from claims.intake.urls import canonical_url
from claims.models import Article, Claim, ClaimLink, Comment, PendingLink, Source, Verdict
from claims.schemas import ArticleIn
from claims.search.changes import log_changes
from claims.search.embedder import Embedder
from claims.search.index import ClaimIndex
from claims.services import audit
from claims.services.calibration import NEVER, thresholds
from claims.services.links import link_pending
from claims.services.rows import get_or_404
from claims.text.cleaning import claim_matching_texts
from claims.text.cwmodel import CheckworthinessModel, combine
from claims.text.pipeline import ClaimDraft, PreparedArticle, body_hash, clean_body, prepare_article


@dataclass(frozen=True, slots=True)
class IngestSettings:
    """What an import needs besides its articles: limits, thresholds, the learned model, who."""

    max_chars: int
    suggest_threshold: float
    autolink_threshold: float = NEVER
    checkworthiness: CheckworthinessModel | None = None
    actor: str = "system"


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


@dataclass(frozen=True, slots=True)
class IngestFailure:
    """An article that could not be imported, and why."""

    title: str
    error: ClaimsError


Outcome = IngestResult | IngestFailure


@dataclass(frozen=True, slots=True)
class _Pending:
    """An article ready to store: its input, pipeline output and the texts to embed."""

    position: int
    data: ArticleIn
    prepared: PreparedArticle
    match_texts: list[str]


Preparer = Callable[[str, ArticleIn], PreparedArticle] | None


class _Batch:
    """Sorts a batch's articles into already known, duplicated within the batch, or new."""

    def __init__(self, session: Session, max_chars: int, prepare: Preparer = None) -> None:
        self.session = session
        self.max_chars = max_chars
        # How a body becomes claims: split into sentences unless told otherwise.
        self.prepare = prepare or (lambda body, data: prepare_article(body, data.language))
        self.outcomes: list[Outcome | None] = []
        self.pending: list[_Pending] = []
        self.twins: dict[int, int] = {}
        self._seen: dict[str, int] = {}

    def sort(self, data: ArticleIn) -> None:
        """Place one article; bad input becomes a failure, never an exception."""
        position = len(self.outcomes)
        self.outcomes.append(None)
        given = data
        if data.url:
            # The same page shared with ?utm_source=… or a #fragment is the same article.
            data = data.model_copy(update={"url": canonical_url(data.url)})
        try:
            body = clean_body(data.body, self.max_chars)
        except ClaimsError as exc:
            self.outcomes[position] = IngestFailure(data.title, exc)
            return
        sha256 = body_hash(body)
        existing = find_existing(self.session, sha256, data.url)
        keys = [sha256] + ([data.url] if data.url else [])
        twin = next((self._seen[k] for k in keys if k in self._seen), None)
        if existing is not None:
            self.outcomes[position] = _existing_result(self.session, existing)
        elif twin is not None:
            self.twins[position] = twin
        else:
            self._seen.update(dict.fromkeys(keys, position))
            # The preparer sees the article as its caller made it (callers key on it).
            prepared = self.prepare(body, given)
            texts = claim_matching_texts([draft.text for draft in prepared.claims], data.title)
            self.pending.append(_Pending(position, data, prepared, texts))

    def resolve_twins(self) -> list[Outcome]:
        """Give each in-batch duplicate the outcome of the article it repeats."""
        for position, twin in self.twins.items():
            first = self.outcomes[twin]
            if isinstance(first, IngestResult):
                first = replace(first, created=False)
            self.outcomes[position] = first
        return self.outcomes


def _vectors_per_article(vectors: np.ndarray, pending: list[_Pending]) -> list[np.ndarray]:
    """Cut one call's vectors back into each pending article's rows."""
    bounds = np.cumsum([0] + [len(item.match_texts) for item in pending])
    return [vectors[start:end] for start, end in zip(bounds[:-1], bounds[1:], strict=True)]


def sort_articles(
    session: Session, items: list[ArticleIn], max_chars: int, prepare: Preparer = None
) -> _Batch:
    """Run the text pipeline on a batch, setting aside bad input and known articles."""
    batch = _Batch(session, max_chars, prepare)
    for data in items:
        batch.sort(data)
    return batch


def texts_to_embed(batch: _Batch) -> list[str]:
    """Return every new claim's matching text, for one call to the model."""
    # One call for the whole batch: the model sorts by length and pads far less than per article.
    return [text for item in batch.pending for text in item.match_texts]


def store_sorted(
    session: Session,
    model: str,
    index: ClaimIndex,
    batch: _Batch,
    vectors: np.ndarray,
    settings: IngestSettings,
) -> list[Outcome]:
    """Store a sorted batch with its vectors, then index and link its new claims."""
    stored: list[Claim] = []
    writer = _Writer(session, model, settings.checkworthiness, settings.actor)
    for item, rows in zip(batch.pending, _vectors_per_article(vectors, batch.pending), strict=True):
        batch.outcomes[item.position] = outcome = writer.store(item, rows)
        if isinstance(outcome, IngestResult) and outcome.created:
            stored += outcome.claims
    index.catch_up(session)
    outcomes = batch.resolve_twins()
    # A known article's claims too: a crash after its import may have left their links undone.
    claim_ids = {c.id for o in outcomes if isinstance(o, IngestResult) for c in o.claims}
    link_pending(session, index, claim_ids, settings.suggest_threshold, settings.autolink_threshold)
    return outcomes


def ingest_batch(
    session: Session,
    embedder: Embedder,
    index: ClaimIndex,
    items: list[ArticleIn],
    settings: IngestSettings,
) -> list[Outcome]:
    """Import articles idempotently; one outcome per article, failures reported, not raised.

    Each article commits in its own transaction, so a failure or a crash never leaves one
    half-stored. The index is touched once, after those commits, then near-duplicates are
    linked; a duplicate (same normalised text or URL) returns the stored article.
    """
    batch = sort_articles(session, items, settings.max_chars)
    vectors = embedder.encode(texts_to_embed(batch))
    return store_sorted(session, embedder.name, index, batch, vectors, settings)


class ChunkImporter:
    """Imports chunks of articles; `begin` lets the model embed one while another is stored.

    The model keeps both cores busy; storing, indexing and linking are single-threaded Python,
    so on a helper thread the embedding of the next chunk hides much of their time.
    """

    def __init__(
        self,
        session: Session,
        embedder: Embedder,
        index: ClaimIndex,
        settings: Callable[[], IngestSettings],
    ) -> None:
        self.session = session
        self.embedder = embedder
        self.index = index
        self.settings = settings  # read afresh for each chunk: thresholds may be recalibrated

    def __call__(self, items: list[ArticleIn]) -> list[Outcome]:
        """Import one chunk there and then."""
        return ingest_batch(self.session, self.embedder, self.index, items, self.settings())

    def begin(self, items: list[ArticleIn], helper: Executor) -> Callable[[], list[Outcome]]:
        """Sort a chunk now and embed it on the helper; return the call that stores it."""
        settings = self.settings()
        batch = sort_articles(self.session, items, settings.max_chars)
        embedding = helper.submit(self.embedder.encode, texts_to_embed(batch))

        def store() -> list[Outcome]:
            vectors = embedding.result()
            return store_sorted(
                self.session, self.embedder.name, self.index, batch, vectors, settings
            )

        return store


@dataclass(frozen=True, slots=True)
class _Writer:
    """Stores prepared articles: one transaction each, failures turned into outcomes."""

    session: Session
    model: str
    checkworthiness: CheckworthinessModel | None
    actor: str

    def store(self, item: _Pending, vectors: np.ndarray) -> Outcome:
        """Store one article, turning a lost race or a database refusal into an outcome."""
        try:
            article, claims = self._write(item, vectors)
        except IntegrityError:
            # Another writer stored the same article first: theirs is the one.
            self.session.rollback()
            existing = find_existing(self.session, item.prepared.body_sha256, item.data.url)
            if existing is None:
                refused = InvalidInput("The database refused this article.")
                return IngestFailure(item.data.title, refused)
            return _existing_result(self.session, existing)
        except SQLAlchemyError as exc:
            self.session.rollback()
            reason = str(exc.orig if getattr(exc, "orig", None) else exc).splitlines()[0]
            refused = InvalidInput(f"The database refused it: {reason}")
            return IngestFailure(item.data.title, refused)
        return IngestResult(article, claims, created=True)

    def _write(self, item: _Pending, vectors: np.ndarray) -> tuple[Article, list[Claim]]:
        """Store the article, its claims and their vectors in one transaction."""
        session, data, prepared = self.session, item.data, item.prepared
        drafts = learned_checkworthiness(
            self.checkworthiness, vectors, prepared.claims, prepared.language
        )
        source = get_or_create_source(session, data.source, data.url, prepared.language)
        session.flush()
        article = Article(
            source_id=source.id,
            title=data.title,
            author=data.author,
            url=data.url,
            published_at=data.published_at,
            language=prepared.language,
            body=prepared.body,
            body_sha256=prepared.body_sha256,
        )
        session.add(article)
        session.flush()
        claims = new_claims(article, drafts, vectors, self.model, item.match_texts)
        session.add_all(claims)
        session.flush()
        ids = [claim.id for claim in claims]
        session.add_all(PendingLink(claim_id=claim_id) for claim_id in ids)
        after = {
            "title": article.title,
            "source": data.source,
            "url": article.url,
            "claims": len(claims),
        }
        audit.record(session, self.actor, "article.import", "article", article.id, after=after)
        log_changes(session, ids, "add")
        session.commit()
        return article, claims


def settings_for(
    session: Session,
    config: Mapping[str, Any],
    checkworthiness: CheckworthinessModel | None,
    actor: str,
) -> IngestSettings:
    """Return an import's settings from the app config and the thresholds in force."""
    limits = thresholds(session, config)
    return IngestSettings(
        max_chars=config["MAX_BODY_CHARS"],
        suggest_threshold=limits.suggest,
        autolink_threshold=limits.auto_link,
        checkworthiness=checkworthiness,
        actor=actor,
    )


def get_article(session: Session, article_id: int) -> Article:
    """Return an article or raise NotFound."""
    return get_or_404(session, Article, article_id)


def list_articles(
    session: Session, page: int, per_page: int, source_id: int | None = None
) -> tuple[list[tuple[Article, Source]], int]:
    """Return one page of articles (of one source if given) with their sources, newest first."""
    where = [Article.source_id == source_id] if source_id else []
    total = session.exec(select(sa.func.count()).select_from(Article).where(*where)).one()
    query = (
        select(Article, Source)
        .join(Source, Article.source_id == Source.id)
        .where(*where)
        .order_by(Article.created_at.desc(), Article.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return [(article, source) for article, source in session.exec(query)], int(total)


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
        (PendingLink, PendingLink.claim_id),
        (Verdict, Verdict.claim_id),
        (Comment, Comment.claim_id),
        (ClaimLink, ClaimLink.claim_a_id),
        (ClaimLink, ClaimLink.claim_b_id),
    ):
        session.execute(sa.delete(model).where(column.in_(ids)))
    session.execute(sa.delete(Claim).where(Claim.article_id == article_id))
    session.delete(article)
    audit.record(session, actor, "article.delete", "article", article_id, before=before)
    log_changes(session, ids, "delete")
    session.commit()
    index.catch_up(session)
