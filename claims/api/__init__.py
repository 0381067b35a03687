"""The JSON API under /api, described by /api/openapi.json."""

from flask import Blueprint

from claims.security import protect_api

bp = Blueprint("api", __name__, url_prefix="/api")
bp.before_request(protect_api)

from claims.api import routes  # noqa: E402, F401  (routes attach themselves to bp)
