"""Validated inputs (non-table SQLModel schemas) shared by the views, the API and the CLI."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal, TypeVar
from urllib.parse import urlparse

from pydantic import AfterValidator, ValidationError, WithJsonSchema, field_validator
from sqlmodel import Field, SQLModel

from claims.errors import ENGLISH, N_, NP_, InvalidInput, Joined, Message, N_plural, Translator
from claims.models import ClaimStatus
from claims.ratings import BY_KEY
from claims.text.lexicon import LANGUAGE_NAMES
from claims.text.normalise import strip_invisible

# A language tag such as fr, FR, fr-FR or fr_CA; its primary subtag must be supported.
LANGUAGE_TAG = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*")
SUPPORTED_LANGUAGES = tuple(LANGUAGE_NAMES)
S = TypeVar("S", bound=SQLModel)


def _rating(value: str) -> str:
    """Accept only ratings on the scale, naming them when refusing."""
    if value not in BY_KEY:
        raise ValueError(
            Message(
                N_("%(value)r is not on the rating scale (%(keys)s)"),
                value=value,
                keys=", ".join(BY_KEY),
            )
        )
    return value


# A key of the rating scale: checked by _rating, listed as an enum in the OpenAPI document.
RatingKey = Annotated[
    str, AfterValidator(_rating), WithJsonSchema({"type": "string", "enum": list(BY_KEY)})
]


def _blank_to_none(value: object) -> object:
    """Treat empty strings from forms as missing values."""
    return None if isinstance(value, str) and not value.strip() else value


def _clean(value: object) -> object:
    """Trim text and drop NUL and invisible characters, whoever sends it (web, API, CLI)."""
    return strip_invisible(value).strip() if isinstance(value, str) else value


def language_tag(value: str) -> str:
    """Return the supported language a tag names ("FR-fr" -> "fr"), or raise ValueError."""
    match = LANGUAGE_TAG.fullmatch(value.strip().lower())
    if not match:
        raise ValueError(
            Message(N_("%(value)r is not a language code such as fr or en"), value=value)
        )
    if match.group(1) not in SUPPORTED_LANGUAGES:
        supported = ", ".join(SUPPORTED_LANGUAGES)
        raise ValueError(
            Message(
                N_("the language %(value)r is not supported; use one of %(supported)s"),
                value=value,
                supported=supported,
            )
        )
    return match.group(1)


def _check_url(value: str | None) -> str | None:
    """Accept only absolute http(s) URLs."""
    if value is None:
        return None
    value = value.strip()
    parsed = urlparse(value)
    if (
        parsed.scheme not in ("http", "https")
        or not parsed.netloc
        or any(c.isspace() for c in value)
    ):
        raise ValueError(Message(N_("%(value)r is not an http or https URL"), value=value))
    return value


class _ArticleFields(SQLModel):
    """The optional fields of an article, and how they are checked."""

    url: str | None = Field(default=None, max_length=2000)
    author: str | None = Field(default=None, max_length=300)
    published_at: date | None = None
    language: str | None = Field(default=None, max_length=8)

    @field_validator("url", "published_at", "language", "author", mode="before")
    @classmethod
    def _optional(cls, value: object) -> object:
        """Blank optional fields count as missing."""
        return _blank_to_none(_clean(value))

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        """Validate the URL."""
        return _check_url(value)

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        """Accept a supported ISO 639 code such as fr or en, in any case."""
        return None if value is None else language_tag(value)


class ArticleIn(_ArticleFields):
    """An article to import."""

    title: str = Field(min_length=1, max_length=500)
    source: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1)

    @field_validator("title", "source", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        """Trim names and titles."""
        return _clean(value)

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        """Refuse bodies with no text."""
        if not value.strip():
            raise ValueError(Message(N_("the article body is empty")))
        return value


class ArticleLink(_ArticleFields):
    """An article to import from its web page; the fields given win over the page's."""

    url: str = Field(max_length=2000)
    title: str | None = Field(default=None, max_length=500)
    source: str | None = Field(default=None, max_length=200)

    @field_validator("title", "source", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        """Blank names and titles count as missing."""
        return _blank_to_none(_clean(value))


class FeedIn(SQLModel):
    """A feed to monitor."""

    url: str = Field(max_length=2000)
    source: str | None = Field(default=None, max_length=200)
    interval_minutes: int = Field(default=15, ge=5, le=7 * 24 * 60)

    @field_validator("source", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        """A blank source counts as missing."""
        return _blank_to_none(_clean(value))

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        """Validate the URL."""
        return _check_url(value)


class FeedUpdate(SQLModel):
    """A feed paused (active false) or resumed."""

    active: bool


class VerdictIn(SQLModel):
    """A verdict a reviewer records on a claim."""

    rating: RatingKey
    explanation: str = Field(min_length=1, max_length=20_000)
    evidence_urls: list[str] = Field(default_factory=list, max_length=50)
    version: int | None = Field(
        default=None, ge=1, description="The claim version you saw; refused if it has changed."
    )

    @field_validator("explanation", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        """Trim free text, so whitespace alone counts as empty."""
        return _clean(value.replace("\r\n", "\n")) if isinstance(value, str) else value

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: object) -> object:
        """Blank form fields count as missing."""
        return _blank_to_none(value)

    @field_validator("evidence_urls", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        """Accept a list or newline/space-separated text of URLs."""
        if isinstance(value, str):
            return value.split()
        return value

    @field_validator("evidence_urls")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        """Validate each evidence URL."""
        return [url for url in (_check_url(v) for v in value) if url]


class VerdictReuse(SQLModel):
    """A confirmed near-duplicate's verdict applied to a claim."""

    verdict_id: int = Field(ge=1, description="The verdict on the matching claim.")
    version: int | None = Field(
        default=None, ge=1, description="The claim version you saw; refused if it has changed."
    )
    override_reason: str | None = Field(
        default=None,
        max_length=2000,
        description="Why the verdict holds although the two claims state different facts.",
    )

    @field_validator("version", "override_reason", mode="before")
    @classmethod
    def _optional(cls, value: object) -> object:
        """Blank fields count as missing."""
        return _blank_to_none(_clean(value))


class BulkAction(SQLModel):
    """One action on many claims: assign them, set their status, or mark them not a claim."""

    claim_ids: list[int] = Field(min_length=1, max_length=500)
    action: Literal["assign", "status", "not_claim"]
    value: str | None = Field(
        default=None,
        max_length=80,
        description="The reviewer to assign (blank: nobody), or the status to set.",
    )

    @field_validator("value", mode="before")
    @classmethod
    def _value(cls, value: object) -> object:
        """Trim the value; blank counts as missing."""
        return _blank_to_none(_clean(value))


# The queue's status filter value meaning "whatever the status".
ALL_STATUSES = "all"
# The assignee filter value for claims nobody is assigned to.
UNASSIGNED = "none"


class ClaimFilters(SQLModel):
    """Filters shared by the review queue, search and the CSV export."""

    language: str | None = Field(
        default=None, max_length=8, description="The claim's language code, such as fr or en."
    )
    source: str | None = Field(default=None, max_length=200, description="The source's name.")
    date_from: date | None = Field(default=None, description="Articles published on or after.")
    date_to: date | None = Field(default=None, description="Articles published on or before.")
    status: ClaimStatus | None = Field(
        default=None, description="Where the claim is in review; `all` is the same as none."
    )
    min_score: float | None = Field(
        default=None, ge=0, le=1, description="The lowest check-worthiness."
    )
    rating: RatingKey | None = Field(
        default=None,
        description="The rating of the claim's latest verdict.",
    )
    text: str | None = Field(
        default=None, max_length=200, description="Words the claim's text contains (any case)."
    )
    speaker: str | None = Field(
        default=None, max_length=200, description="Words the speaker's name contains."
    )
    assignee: str | None = Field(
        default=None,
        max_length=80,
        description="The reviewer the claim is assigned to, or `none` for unassigned claims.",
    )
    source_id: int | None = Field(default=None, ge=1, description="The source's id.")

    @field_validator("*", mode="before")
    @classmethod
    def _optional(cls, value: object) -> object:
        """Blank query parameters count as missing."""
        return _blank_to_none(value)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: object) -> object:
        """Accept only known statuses (or "all", the same as none), naming them when refusing."""
        value = _blank_to_none(value)
        if value == ALL_STATUSES:
            return None
        if isinstance(value, str) and value not in set(ClaimStatus):
            raise ValueError(
                Message(
                    N_("status must be all or one of %(statuses)s"),
                    statuses=", ".join(ClaimStatus),
                )
            )
        return value

    @field_validator("text", "speaker", "assignee", mode="before")
    @classmethod
    def _words(cls, value: object) -> object:
        """Trim free-text filters; blank ones count as missing."""
        return _blank_to_none(_clean(value))


def parse(schema: type[S], data: object) -> S:
    """Validate data against a schema, raising InvalidInput with readable sentences."""
    if not isinstance(data, dict):
        raise InvalidInput(N_("Expected a JSON object with named fields."))
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(describe(exc)) from None


# Readable names of the fields users fill in, in the reader's language (English keeps the
# field's own name, which the API documents).
FIELD = "field"
FIELD_LABELS = {
    "title": NP_("field", "title"),
    "source": NP_("field", "source"),
    "url": NP_("field", "url"),
    "author": NP_("field", "author"),
    "published_at": NP_("field", "published_at"),
    "language": NP_("field", "language"),
    "body": NP_("field", "body"),
    "rating": NP_("field", "rating"),
    "explanation": NP_("field", "explanation"),
    "evidence_urls": NP_("field", "evidence_urls"),
    "version": NP_("field", "version"),
    "interval_minutes": NP_("field", "interval_minutes"),
    "active": NP_("field", "active"),
    "status": NP_("field", "status"),
    "min_score": NP_("field", "min_score"),
    "date_from": NP_("field", "date_from"),
    "date_to": NP_("field", "date_to"),
}
# pydantic error types, said in another language (English keeps pydantic's own sentence).
PROBLEMS: dict[str, str | tuple[str, str, str]] = {
    "missing": N_("Field required"),
    "string_type": N_("Input should be a valid string"),
    "string_too_short": (
        *N_plural(
            "String should have at least %(num)d character",
            "String should have at least %(num)d characters",
        ),
        "min_length",
    ),
    "string_too_long": (
        *N_plural(
            "String should have at most %(num)d character",
            "String should have at most %(num)d characters",
        ),
        "max_length",
    ),
    "too_long": (
        *N_plural("should have at most %(num)d item", "should have at most %(num)d items"),
        "max_length",
    ),
    "greater_than_equal": N_("Input should be greater than or equal to %(ge)s"),
    "less_than_equal": N_("Input should be less than or equal to %(le)s"),
    "date_parsing": N_("Input should be a valid date in the format YYYY-MM-DD"),
    "date_type": N_("Input should be a valid date in the format YYYY-MM-DD"),
    "date_from_datetime_parsing": N_("Input should be a valid date in the format YYYY-MM-DD"),
    "date_from_datetime_inexact": N_("Input should be a date without a time of day"),
    "int_parsing": N_("Input should be a valid integer"),
    "int_type": N_("Input should be a valid integer"),
    "float_parsing": N_("Input should be a valid number"),
    "float_type": N_("Input should be a valid number"),
    "bool_parsing": N_("Input should be a valid boolean (true or false)"),
    "bool_type": N_("Input should be a valid boolean (true or false)"),
    "list_type": N_("Input should be a valid list"),
    "enum": N_("Input should be one of %(expected)s"),
}


class Problem(Message):
    """One field's pydantic error; rendered in English as pydantic words it."""

    def __init__(self, error: dict) -> None:
        super().__init__(N_("%(field)s: %(problem)s"))
        self.error = error

    def render(self, translator: Translator = ENGLISH) -> str:
        """Return `field: problem`, in the translator's language where a sentence exists."""
        loc = [str(p) for p in self.error["loc"]]
        field = ".".join(
            translator.pgettext(FIELD, FIELD_LABELS[p]) if p in FIELD_LABELS else p for p in loc
        )
        text = translator.gettext(self.msgid) % {
            "field": field or "input",
            "problem": self._problem(translator),
        }
        return text

    def _problem(self, translator: Translator) -> str:
        """Say what is wrong: our validators' own sentence, or pydantic's error type."""
        english = self.error["msg"].removeprefix("Value error, ")
        ctx = self.error.get("ctx") or {}
        reason = ctx.get("error")
        if isinstance(reason, ValueError) and reason.args and isinstance(reason.args[0], Message):
            return reason.args[0].render(translator)
        known = PROBLEMS.get(self.error["type"])
        if known is None or translator is ENGLISH:
            return english
        if isinstance(known, tuple):
            singular, plural, key = known
            sentence = Message(singular, plural, int(ctx.get(key, 0)))
        else:
            sentence = Message(known, **{k: v for k, v in ctx.items() if f"%({k})" in known})
        text = sentence.render(translator)
        # No translation (an English interface, or a catalogue without it): pydantic's words.
        return english if text == sentence.render() else text


def describe(exc: ValidationError) -> Message:
    """Turn pydantic's errors into one sentence naming each field and its problem."""
    parts = [Problem(error) for error in exc.errors()]
    return Message(N_("Invalid input — %(details)s."), details=Joined(parts))
