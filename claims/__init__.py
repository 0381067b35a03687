"""The claim tracker: a Flask app built by create_app()."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the pure layers import this package without loading Flask
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `config` overrides settings read from the environment (used by tests)."""
    from claims.web.app import build_app

    return build_app(config)
