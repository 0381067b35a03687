"""Assembling the Flask app: configuration, collaborators, blueprints, hooks and commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from claims import cli
from claims.config import ROOT, Config
from claims.models import ClaimStatus, LinkState, Role
from claims.web import auth, errors, extensions, i18n, queue, security, trail
from claims.web.api import bp as api_bp
from claims.web.helpers import duration
from claims.web.hygiene import CleanRequest
from claims.web.views import register_blueprints


class IdConverter(IntegerConverter):
    """A database id in URLs: a positive 64-bit integer, so larger numbers are a plain 404."""

    # At most 18 digits (below 2**63), so a longer id matches no rule, not a sibling's 405.
    regex = r"\d{1,18}"

    def __init__(self, url_map, *args, **kwargs) -> None:
        super().__init__(url_map, min=1, max=2**63 - 1)


def build_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `config` overrides settings read from the environment."""
    app = Flask(
        "claims",
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.request_class = CleanRequest
    app.url_map.converters["id"] = IdConverter
    app.config.from_mapping(Config(app.instance_path).as_dict())
    app.config.from_mapping(config or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = security.instance_secret(app.instance_path)
    if proxies := app.config["TRUSTED_PROXIES"]:
        # request.remote_addr (sign-in throttling, logs) is then the client's, not the proxy's.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    extensions.init_app(app)
    i18n.init_app(app)
    queue.init_app(app)
    # First of all hooks: every other one may query tables an old schema lacks.
    app.before_request(errors.require_current_schema)
    register_blueprints(app)
    app.register_blueprint(api_bp)
    security.init_app(app, api_bp)
    auth.init_app(app)
    app.add_template_filter(duration)
    app.add_template_filter(trail.in_words)
    app.add_template_filter(trail.changes, name="audit_changes")
    app.jinja_env.globals.update(ClaimStatus=ClaimStatus, LinkState=LinkState, Role=Role)
    errors.init_app(app)
    cli.init_app(app)
    return app
