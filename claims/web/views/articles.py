"""Article pages: the list, the import form (fields or files) and one article."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage

from claims.errors import ClaimsError, InvalidInput
from claims.intake.files import parse_file
from claims.models import ClaimStatus, Role
from claims.schemas import ArticleIn, parse
from claims.services.articles import article_claims, get_article, list_articles
from claims.web.auth import actor, require_role
from claims.web.extensions import get_session
from claims.web.helpers import check_bodies, ingest_all, page_args
from claims.web.highlight import segments
from claims.web.queue import job_queue

bp = Blueprint("articles", __name__, url_prefix="/articles")
FORM_FIELDS = ("title", "source", "url", "published_at", "language", "body")


@bp.get("")
def index():
    """List imported articles, newest first."""
    page, per_page = page_args(request.args)
    articles, total = list_articles(get_session(), page, per_page)
    return render_template(
        "articles/index.html", articles=articles, total=total, page=page, per_page=per_page
    )


@bp.get("/new")
@require_role(Role.REVIEWER)
def new():
    """Show the import form."""
    return render_template("articles/new.html", form={})


def _uploads() -> list[FileStorage]:
    """Return the files actually chosen in the form."""
    return [f for f in request.files.getlist("files") if f and f.filename]


def _articles_from_request() -> list[ArticleIn]:
    """Read the articles to import from the uploaded files, or else from the form fields."""
    form = {key: request.form.get(key, "") for key in FORM_FIELDS}
    files = _uploads()
    if not files:
        return [parse(ArticleIn, form)]
    defaults = {k: form[k] for k in ("source", "published_at", "language")}
    articles = []
    for upload in files:
        articles.extend(parse_file(upload.filename, upload.read(), defaults))
    if not articles:
        raise InvalidInput("The uploaded files hold no articles.")
    return articles


@bp.post("/new")
@require_role(Role.REVIEWER)
def create():
    """Import from the form; re-show it with the error and the input kept on failure."""
    try:
        articles = _articles_from_request()
        if len(articles) > 1:
            return _queue(articles)
        results = ingest_all(articles)
    except ClaimsError as exc:
        form = {key: request.form.get(key, "") for key in FORM_FIELDS}
        return render_template("articles/new.html", form=form, error=exc.message), exc.status
    created = sum(r.created for r in results)
    flash(f"Imported {created} new article(s); {len(results) - created} already known.")
    if len(results) == 1:
        return redirect(url_for("articles.show", article_id=results[0].article.id))
    return redirect(url_for("articles.index"))


def _queue(articles: list[ArticleIn]):
    """Hand a multi-article upload to the job queue and show the job's progress."""
    check_bodies(articles)
    names = ", ".join(upload.filename for upload in _uploads())
    job_id = job_queue().enqueue_import(get_session(), articles, names, actor())
    flash(f"Queued {len(articles)} article(s) as job {job_id}.")
    return redirect(url_for("jobs.show", job_id=job_id))


def article_page(article_id: int, error: str | None = None) -> str:
    """Render an article with its claims highlighted and the correction tools."""
    session = get_session()
    article = get_article(session, article_id)
    claims = article_claims(session, article_id)
    visible = [c for c in claims if c.status != ClaimStatus.MERGED]
    return render_template(
        "articles/show.html",
        article=article,
        claims=visible,
        segments=segments(article.body, [c for c in visible if c.status != ClaimStatus.NOT_CLAIM]),
        error=error,
    )


@bp.get("/<id:article_id>")
def show(article_id: int):
    """Show an article's body with its claims highlighted in place."""
    return article_page(article_id)
