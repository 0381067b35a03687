"""Article pages: the list, the import form (fields or files) and one article."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from werkzeug.datastructures import FileStorage

from claims.errors import N_, ClaimsError, InvalidInput
from claims.intake.files import parse_file
from claims.intake.web import is_link_only
from claims.models import ClaimStatus, Role, Source
from claims.schemas import ArticleIn, ArticleLink, parse
from claims.services.articles import article_claims, get_article, list_articles
from claims.web.auth import actor, require_role
from claims.web.extensions import get_session
from claims.web.helpers import check_bodies, ingest_all, link_resolver, page_args
from claims.web.highlight import segments
from claims.web.i18n import translated
from claims.web.queue import job_queue

bp = Blueprint("articles", __name__, url_prefix="/articles")
FORM_FIELDS = ("title", "source", "url", "published_at", "language", "body")
# Web addresses one form may list; each becomes one article of a job.
MAX_LINKS = 500


@bp.get("")
def index():
    """List imported articles, newest first."""
    page, per_page = page_args(request.args)
    rows, total = list_articles(get_session(), page, per_page)
    return render_template(
        "articles/index.html", rows=rows, total=total, page=page, per_page=per_page
    )


@bp.get("/new")
@require_role(Role.REVIEWER)
def new():
    """Show the import form."""
    return render_template("articles/new.html", form={})


def _uploads() -> list[FileStorage]:
    """Return the files actually chosen in the form."""
    return [f for f in request.files.getlist("files") if f and f.filename]


def _links() -> list[str]:
    """Return the web addresses typed in the form, one per line."""
    lines = [line.strip() for line in request.form.get("urls", "").splitlines()]
    urls = [line for line in lines if line]
    if len(urls) > MAX_LINKS:
        raise InvalidInput(N_("Give at most %(n)s web addresses at once."), n=MAX_LINKS)
    return urls


def _articles_from_request() -> list[ArticleIn | ArticleLink]:
    """Read what to import: uploaded files and web addresses, or else the form's fields.

    A URL given with no body is a page to fetch, like each address in the list.
    """
    form = {key: request.form.get(key, "") for key in FORM_FIELDS}
    files, urls = _uploads(), _links()
    if not files and not urls:
        return [parse(ArticleLink, form) if is_link_only(form) else parse(ArticleIn, form)]
    defaults = {k: form[k] for k in ("source", "published_at", "language")}
    items: list[ArticleIn | ArticleLink] = []
    for upload in files:
        items.extend(parse_file(upload.filename, upload.read(), defaults))
    if files and not items:
        raise InvalidInput(N_("The uploaded files hold no articles."))
    for url in urls:
        try:
            items.append(parse(ArticleLink, {**defaults, "url": url}))
        except InvalidInput as exc:
            raise InvalidInput(N_("%(url)s: %(reason)s"), url=url[:200], reason=exc) from None
    return items


@bp.post("/new")
@require_role(Role.REVIEWER)
def create():
    """Import from the form; re-show it with the error and the input kept on failure."""
    try:
        items = _articles_from_request()
        if len(items) > 1:
            return _queue(items)
        [item] = items
        results = ingest_all([link_resolver()(item) if isinstance(item, ArticleLink) else item])
    except ClaimsError as exc:
        form = {key: request.form.get(key, "") for key in FORM_FIELDS}
        page = render_template("articles/new.html", form=form, error=translated(exc))
        return page, exc.status
    created = sum(r.created for r in results)
    flash(
        ngettext(
            "Imported %(num)s new article; %(known)s already known.",
            "Imported %(num)s new articles; %(known)s already known.",
            created,
            known=len(results) - created,
        )
    )
    if len(results) == 1:
        return redirect(url_for("articles.show", article_id=results[0].article.id))
    return redirect(url_for("articles.index"))


def _queue(articles: list[ArticleIn | ArticleLink]):
    """Hand a multi-article upload, or several links, to the job queue and show its progress."""
    check_bodies(articles)
    names = [upload.filename for upload in _uploads()]
    links = sum(isinstance(item, ArticleLink) for item in articles)
    addresses = ngettext("%(num)s web address", "%(num)s web addresses", links)
    label = ", ".join(names + ([addresses] if links else []))
    job_id = job_queue().enqueue_import(get_session(), articles, label, actor())
    flash(
        ngettext(
            "Queued %(num)s article as job %(job)s.",
            "Queued %(num)s articles as job %(job)s.",
            len(articles),
            job=job_id,
        )
    )
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
        source=session.get(Source, article.source_id),
        claims=visible,
        segments=segments(article.body, [c for c in visible if c.status != ClaimStatus.NOT_CLAIM]),
        error=error,
    )


@bp.get("/<id:article_id>")
def show(article_id: int):
    """Show an article's body with its claims highlighted in place."""
    return article_page(article_id)
