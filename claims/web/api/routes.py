"""JSON endpoints: thin wrappers that parse, call one service and serialise."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for

from claims.errors import InvalidInput
from claims.models import Role
from claims.schemas import ArticleIn, ArticleLink, BulkAction, VerdictIn, VerdictReuse, parse
from claims.services.articles import article_claims, delete_article, get_article, list_articles
from claims.services.bulk import apply_bulk
from claims.services.claims import get_claim, review_queue
from claims.services.jobs import get_job, job_json, list_jobs
from claims.services.links import links_of, search_claims, similar_to
from claims.services.sources import get_source, list_sources
from claims.services.verdicts import record_verdict, reuse_verdict, verdict_history
from claims.web.api.openapi import openapi_document
from claims.web.api.serialize import (
    article_json,
    claim_json,
    context_json,
    similar_json,
    source_json,
    verdict_json,
)
from claims.web.auth import actor, require_role
from claims.web.extensions import fresh_index, get_session, services
from claims.web.helpers import (
    API_K,
    article_of,
    article_or_link,
    check_bodies,
    filters_from,
    ingest,
    page_args,
)
from claims.web.queue import job_queue
from claims.web.security import protect_api

bp = Blueprint("api", __name__, url_prefix="/api")
bp.before_request(protect_api)


def json_body() -> dict:
    """Return the request's JSON object, or raise InvalidInput with the reason."""
    if not request.is_json:
        raise InvalidInput("Send a JSON body with the header Content-Type: application/json.")
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        raise InvalidInput("The JSON body is nested too deeply.") from None
    if data is None:
        raise InvalidInput("The request body is not valid JSON.")
    if not isinstance(data, dict):
        raise InvalidInput("The JSON body must be an object with named fields.")
    return data


@bp.get("/openapi.json")
def openapi():
    """Describe the API."""
    return jsonify(openapi_document())


@bp.post("/articles")
@require_role(Role.REVIEWER)
def create_article():
    """Import an article; 201 when new, 200 with the stored one when already imported."""
    result = ingest(article_of(json_body()))
    body = {
        "article": article_json(result.article),
        "claims": [claim_json(c) for c in result.claims],
        "created": result.created,
    }
    headers = {"Location": url_for("api.show_article", article_id=result.article.id)}
    return jsonify(body), 201 if result.created else 200, headers


@bp.post("/imports")
@require_role(Role.REVIEWER)
def create_import():
    """Queue several articles as one job; 202 with the job to follow."""
    records = json_body().get("articles")
    if not isinstance(records, list) or not records:
        raise InvalidInput('Send {"articles": [...]} with at least one article object.')
    articles = [_article(number, record) for number, record in enumerate(records, start=1)]
    check_bodies(articles)
    label = f"API import of {len(articles)} article(s)"
    job_id = job_queue().enqueue_import(get_session(), articles, label, actor())
    job = get_job(get_session(), job_id)
    headers = {"Location": url_for("api.show_job", job_id=job_id)}
    return jsonify(job=job_json(job)), 202, headers


def _article(number: int, record: object) -> ArticleIn | ArticleLink:
    """Validate one record of a batch (an article, or a URL to fetch), naming it in the error."""
    try:
        return article_or_link(record)
    except InvalidInput as exc:
        raise InvalidInput(f"Article {number}: {exc.message}") from None


@bp.get("/jobs")
@require_role(Role.VIEWER)
def index_jobs():
    """List the newest import jobs."""
    return jsonify(jobs=[job_json(job) for job in list_jobs(get_session())])


@bp.get("/jobs/<id:job_id>")
@require_role(Role.VIEWER)
def show_job(job_id: int):
    """Show one import job's progress."""
    return jsonify(job=job_json(get_job(get_session(), job_id)))


@bp.get("/articles")
def index_articles():
    """List articles, newest first, one page at a time."""
    page, per_page = page_args(request.args)
    rows, total = list_articles(get_session(), page, per_page)
    articles = [article_json(article, source) for article, source in rows]
    return jsonify(articles=articles, total=total, page=page, per_page=per_page)


@bp.delete("/articles/<id:article_id>")
@require_role(Role.ADMIN)
def delete_article_endpoint(article_id: int):
    """Delete an article with its claims, verdicts and links."""
    delete_article(get_session(), fresh_index(), article_id, actor())
    return "", 204


@bp.get("/articles/<id:article_id>")
def show_article(article_id: int):
    """Return an article with its body and claims."""
    session = get_session()
    article = get_article(session, article_id)
    data = {**article_json(article), "body": article.body}
    claims = [claim_json(c) for c in article_claims(session, article_id)]
    return jsonify(article=data, claims=claims)


@bp.get("/claims")
def index_claims():
    """The review queue as JSON, with the same filters (all statuses unless given)."""
    page, per_page = page_args(request.args)
    items, total = review_queue(get_session(), filters_from(request.args), page, per_page)
    return jsonify(
        claims=[context_json(c) for c in items], total=total, page=page, per_page=per_page
    )


@bp.get("/claims/<id:claim_id>")
def show_claim(claim_id: int):
    """Return a claim with its article and current verdict."""
    return jsonify(claim=context_json(get_claim(get_session(), claim_id)))


@bp.get("/claims/<id:claim_id>/similar")
def similar(claim_id: int):
    """Return the claims of other articles that match this one, best first."""
    session = get_session()
    ctx = get_claim(session, claim_id)
    k = API_K.read(request.args)
    found = similar_to(session, fresh_index(), ctx.claim, k)
    return jsonify(claim=context_json(ctx), similar=[similar_json(s) for s in found])


@bp.get("/claims/<id:claim_id>/links")
def links(claim_id: int):
    """Return a claim's stored near-duplicate links, each with any facts that differ."""
    session = get_session()
    ctx = get_claim(session, claim_id)
    return jsonify(
        claim=context_json(ctx), links=[similar_json(s) for s in links_of(session, claim_id)]
    )


@bp.post("/claims/<id:claim_id>/verdicts")
@require_role(Role.REVIEWER)
def create_verdict(claim_id: int):
    """Append a verdict to a claim, as the authenticated user."""
    verdict = record_verdict(get_session(), claim_id, parse(VerdictIn, json_body()), actor())
    return jsonify(verdict=verdict_json(verdict)), 201


@bp.post("/claims/<id:claim_id>/verdicts/reuse")
@require_role(Role.REVIEWER)
def reuse_verdict_endpoint(claim_id: int):
    """Apply a confirmed near-duplicate's verdict; 409 with the differences if facts differ."""
    data = parse(VerdictReuse, json_body())
    verdict = reuse_verdict(
        get_session(), claim_id, data.verdict_id, actor(), data.version, data.override_reason
    )
    return jsonify(verdict=verdict_json(verdict)), 201


@bp.get("/claims/<id:claim_id>/verdicts")
def list_verdicts(claim_id: int):
    """Return a claim's verdict history, newest first."""
    return jsonify(verdicts=[verdict_json(v) for v in verdict_history(get_session(), claim_id)])


@bp.post("/claims/bulk")
@require_role(Role.REVIEWER)
def bulk_claims():
    """Assign, set the status of, or set aside many claims; each is changed and audited alone."""
    data = parse(BulkAction, json_body())
    outcome = apply_bulk(
        get_session(), fresh_index(), data.claim_ids, data.action, data.value, actor()
    )
    skipped = [{"id": claim_id, "reason": exc.message} for claim_id, exc in outcome.skipped.items()]
    return jsonify(done=outcome.done, skipped=skipped)


@bp.get("/sources")
def index_sources():
    """List the sources, those with most articles first, with their counts."""
    return jsonify(sources=[source_json(s) for s in list_sources(get_session())])


@bp.get("/sources/<id:source_id>")
def show_source(source_id: int):
    """Return a source with its counts and one page of its articles, newest first."""
    session = get_session()
    summary = get_source(session, source_id)
    page, per_page = page_args(request.args)
    rows, total = list_articles(session, page, per_page, source_id)
    articles = [article_json(article, source) for article, source in rows]
    return jsonify(
        source=source_json(summary), articles=articles, total=total, page=page, per_page=per_page
    )


@bp.get("/search")
def search():
    """Rank claims against `q`, narrowed by the shared filters."""
    q = request.args.get("q", "")
    k = API_K.read(request.args)
    found = search_claims(
        get_session(), services().embedder, fresh_index(), q, k, filters_from(request.args)
    )
    return jsonify(query=q, results=[similar_json(s) for s in found])
