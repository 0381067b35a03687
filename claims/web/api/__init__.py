"""The JSON API under /api, described by /api/openapi.json."""

from claims.web.api import feeds  # noqa: F401 - registers the feed endpoints on bp
from claims.web.api.routes import bp

__all__ = ["bp"]
