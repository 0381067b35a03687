"""The JSON API under /api, described by /api/openapi.json."""

from claims.web.api.routes import bp

__all__ = ["bp"]
