"""Domain errors that the web and CLI edges turn into a 4xx or a message."""

from __future__ import annotations


class ClaimsError(Exception):
    """An error caused by the user's input, with a sentence a person understands."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(ClaimsError):
    """The input is malformed or incomplete."""

    status = 400


class NotFound(ClaimsError):
    """The thing asked for does not exist."""

    status = 404


class TooLarge(ClaimsError):
    """The input is over a size limit."""

    status = 413


class Unavailable(ClaimsError):
    """A service the request needs (the job queue) cannot be reached or is misconfigured."""

    status = 503
