"""Signing in and out."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from claims.errors import ClaimsError
from claims.services.users import SignInLimits, authenticate
from claims.web.auth import Account
from claims.web.extensions import get_session
from claims.web.helpers import safe_next
from claims.web.i18n import role_label, translated

bp = Blueprint("auth", __name__)


def sign_in_limits(config: dict) -> SignInLimits:
    """Read the sign-in limits from the settings."""
    most = config["LOGIN_MAX_FAILURES"]
    return SignInLimits(most, most, config["LOGIN_MAX_ADDRESS_FAILURES"])


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form, and sign in on POST."""
    if request.method == "GET":
        return render_template("auth/login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "")
    try:
        user = authenticate(
            get_session(),
            username,
            request.form.get("password", ""),
            request.remote_addr or "unknown",
            sign_in_limits(current_app.config),
        )
    except ClaimsError as exc:
        page = render_template(
            "auth/login.html",
            error=translated(exc),
            username=username,
            next=request.form.get("next"),
        )
        return page, exc.status
    if user is None:
        error = _("Wrong username or password, or the account is disabled.")
        page = render_template(
            "auth/login.html", error=error, username=username, next=request.form.get("next")
        )
        return page, 401
    login_user(Account.of(user))
    flash(_("Signed in as %(name)s (%(role)s).", name=user.username, role=role_label(user.role)))
    return redirect(safe_next(request.form.get("next"), url_for("queue.index")))


@bp.post("/logout")
def logout():
    """Sign out."""
    logout_user()
    flash(_("Signed out."))
    return redirect(url_for("auth.login"))
