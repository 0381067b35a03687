"""Importing fact-checks published elsewhere (ClaimReview) through the API."""

from __future__ import annotations

from flask import jsonify, request

from claims.errors import InvalidInput
from claims.intake.claimreview import reviews_in
from claims.models import Role
from claims.services.articles import IngestFailure, IngestResult
from claims.web.api.routes import bp
from claims.web.api.serialize import claim_json
from claims.web.auth import actor, require_role
from claims.web.extensions import get_session
from claims.web.helpers import import_prior_reviews, prior_reviews_at


@bp.post("/claimreviews")
@require_role(Role.REVIEWER)
def import_claimreviews():
    """Import ClaimReview JSON-LD (an object, a list or a @graph), or {"url"} of a fact-check."""
    if not request.is_json:
        raise InvalidInput("Send JSON with the header Content-Type: application/json.")
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        raise InvalidInput("The JSON body is nested too deeply.") from None
    if data is None:
        raise InvalidInput("The request body is not valid JSON.")
    if isinstance(data, dict) and set(data) == {"url"} and isinstance(data["url"], str):
        reviews = prior_reviews_at(data["url"])
    else:
        reviews = reviews_in(data)
    outcomes = import_prior_reviews(get_session(), reviews, actor())
    stored = [o for o in outcomes if isinstance(o, IngestResult)]
    body = {
        "imported": sum(o.created for o in stored),
        "known": sum(not o.created for o in stored),
        "claims": [claim_json(o.claims[0]) for o in stored if o.claims],
        "failed": [
            {"title": o.title, "message": o.error.message}
            for o in outcomes
            if isinstance(o, IngestFailure)
        ],
    }
    return jsonify(body), 201 if body["imported"] else 200
