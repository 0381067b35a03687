"""The JSON API under /api, described by /api/openapi.json."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from claims.api import routes  # noqa: E402, F401  (routes attach themselves to bp)
