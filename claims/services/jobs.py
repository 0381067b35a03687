"""Batch imports as jobs: progress, ETA and skipped articles, kept in the database."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlmodel import Session, select

from claims.errors import ClaimsError
from claims.models import Job, JobStatus, utcnow
from claims.schemas import ArticleIn, ArticleLink
from claims.services.articles import IngestFailure, IngestResult, Outcome
from claims.services.rows import get_or_404

# Articles embedded and stored together: large enough to batch the model, small enough that
# progress moves often and a crash loses little work. The model sorts one call's texts by
# length and pads each batch to its longest, so small calls pad more: on the benchmark's
# 1,200 claims, calls of 256 claims (32 articles) encoded ~15% more tokens than one call;
# calls of 1,024 (128 articles) ~4%, at about 10 s of encoding per chunk here.
CHUNK = 128
# Pages fetched at once for a job of links: polite to sites, and hides their latency.
FETCHERS = 4
Resolver = Callable[[ArticleLink], ArticleIn]
_Item = ArticleIn | ArticleLink
# A job keeps at most this many skipped-article messages (the count is always exact).
MAX_ERRORS = 200
# A running job whose count has not moved for this long has most likely lost its worker: a
# chunk takes about 10 s here, and a slow one a minute or two.
STALL_SECONDS = 600


@dataclass(frozen=True, slots=True)
class Skipped:
    """An article that was not imported, and why."""

    title: str
    message: str


def create_job(session: Session, label: str, total: int, actor: str) -> Job:
    """Record a queued import of `total` articles."""
    job = Job(label=label[:300], total=total, actor=actor)
    session.add(job)
    session.commit()
    return job


def get_job(session: Session, job_id: int) -> Job:
    """Return a job or raise NotFound."""
    return get_or_404(session, Job, job_id, populate_existing=True)


def list_jobs(session: Session, limit: int = 50) -> list[Job]:
    """Return the newest jobs first."""
    query = select(Job).order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
    return list(session.exec(query))


def errors_of(job: Job) -> list[Skipped]:
    """Return the skipped articles a job recorded."""
    return [Skipped(e["title"], e["message"]) for e in json.loads(job.errors or "[]")]


def eta_seconds(job: Job, now: datetime | None = None) -> float | None:
    """Estimate the seconds left from the pace so far; None before the first article."""
    if job.status != JobStatus.RUNNING or not job.started_at or job.done == 0:
        return None
    elapsed = ((now or utcnow()) - job.started_at).total_seconds()
    return max(0.0, elapsed / job.done * (job.total - job.done))


def stalled_seconds(job: Job, now: datetime | None = None) -> float | None:
    """Return how long a running job has made no progress, once that passes STALL_SECONDS."""
    since = job.progressed_at or job.started_at
    if job.status != JobStatus.RUNNING or since is None:
        return None
    idle = ((now or utcnow()) - since).total_seconds()
    return idle if idle >= STALL_SECONDS else None


def fail_early(job: Job, skipped: list[Skipped]) -> None:
    """Count articles refused before the run (unreadable files) as done and failed."""
    _add_errors(job, skipped)
    job.done += len(skipped)
    job.failed += len(skipped)


def _add_errors(job: Job, skipped: list[Skipped]) -> None:
    """Append skipped articles to the job's list, up to MAX_ERRORS."""
    errors = json.loads(job.errors or "[]")
    room = max(0, MAX_ERRORS - len(errors))
    errors += [{"title": s.title, "message": s.message} for s in skipped[:room]]
    job.errors = json.dumps(errors, ensure_ascii=False)


def _record(session: Session, job: Job, outcomes: list[Outcome]) -> None:
    """Add a chunk's outcomes to the job's counters and commit them."""
    job.done += len(outcomes)
    job.progressed_at = utcnow()
    job.created += sum(isinstance(o, IngestResult) and o.created for o in outcomes)
    job.known += sum(isinstance(o, IngestResult) and not o.created for o in outcomes)
    failures = [o for o in outcomes if isinstance(o, IngestFailure)]
    job.failed += len(failures)
    _add_errors(job, [Skipped(f.title, f.error.message) for f in failures])
    session.add(job)
    session.commit()


def _chunks(articles: list[_Item], size: int) -> Iterator[list[_Item]]:
    """Yield consecutive slices of at most `size` articles."""
    for start in range(0, len(articles), size):
        yield articles[start : start + size]


def _resolve_one(resolve: Resolver, item: ArticleIn | ArticleLink) -> ArticleIn | IngestFailure:
    """Fetch a link's article (an article is itself); a failure says why, naming the link."""
    if isinstance(item, ArticleIn):
        return item
    try:
        return resolve(item)
    except ClaimsError as exc:
        return IngestFailure(item.url, exc)
    except Exception as exc:  # noqa: BLE001 - reported on the job page, never raised
        return IngestFailure(item.url, ClaimsError(f"Fetching failed: {type(exc).__name__}"))


def _resolved(
    session: Session,
    job: Job,
    chunks: Iterator[list[ArticleIn | ArticleLink]],
    resolve: Resolver,
    on_progress: Callable[[Job], None],
) -> Iterator[list[ArticleIn]]:
    """Fetch each chunk's links, a few at once; record the ones that fail as skipped."""
    with ThreadPoolExecutor(FETCHERS, thread_name_prefix="claims-fetch") as fetchers:
        for chunk in chunks:
            outcomes = list(fetchers.map(partial(_resolve_one, resolve), chunk))
            failures = [o for o in outcomes if isinstance(o, IngestFailure)]
            if failures:
                _record(session, job, failures)
                on_progress(job)
            fetched = [o for o in outcomes if isinstance(o, ArticleIn)]
            if fetched:
                yield fetched


def _ingest_one_safely(
    ingest: Callable[[list[ArticleIn]], list[Outcome]], data: ArticleIn
) -> Outcome:
    """Ingest one article, reporting any failure as that article's outcome."""
    try:
        return ingest([data])[0]
    except ClaimsError as exc:
        return IngestFailure(data.title, exc)
    except Exception as exc:  # noqa: BLE001 - reported on the job page, never raised
        message = f"Import failed: {type(exc).__name__}: {exc}".splitlines()[0]
        return IngestFailure(data.title, ClaimsError(message))


def run_import(
    session: Session,
    job: Job,
    articles: list[ArticleIn | ArticleLink],
    ingest: Callable[[list[ArticleIn]], list[Outcome]],
    on_progress: Callable[[Job], None] = lambda job: None,
    chunk_size: int = CHUNK,
    resolve: Resolver | None = None,
) -> Job:
    """Import articles chunk by chunk, recording progress; failing articles are skipped.

    Links are fetched by `resolve` first, a chunk at a time. When `ingest` can also `begin` a
    chunk (ChunkImporter), the next chunk is sorted and embedded on a helper thread while the
    current one is stored and linked.
    """
    job.status = JobStatus.RUNNING
    job.started_at = job.progressed_at = utcnow()
    session.add(job)
    session.commit()
    on_progress(job)
    chunks = _chunks(articles, chunk_size)
    if any(isinstance(item, ArticleLink) for item in articles):
        if resolve is None:
            raise ValueError("a job with links needs a resolver to fetch them")
        chunks = _resolved(session, job, chunks, resolve, on_progress)
    with ThreadPoolExecutor(1, thread_name_prefix="claims-embed") as helper:
        if hasattr(ingest, "begin"):
            results = _pipelined(session, chunks, ingest, helper)
        else:
            results = (_finish_safely(session, ingest, c, partial(ingest, c)) for c in chunks)
        for outcomes in results:
            # A failed article may leave the session mid-transaction; start the next one clean.
            session.rollback()
            _record(session, job, outcomes)
            on_progress(job)
    finish(session, job)
    return job


def _pipelined(
    session: Session, chunks: Iterator[list[ArticleIn]], ingest, helper: Executor
) -> Iterator[list[Outcome]]:
    """Yield each chunk's outcomes, beginning the next chunk before storing this one."""
    current = None
    for chunk in chunks:
        following = (chunk, _begin_safely(ingest, chunk, helper))
        if current is not None:
            yield _finish_safely(session, ingest, *current)
        current = following
    if current is not None:
        yield _finish_safely(session, ingest, *current)


def _begin_safely(ingest, chunk: list[ArticleIn], helper: Executor):
    """Begin a chunk; None when that breaks, and the chunk goes one article at a time."""
    try:
        return ingest.begin(chunk, helper)
    except Exception:  # noqa: BLE001 - retried article by article, where failures are reported
        return None


def _finish_safely(
    session: Session, ingest, chunk: list[ArticleIn], store: Callable[[], list[Outcome]] | None
) -> list[Outcome]:
    """Store a chunk (`store` is None if it could not begin); if that breaks, go one by one."""
    if store is not None:
        try:
            return store()
        except Exception:  # noqa: BLE001 - any failure of one article must not stop the batch
            session.rollback()
    return [_ingest_one_safely(ingest, data) for data in chunk]


def finish(session: Session, job: Job, message: str | None = None) -> None:
    """Mark a job done, or failed with a message when the batch itself could not run."""
    job.status = JobStatus.FAILED if message else JobStatus.DONE
    job.message = message
    job.finished_at = utcnow()
    session.add(job)
    session.commit()


def job_json(job: Job, now: datetime | None = None) -> dict[str, object]:
    """Return a job's progress for the API."""
    eta, stalled = eta_seconds(job, now), stalled_seconds(job, now)
    return {
        "id": job.id,
        "status": job.status,
        "label": job.label,
        "total": job.total,
        "done": job.done,
        "created": job.created,
        "known": job.known,
        "failed": job.failed,
        "eta_seconds": round(eta, 1) if eta is not None else None,
        "stalled_seconds": round(stalled) if stalled is not None else None,
        "message": job.message,
        "errors": [{"title": s.title, "message": s.message} for s in errors_of(job)],
        "actor": job.actor,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "progressed_at": job.progressed_at.isoformat() if job.progressed_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
