"""HTML views, one blueprint per area."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every HTML blueprint."""
    from claims.web.views import (
        admin,
        articles,
        auth,
        claimreview,
        corrections,
        dashboard,
        export,
        feeds,
        jobs,
        language,
        queue,
        search,
        sources,
    )

    for module in (
        auth,
        language,
        admin,
        articles,
        corrections,
        queue,
        search,
        export,
        dashboard,
        claimreview,
        jobs,
        feeds,
        sources,
    ):
        app.register_blueprint(module.bp)
