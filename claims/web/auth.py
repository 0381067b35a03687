"""Who is asking: Flask-Login sessions for the browser, Bearer tokens for the API, and roles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Flask, g, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user

from claims.errors import N_, ClaimsError, Message
from claims.models import ROLE_LABELS, Role, User
from claims.services.users import user_for_token
from claims.web.extensions import get_session

# Reachable without signing in.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "language.choose", "static"})


class NotSignedIn(ClaimsError):
    """The request needs a signed-in user or a valid token."""

    status = 401
    code = "not_signed_in"


class Forbidden(ClaimsError):
    """The signed-in user's role does not allow this."""

    status = 403
    code = "forbidden"


@dataclass(frozen=True)
class Account(UserMixin):
    """The signed-in user as Flask-Login sees it (a snapshot, not a database row)."""

    id: int
    username: str
    role: str
    active: bool
    # The interface language the user chose; None follows the session or the browser.
    locale: str | None = None

    @property
    def is_active(self) -> bool:
        """Disabled accounts cannot sign in or use tokens."""
        return self.active

    @classmethod
    def of(cls, user: User) -> Account:
        """Snapshot a database user."""
        return cls(user.id, user.username, user.role, user.active, user.locale)


def _load_user(user_id: str) -> Account | None:
    """Reload the session's user, dropping it if it was disabled or deleted."""
    user = get_session().get(User, int(user_id)) if user_id.isdigit() else None
    return Account.of(user) if user and user.active else None


def _load_from_request(req) -> Account | None:
    """Authenticate an `Authorization: Bearer …` token."""
    scheme, _, secret = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    user = user_for_token(get_session(), secret.strip())
    if user is None:
        return None
    g.auth_via_token = True
    return Account.of(user)


def actor() -> str:
    """Return the username of whoever is making the change."""
    return current_user.username


def require_signed_in() -> Any:
    """Before each request: send anonymous visitors to sign in (401 for the API)."""
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    if request.path.startswith("/api/"):
        raise NotSignedIn(N_("Sign in, or send an API token as 'Authorization: Bearer <token>'."))
    # After signing in, only a page can be returned to, not a form submission.
    if request.method not in ("GET", "HEAD"):
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def require_role(role: str) -> Callable:
    """Decorate a view so only users with at least this role may call it."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                raise NotSignedIn(N_("Sign in first."))
            if Role(current_user.role).rank < Role(role).rank:
                raise Forbidden(
                    N_("This needs the %(role)s role; you are signed in as a %(current)s."),
                    role=Message(ROLE_LABELS[role]),
                    current=Message(ROLE_LABELS[current_user.role]),
                )
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can(role: str) -> bool:
    """Tell templates whether the current user has at least this role."""
    return current_user.is_authenticated and Role(current_user.role).rank >= Role(role).rank


def init_app(app: Flask) -> None:
    """Set up Flask-Login and the sign-in requirement."""
    manager = LoginManager()
    manager.user_loader(_load_user)
    manager.request_loader(_load_from_request)
    manager.login_view = "auth.login"
    manager.session_protection = "basic"
    manager.init_app(app)
    app.before_request(require_signed_in)
    app.jinja_env.globals["can"] = can
