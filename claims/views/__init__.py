"""HTML views, one blueprint per area."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every HTML blueprint."""
    from claims.views import admin, articles, auth, corrections, export, queue, search

    for module in (auth, admin, articles, corrections, queue, search, export):
        app.register_blueprint(module.bp)
