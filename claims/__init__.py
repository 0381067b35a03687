"""The claim tracker: a Flask app built by create_app()."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

ROOT = Path(__file__).resolve().parent.parent


class IdConverter(IntegerConverter):
    """A database id in URLs: a positive 64-bit integer, so larger numbers are a plain 404."""

    # At most 18 digits (below 2**63), so a longer id matches no rule, not a sibling's 405.
    regex = r"\d{1,18}"

    def __init__(self, url_map, *args, **kwargs) -> None:
        super().__init__(url_map, min=1, max=2**63 - 1)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `config` overrides settings read from the environment (used by tests)."""
    from claims import auth, cli, db, errors_web, extensions, queue, security
    from claims.api import bp as api_bp
    from claims.config import Config
    from claims.mutation import describe
    from claims.ratings import rating_label
    from claims.views import register_blueprints
    from claims.web import duration

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.url_map.converters["id"] = IdConverter
    app.config.from_mapping(Config(app.instance_path).as_dict())
    app.config.from_mapping(config or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = security.instance_secret(app.instance_path)
    db.init_app(app)
    extensions.init_app(app)
    queue.init_app(app)
    # First of all hooks: every other one may query tables an old schema lacks.
    app.before_request(errors_web.require_current_schema)
    register_blueprints(app)
    app.register_blueprint(api_bp)
    security.init_app(app, api_bp)
    auth.init_app(app)
    app.add_template_filter(rating_label)
    app.add_template_filter(duration)
    app.add_template_filter(describe, name="describe_differences")
    errors_web.init_app(app)
    cli.init_app(app)
    return app
