"""Administration: accounts, roles, the audit log; and each user's own API tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from claims.errors import ClaimsError
from claims.models import Role
from claims.services import audit
from claims.services.users import (
    create_token,
    create_user,
    get_user,
    list_users,
    revoke_token,
    update_user,
    user_tokens,
)
from claims.web.auth import actor, require_role
from claims.web.extensions import get_session
from claims.web.helpers import int_arg, page_args
from claims.web.i18n import role_label, translated

bp = Blueprint("admin", __name__)


@bp.get("/admin/users")
@require_role(Role.ADMIN)
def users():
    """List accounts with their roles."""
    return render_template("admin/users.html", users=list_users(get_session()), roles=list(Role))


@bp.post("/admin/users")
@require_role(Role.ADMIN)
def add_user():
    """Create an account."""
    form = request.form
    try:
        user = create_user(
            get_session(),
            form.get("username", ""),
            form.get("password", ""),
            form.get("role", Role.VIEWER),
            actor(),
        )
    except ClaimsError as exc:
        page = render_template(
            "admin/users.html",
            users=list_users(get_session()),
            roles=list(Role),
            error=translated(exc),
        )
        return page, exc.status
    flash(_("Created %(name)s (%(role)s).", name=user.username, role=role_label(user.role)))
    return redirect(url_for("admin.users"))


@bp.post("/admin/users/<id:user_id>")
@require_role(Role.ADMIN)
def change_user(user_id: int):
    """Change a role, or disable or enable an account."""
    active = {"disable": False, "enable": True}.get(request.form.get("action", ""))
    role = request.form.get("role") or None
    user = update_user(get_session(), user_id, actor(), role=role, active=active)
    state = _("active") if user.active else _("disabled")
    flash(
        _(
            "Updated %(name)s: %(role)s, %(state)s.",
            name=user.username,
            role=role_label(user.role),
            state=state,
        )
    )
    return redirect(url_for("admin.users"))


@bp.get("/admin/audit")
@require_role(Role.ADMIN)
def audit_log():
    """Show the audit trail, newest first."""
    page, per_page = page_args(request.args, per_page=100)
    who = request.args.get("actor") or None
    entries = audit.recent(get_session(), page, per_page, who)
    return render_template("admin/audit.html", entries=entries, page=page, actor=who)


@bp.get("/account/tokens")
def tokens():
    """List the signed-in user's API tokens."""
    return render_template(
        "account/tokens.html", tokens=user_tokens(get_session(), current_user.id)
    )


@bp.post("/account/tokens")
def add_token():
    """Create a token and show its secret once."""
    session = get_session()
    days = int_arg(request.form, "days", 0, 0, 3650) or None
    token, secret = create_token(
        session, get_user(session, current_user.id), request.form.get("name", ""), actor(), days
    )
    return render_template(
        "account/tokens.html",
        tokens=user_tokens(session, current_user.id),
        new_secret=secret,
        new_token=token,
    )


@bp.post("/account/tokens/<id:token_id>/revoke")
def revoke(token_id: int):
    """Revoke one of your tokens (admins: anyone's)."""
    session = get_session()
    token = revoke_token(session, token_id, get_user(session, current_user.id), actor())
    flash(_("Revoked token %(name)s.", name=token.name))
    return redirect(url_for("admin.tokens"))
