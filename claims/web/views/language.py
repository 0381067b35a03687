"""The FR | EN switch: saved on the account when signed in, in the session otherwise."""

from __future__ import annotations

from flask import Blueprint, redirect, request, session, url_for
from flask_login import current_user

from claims.errors import N_, InvalidInput
from claims.services.users import set_locale
from claims.web.auth import actor
from claims.web.extensions import get_session
from claims.web.helpers import safe_next
from claims.web.i18n import LOCALES, SESSION_KEY

bp = Blueprint("language", __name__)


@bp.post("/language")
def choose():
    """Switch the interface language, then go back to the page the switch was on."""
    locale = request.form.get("locale", "")
    if locale not in LOCALES:
        raise InvalidInput(
            N_("Choose one of these languages: %(locales)s."), locales=", ".join(LOCALES)
        )
    # Kept in the session too, so the sign-in page stays in this language after signing out.
    session[SESSION_KEY] = locale
    if current_user.is_authenticated:
        set_locale(get_session(), current_user.id, locale, actor())
    return redirect(safe_next(request.form.get("next"), url_for("queue.index")))
