"""The interface language: Flask-Babel, each request's locale, and translated sentences."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, format_date, format_time, get_locale, get_translations
from flask_login import current_user
from markupsafe import Markup

from claims import ratings
from claims.errors import ClaimsError, Message
from claims.models import JOB_STATUS_LABELS, LINK_STATE_LABELS, ROLE_LABELS, STATUS_LABELS
from claims.schemas import LANGUAGE_TAG
from claims.text.mutation import Difference, differences_message

log = logging.getLogger(__name__)

# The interface's languages; English is the msgids themselves, so it needs no catalogue.
LOCALES = ("fr", "en")
SESSION_KEY = "locale"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def user_locale() -> str | None:
    """Return the signed-in user's saved choice, if any."""
    if current_user.is_authenticated:
        return getattr(current_user, "locale", None)
    return None


def select_locale() -> str:
    """Choose the language: the user's choice, the session's, the browser's, then CLAIMS_LOCALE.

    The JSON API always answers in English: programs match on its sentences.
    """
    if not has_request_context():
        return current_app.config["CLAIMS_LOCALE"]
    if request.path.startswith("/api/"):
        return "en"
    for choice in (user_locale(), session.get(SESSION_KEY)):
        if choice in LOCALES:
            return choice
    return request.accept_languages.best_match(LOCALES) or current_app.config["CLAIMS_LOCALE"]


def interface_language() -> str:
    """Return the request's language code (fr, en) for `<html lang>` and the switch."""
    return get_locale().language if get_locale() else current_app.config["CLAIMS_LOCALE"]


def translated(error: ClaimsError | Message | str) -> str:
    """Render a domain error's sentence (or any Message) in the request's language."""
    if isinstance(error, ClaimsError):
        error = error.sentence
    if isinstance(error, str):
        error = Message(error)
    return error.render(get_translations())


def role_label(role: str) -> str:
    """Return a role's name in the interface language."""
    return translated(ROLE_LABELS[role]) if role in ROLE_LABELS else role


def status_label(status: str) -> str:
    """Return a claim status's name in the interface language (in review, not claim…)."""
    return translated(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def job_status(status: str) -> str:
    """Return a job status's name in the interface language."""
    return translated(JOB_STATUS_LABELS[status]) if status in JOB_STATUS_LABELS else status


def link_state(state: str) -> str:
    """Return a near-duplicate link's state in the interface language."""
    return translated(LINK_STATE_LABELS[state]) if state in LINK_STATE_LABELS else state


def rating_label(key: str) -> str:
    """Return a rating's label in the interface language."""
    return ratings.rating_label(key, interface_language())


def already_checked(organisation: str, reviewed_at: date | None, rating: str) -> str:
    """Say, in the interface language, who already checked a claim, when, and their rating."""
    when = format_date(reviewed_at) if reviewed_at else None
    return translated(ratings.already_checked(organisation, when, rating))


def moment(value: datetime | None) -> str:
    """Show a UTC time to the minute in the interface's conventions (2 déc. 2026 07:05)."""
    if value is None:
        return ""
    return f"{format_date(value, 'medium')} {format_time(value, 'HH:mm')}"


def lang_attr(code: str | None) -> Markup:
    """Return ` lang="xx"` for text in a known language, so readers and tools say it right."""
    if code and LANGUAGE_TAG.fullmatch(code):
        return Markup(' lang="%s"') % code
    return Markup("")


def describe_differences(diffs: list[Difference]) -> str:
    """Say how two near-duplicates' figures, dates or names differ, in the interface language."""
    return translated(differences_message(diffs))


def check_catalogues(app: Flask) -> None:
    """Warn when a catalogue was never compiled: its pages then show English."""
    folders = [Path(p) for p in app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")]
    for locale in (code for code in LOCALES if code != "en"):
        files = [folder / locale / "LC_MESSAGES" / "messages.mo" for folder in folders]
        if not any(file.exists() for file in files):
            log.warning(
                "No compiled translations at %s: the interface will be in English. "
                "Run `pybabel compile -d claims/translations` (make install does).",
                files[0],
            )
    if app.config["CLAIMS_LOCALE"] not in LOCALES:
        log.warning("CLAIMS_LOCALE=%r is not one of %s.", app.config["CLAIMS_LOCALE"], LOCALES)


def init_app(app: Flask) -> None:
    """Set up Flask-Babel with the catalogues in claims/translations."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["CLAIMS_LOCALE"]
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(interface_language=interface_language, LOCALES=LOCALES)
    app.add_template_filter(translated)
    app.add_template_filter(rating_label)
    app.add_template_global(already_checked)
    app.add_template_global(lang_attr)
    app.add_template_filter(moment)
    app.add_template_filter(describe_differences)
    app.add_template_filter(role_label)
    app.add_template_filter(status_label)
    app.add_template_filter(job_status)
    app.add_template_filter(link_state)
    app.jinja_env.globals["Markup"] = Markup
    check_catalogues(app)
