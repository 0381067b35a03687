"""Turning errors into 4xx pages or JSON `{"error": ...}` with a readable sentence."""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from claims.errors import ClaimsError
from claims.migrate import OUTDATED, schema_is_current

MESSAGES = {
    400: "The request could not be understood.",
    404: "There is nothing at this address.",
    405: "This address does not accept that kind of request.",
    413: "The upload is too large.",
    500: "Something went wrong on our side; nothing was changed.",
}


def wants_json() -> bool:
    """Tell whether the client is the JSON API."""
    return request.path.startswith("/api/")


def error_response(
    message: str, status: int, details: dict | None = None
) -> tuple[Response | str, int]:
    """Render an error as JSON for the API (with any details) and as a page for browsers."""
    if wants_json():
        return jsonify(error=message, **(details or {})), status
    return render_template("error.html", message=message, status=status), status


def require_current_schema() -> tuple[Response | str, int] | None:
    """Answer 503 with the fix while the database awaits `claims init-db`."""
    services = current_app.extensions["claims"]
    if not current_app.extensions.get("claims_schema_ok"):
        if not schema_is_current(services.engine):
            return error_response(OUTDATED, 503)
        current_app.extensions["claims_schema_ok"] = True
    return None


def handle_claims_error(exc: ClaimsError) -> tuple[Response | str, int]:
    """Map a domain error to its status and sentence."""
    return error_response(exc.message, exc.status, getattr(exc, "details", None))


def handle_http_error(exc: HTTPException) -> Response:
    """Replace Werkzeug's HTML errors with ours."""
    status = exc.code or 500
    message = MESSAGES.get(status, exc.description or "The request failed.")
    if status == 413:
        limit = request.max_content_length or 0
        message = f"The upload is too large; the limit is {limit // (1024 * 1024)} MB."
        if (request.content_length or 0) <= limit:
            message = (
                "The form is too large: at most "
                f"{current_app.config['MAX_FORM_PARTS']} fields and "
                f"{current_app.config['MAX_FORM_MEMORY_SIZE'] // 1024} KB per text field."
            )
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
    from flask import current_app

    current_app.logger.exception("unhandled error", exc_info=exc)
    return error_response(MESSAGES[500], InternalServerError.code)


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(ClaimsError, handle_claims_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
