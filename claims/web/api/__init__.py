"""The JSON API under /api, described by /api/openapi.json."""

from claims.web.api import feeds, priorchecks  # noqa: F401 - they register endpoints on bp
from claims.web.api.routes import bp

__all__ = ["bp"]
