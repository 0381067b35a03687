"""The `flask claims ...` commands, one module per group of commands."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the `claims` command group with every command attached to it."""
    from claims.cli import database, export, feeds, imports, quality, users  # noqa: F401 (they register)
    from claims.cli.common import group

    app.cli.add_command(group)
