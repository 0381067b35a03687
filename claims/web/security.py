"""Web hardening: CSRF on every form, security headers, and a stable secret key."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, g, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from claims.errors import N_
from claims.web.errors import error_response

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

csrf = CSRFProtect()


def instance_secret(instance_path: str) -> str:
    """Return the secret key kept in instance/, creating it once, so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def add_headers(response: Response) -> Response:
    """Attach the security headers to every response."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def protect_api() -> None:
    """API calls on a browser session need the CSRF header; token calls do not."""
    enabled = current_app.config.get("WTF_CSRF_ENABLED", True)
    if enabled and request.method in UNSAFE_METHODS and not g.get("auth_via_token"):
        csrf.protect()


def handle_csrf_error(exc: CSRFError):
    """Explain a refused form in words."""
    return error_response(
        N_("This form has expired or did not come from this site. Reload the page and try again."),
        400,
        "csrf_failed",
    )


def init_app(app: Flask, api_blueprint: Blueprint) -> None:
    """Turn on CSRF protection and the headers; the API checks CSRF itself (protect_api)."""
    csrf.init_app(app)
    csrf.exempt(api_blueprint)
    app.after_request(add_headers)
    app.register_error_handler(CSRFError, handle_csrf_error)
