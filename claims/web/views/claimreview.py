"""ClaimReview JSON-LD: every reviewed claim as one document, or one claim's review.

The export is a single JSON-LD document, `{"@context": "https://schema.org", "@graph": [...]}`,
holding one ClaimReview per claim with a verdict (its latest), narrowed by the same filters as
the CSV. A document rather than a bare array, so the whole file is valid JSON-LD for any
JSON-LD processor and states its vocabulary once; each node is what would go in a page's
`<script type="application/ld+json">`. One claim's review is a plain ClaimReview with its own
@context. Both are served as application/ld+json; errors are `{"error": sentence}` JSON.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    request,
    stream_with_context,
    url_for,
)

from claims.errors import ClaimsError
from claims.services.claimreview import (
    MEDIA_TYPE,
    Publisher,
    dumps,
    graph_chunks,
    review_of_claim,
    reviews,
)
from claims.web.extensions import get_session
from claims.web.helpers import filters_from

bp = Blueprint("claimreview", __name__)


def _publisher() -> Publisher:
    """Return the organisation named in the settings."""
    return Publisher(current_app.config["ORGANISATION"], current_app.config["ORGANISATION_URL"])


def claim_url(claim_id: int) -> str:
    """Return the absolute address of a claim's page, on PUBLIC_BASE_URL when it is set."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if base:
        return base + url_for("queue.show", claim_id=claim_id)
    return url_for("queue.show", claim_id=claim_id, _external=True)


@bp.errorhandler(ClaimsError)
def error(exc: ClaimsError) -> tuple[Response, int]:
    """Answer bad filters and unknown claims in JSON, like the API, since programs read these."""
    return jsonify(error=exc.message, code=exc.code), exc.status


@bp.get("/export/claimreview.json")
def export():
    """Stream the ClaimReview of every reviewed claim passing the filters, as a download."""
    nodes = reviews(get_session(), filters_from(request.args), claim_url, _publisher())
    return Response(
        stream_with_context(graph_chunks(nodes)),
        mimetype=MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="claimreview.json"'},
    )


@bp.get("/claims/<id:claim_id>/claimreview.json")
def show(claim_id: int):
    """Return one claim's ClaimReview; 404 when the claim is unknown or has no verdict."""
    document = review_of_claim(get_session(), claim_id, claim_url, _publisher())
    return Response(dumps(document), mimetype=MEDIA_TYPE)
