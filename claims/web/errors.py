"""Turning errors into 4xx pages in the reader's language, or English JSON with a code."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from claims.errors import N_, ClaimsError, Message
from claims.migrate import OUTDATED, schema_is_current
from claims.web.i18n import translated

MESSAGES = {
    400: N_("The request could not be understood."),
    404: N_("There is nothing at this address."),
    405: N_("This address does not accept that kind of request."),
    413: N_("The upload is too large."),
    500: N_("Something went wrong on our side; nothing was changed."),
}
# Codes API clients match on, where the status's own name would say less.
CODES = {404: "not_found", 413: "too_large", 500: "internal_error", 503: "unavailable"}


def wants_json() -> bool:
    """Tell whether the client is the JSON API."""
    return request.path.startswith("/api/")


def status_code(status: int) -> str:
    """Name an HTTP status for programs: 405 is method_not_allowed."""
    if status in CODES:
        return CODES[status]
    name = HTTP_STATUS_CODES.get(status, "error")
    return name.lower().replace(" ", "_").replace("-", "_").replace("'", "")


def error_response(
    message: Message | str, status: int, code: str | None = None, details: dict | None = None
) -> tuple[Response | str, int]:
    """Render an error as English JSON with a code (and any details) for the API, as a
    translated page otherwise."""
    sentence = message if isinstance(message, Message) else Message(message)
    if wants_json():
        body = {"error": sentence.render(), "code": code or status_code(status), **(details or {})}
        return jsonify(body), status
    page = render_template("error.html", message=translated(sentence), status=status)
    return page, status


def require_current_schema() -> tuple[Response | str, int] | None:
    """Answer 503 with the fix while the database awaits `claims init-db`."""
    services = current_app.extensions["claims"]
    if not current_app.extensions.get("claims_schema_ok"):
        if not schema_is_current(services.engine):
            # Nobody is signed in on this page: the user table may lack newer columns.
            g._login_user = current_app.login_manager.anonymous_user()
            return error_response(OUTDATED, 503)
        current_app.extensions["claims_schema_ok"] = True
    return None


def handle_claims_error(exc: ClaimsError) -> tuple[Response | str, int]:
    """Map a domain error to its status, sentence and code."""
    return error_response(exc.sentence, exc.status, exc.code, getattr(exc, "details", None))


def too_large_message() -> Message:
    """Say which limit a 413 hit: the upload's size, or the form's fields."""
    limit = request.max_content_length or 0
    if (request.content_length or 0) > limit:
        return Message(
            N_("The upload is too large; the limit is %(mb)s MB."), mb=limit // (1024 * 1024)
        )
    return Message(
        N_("The form is too large: at most %(fields)s fields and %(kb)s KB per text field."),
        fields=current_app.config["MAX_FORM_PARTS"],
        kb=current_app.config["MAX_FORM_MEMORY_SIZE"] // 1024,
    )


def handle_http_error(exc: HTTPException) -> Response:
    """Replace Werkzeug's HTML errors with ours."""
    status = exc.code or 500
    message = Message(MESSAGES.get(status, exc.description or N_("The request failed.")))
    if status == 413:
        message = too_large_message()
    body, status = error_response(message, status)
    response = make_response(body, status)
    # Keep what the exception adds, such as Allow on a 405.
    headers = dict(exc.get_headers())
    for name in ("Allow", "Retry-After"):
        if name in headers:
            response.headers[name] = headers[name]
    return response


def handle_unexpected(exc: Exception) -> Response | tuple[Response | str, int]:
    """Log an unexpected error and answer without a traceback."""
    if isinstance(exc, HTTPException):
        return handle_http_error(exc)
    current_app.logger.exception("unhandled error", exc_info=exc)
    return error_response(MESSAGES[500], InternalServerError.code)


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(ClaimsError, handle_claims_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
