"""Domain errors that the web and CLI edges turn into a 4xx or a message, in words to translate."""

from __future__ import annotations

import gettext
from typing import Protocol

# Messages are English msgids; the web edge looks them up in the reader's language.
ENGLISH = gettext.NullTranslations()


class Translator(Protocol):
    """What a Message needs to translate itself: a gettext catalogue (babel's or the stdlib's)."""

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...

    def pgettext(self, context: str, message: str) -> str: ...


def N_(message: str) -> str:
    """Mark a sentence for extraction into the catalogue; it is translated where it is shown."""
    return message


def NP_(context: str, message: str) -> str:
    """Mark a sentence with a context (pgettext) for extraction; babel.cfg names this keyword."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a sentence with a plural form for extraction (babel.cfg names this keyword)."""
    return singular, plural


class Message:
    """A sentence to show a person: an English msgid with named %(values)s, translated late.

    Services build these without Flask; the web edge renders them with the request's catalogue
    and the CLI and the JSON API in English. A value that is itself a Message (a nested reason)
    is translated too.
    """

    def __init__(self, msgid: str, plural: str | None = None, count: int = 1, **params: object):
        self.msgid, self.plural, self.count, self.params = msgid, plural, count, params

    def render(self, translator: Translator = ENGLISH) -> str:
        """Return the sentence in the translator's language."""
        values = {key: _render(value, translator) for key, value in self.params.items()}
        if self.plural is None:
            text = translator.gettext(self.msgid)
        else:
            text = translator.ngettext(self.msgid, self.plural, self.count)
            values.setdefault("num", self.count)
        return text % values if values else text

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, {self.params!r})"


class Joined(Message):
    """Sentences or values joined by a separator, each translated."""

    def __init__(self, parts: list[object], separator: str = "; ") -> None:
        super().__init__(separator)
        self.parts = parts

    def render(self, translator: Translator = ENGLISH) -> str:
        """Return the parts, translated, between separators."""
        return self.msgid.join(str(_render(part, translator)) for part in self.parts)


def _render(value: object, translator: Translator) -> object:
    """Translate nested sentences; leave other values as they are."""
    if isinstance(value, ClaimsError):
        value = value.sentence
    return value.render(translator) if isinstance(value, Message) else value


class ClaimsError(Exception):
    """An error caused by the user's input, with a sentence a person understands.

    `message` is the English sentence (CLI, API, logs); `sentence` is what the web edge
    translates; `code` names the kind of error for programs.
    """

    status = 400
    code = "invalid_input"

    def __init__(self, message: str | Message, **params: object) -> None:
        self.sentence = message if isinstance(message, Message) else Message(message, **params)
        self.message = self.sentence.render()
        super().__init__(self.message)


class InvalidInput(ClaimsError):
    """The input is malformed or incomplete."""

    status = 400
    code = "invalid_input"


class NotFound(ClaimsError):
    """The thing asked for does not exist."""

    status = 404
    code = "not_found"


class TooLarge(ClaimsError):
    """The input is over a size limit."""

    status = 413
    code = "too_large"


class Unavailable(ClaimsError):
    """A service the request needs (the job queue) cannot be reached or is misconfigured."""

    status = 503
    code = "unavailable"
