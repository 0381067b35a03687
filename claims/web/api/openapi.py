"""The OpenAPI 3.1 description of the JSON API, generated from the schemas it validates with.

Request bodies and the shared filters come from the pydantic schemas and the filter list that
the views parse with, so neither can be accepted but undocumented. Responses are described by
hand beside serialize.py; tests/test_openapi.py checks real responses against them.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import SQLModel

from claims.models import JobStatus, LinkState
from claims.ratings import BY_KEY
from claims.schemas import (
    ArticleIn,
    ArticleLink,
    BulkAction,
    ClaimFilters,
    FeedIn,
    FeedUpdate,
    VerdictIn,
    VerdictReuse,
)
from claims.web.helpers import API_K, FILTER_ALIASES, FILTER_KEYS, PAGE, PER_PAGE, IntParam

REF = "#/components/schemas/{model}"
BODIES = (ArticleIn, ArticleLink, VerdictIn, VerdictReuse, BulkAction, FeedIn, FeedUpdate)


def _ref(name: str) -> dict[str, str]:
    """Return a schema reference."""
    return {"$ref": REF.format(model=name)}


def model_schemas(models: tuple[type[SQLModel], ...]) -> dict[str, Any]:
    """Return each model's JSON Schema under its name, with the types it uses hoisted beside it."""
    schemas: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template=REF)
        schemas |= schema.pop("$defs", {})
        schemas[model.__name__] = schema
    return schemas


def query_param(name: str, field: dict[str, Any], description: str | None = None) -> dict:
    """Describe an optional query parameter from a field's JSON Schema.

    A query parameter is absent rather than null, so the schema loses its null branch and its
    null default; the field's description becomes the parameter's.
    """
    description = description or field.get("description")
    drop = {"title", "description"}
    schema = {k: v for k, v in field.items() if k not in drop and (k, v) != ("default", None)}
    branches = [b for b in schema.pop("anyOf", []) if b != {"type": "null"}]
    if len(branches) == 1:
        schema |= branches[0]
    elif branches:
        schema["anyOf"] = branches
    param = {"name": name, "in": "query", "required": False, "schema": schema}
    return param | ({"description": description} if description else {})


def filter_params() -> list[dict]:
    """Describe the shared filters that filters_from reads: ClaimFilters' fields and aliases."""
    fields = ClaimFilters.model_json_schema(ref_template=REF)["properties"]
    params = [query_param(key, fields[key]) for key in FILTER_KEYS]
    return params + [
        query_param(alias, fields[key], f"Same as `{key}`, read when that is blank.")
        for alias, key in FILTER_ALIASES.items()
    ]


def int_param(param: IntParam, description: str) -> dict:
    """Describe a bounded integer query parameter, from the definition the API reads it with."""
    schema = {"type": "integer", "minimum": param.low, "maximum": param.high}
    return query_param(param.name, {**schema, "default": param.default}, description)


def _path_id(name: str) -> dict:
    """Describe a database id in the path (the `id` URL converter)."""
    schema = {"type": "integer", "format": "int64", "minimum": 1}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _json(schema: dict, description: str) -> dict:
    """Describe a JSON response."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict) -> dict:
    """Describe a required JSON request body."""
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict:
    """Describe an object whose properties are all present except the optional ones."""
    required = [name for name in properties if name not in optional]
    return {"type": "object", "properties": properties, "required": required}


def _array(items: dict) -> dict:
    """Describe an array."""
    return {"type": "array", "items": items}


def _nullable(schema: dict) -> dict:
    """Allow null beside a schema."""
    return {"anyOf": [schema, {"type": "null"}]}


ERRORS = {
    "400": _json(_ref("Error"), "Invalid input, explained in `error`."),
    "401": _json(_ref("Error"), "No valid session or token."),
    "403": _json(_ref("Error"), "Your role does not allow this."),
    "404": _json(_ref("Error"), "Not found."),
}
CONFLICT = {"409": _json(_ref("Error"), "The claim changed since the version you sent.")}
TOO_LARGE = {"413": _json(_ref("Error"), "Body too large.")}
STRING, NUMBER, INTEGER = {"type": "string"}, {"type": "number"}, {"type": "integer"}
NULLABLE_STRING, NULLABLE_INTEGER = _nullable(STRING), _nullable(INTEGER)
TIMESTAMP = {"type": "string", "format": "date-time"}
PAGED = {"total": INTEGER, "page": INTEGER, "per_page": INTEGER}


def _response_schemas() -> dict[str, Any]:
    """Return the schemas of what serialize.py (and job_json) emit."""
    return {
        "Error": _object(
            {
                "error": {"type": "string", "description": "What went wrong, in English."},
                "code": {
                    "type": "string",
                    "description": "The kind of error, for programs: invalid_input, "
                    "not_signed_in, forbidden, not_found, conflict, too_large, "
                    "too_many_attempts, unavailable, fetch_failed, fetch_refused, "
                    "not_a_web_page, csrf_failed, different_facts, or the HTTP status's name "
                    "in snake_case (method_not_allowed, bad_request).",
                },
            }
        ),
        "DifferentFacts": {
            "allOf": [
                _ref("Error"),
                _object({"differences": _array(_ref("Difference"))}, optional=("differences",)),
            ]
        },
        "Article": _object(
            {
                "id": INTEGER,
                "title": STRING,
                "author": NULLABLE_STRING,
                "url": NULLABLE_STRING,
                "published_at": _nullable({"type": "string", "format": "date"}),
                "language": STRING,
                "source_id": INTEGER,
                "created_at": TIMESTAMP,
                "source": {"type": "string", "description": "The source's name."},
            }
        ),
        "Source": _object(
            {
                "id": INTEGER,
                "name": STRING,
                "domain": NULLABLE_STRING,
                "language": NULLABLE_STRING,
                "articles": INTEGER,
                "claims": {"type": "integer", "description": "Claims not set aside."},
                "published": {"type": "integer", "description": "Claims with a verdict."},
            }
        ),
        "ArticleWithBody": {"allOf": [_ref("Article"), _object({"body": STRING})]},
        "Feed": _object(
            {
                "id": INTEGER,
                "url": STRING,
                "source": NULLABLE_STRING,
                "title": NULLABLE_STRING,
                "active": {"type": "boolean"},
                "interval_minutes": INTEGER,
                "last_polled_at": _nullable(TIMESTAMP),
                "next_poll_at": _nullable(TIMESTAMP),
                "entries_seen": INTEGER,
                "articles_imported": INTEGER,
                "failures": INTEGER,
                "last_error": NULLABLE_STRING,
            }
        ),
        "Claim": _object(
            {
                "id": INTEGER,
                "article_id": INTEGER,
                "text": STRING,
                "start": INTEGER,
                "end": INTEGER,
                "checkworthiness": NUMBER,
                "checkworthiness_reasons": _array(STRING),
                "speaker": NULLABLE_STRING,
                "language": STRING,
                "status": _ref("ClaimStatus"),
                "assignee": NULLABLE_STRING,
                "version": {"type": "integer", "description": "Bumped by every change."},
            }
        ),
        "ClaimInContext": {
            "allOf": [
                _ref("Claim"),
                _object({"article": _ref("Article"), "verdict": _nullable(_ref("Verdict"))}),
            ]
        },
        "Verdict": _object(
            {
                "id": INTEGER,
                "claim_id": INTEGER,
                "rating": {"type": "string", "enum": list(BY_KEY)},
                "alternate_name": STRING,
                "rating_value": NULLABLE_INTEGER,
                "explanation": STRING,
                "evidence_urls": _array(STRING),
                "reviewer": STRING,
                "reused_from_id": NULLABLE_INTEGER,
                "created_at": TIMESTAMP,
                "published": _nullable(_ref("Published")),
            }
        ),
        "Published": _object(
            {
                "organisation": STRING,
                "url": NULLABLE_STRING,
                "reviewed_at": _nullable({"type": "string", "format": "date"}),
                "rating_name": NULLABLE_STRING,
                "rating_value": _nullable(NUMBER),
                "best_rating": _nullable(NUMBER),
                "worst_rating": _nullable(NUMBER),
            }
        ),
        "PriorImport": _object(
            {
                "imported": INTEGER,
                "known": INTEGER,
                "claims": _array(_ref("Claim")),
                "failed": _array(_object({"title": STRING, "message": STRING})),
            }
        ),
        "PriorCheck": _object(
            {
                "organisation": STRING,
                "reviewed_at": _nullable({"type": "string", "format": "date"}),
                "rating": {"type": "string", "enum": list(BY_KEY)},
                "rating_name": NULLABLE_STRING,
                "url": NULLABLE_STRING,
                "text": {
                    "type": "string",
                    "description": "“Already checked by <organisation> on <date>: <rating>”.",
                },
            }
        ),
        "Similar": _object(
            {
                "claim": _ref("Claim"),
                "score": NUMBER,
                "article": _ref("Article"),
                "verdict": _nullable(_ref("Verdict")),
                "relation": {"type": "string", "enum": ["duplicate", "different_facts"]},
                "differences": _array(_ref("Difference")),
                "prior_check": _nullable(_ref("PriorCheck")),
                "link": _object(
                    {"id": INTEGER, "state": {"type": "string", "enum": list(LinkState)}}
                ),
            },
            optional=("link",),
        ),
        "Difference": _object(
            {
                "kind": {"type": "string", "enum": ["number", "date", "entity"]},
                "this": STRING,
                "other": STRING,
            }
        ),
        "Imported": _object(
            {
                "article": _ref("Article"),
                "claims": _array(_ref("Claim")),
                "created": {"type": "boolean"},
            }
        ),
        "Job": _object(
            {
                "id": INTEGER,
                "status": {"type": "string", "enum": list(JobStatus)},
                "label": STRING,
                "total": INTEGER,
                "done": INTEGER,
                "created": INTEGER,
                "known": INTEGER,
                "failed": INTEGER,
                "eta_seconds": _nullable(NUMBER),
                "stalled_seconds": NULLABLE_INTEGER,
                "message": NULLABLE_STRING,
                "errors": _array(_object({"title": STRING, "message": STRING})),
                "actor": STRING,
                "created_at": TIMESTAMP,
                "started_at": _nullable(TIMESTAMP),
                "progressed_at": _nullable(TIMESTAMP),
                "finished_at": _nullable(TIMESTAMP),
            }
        ),
    }


def _paths() -> dict[str, Any]:
    """Return the path items."""
    claim_id = _path_id("claim_id")
    pages = [
        int_param(PAGE, "The page, from 1."),
        int_param(PER_PAGE, "Items per page."),
    ]
    k = int_param(API_K, "How many results.")
    q = query_param("q", {"type": "string", "pattern": r"\S"}, "The text to search for.")
    q["required"] = True
    similar_list = _array(_ref("Similar"))
    return {
        "/api/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {"200": _json({"type": "object"}, "The OpenAPI document."), **ERRORS},
            }
        },
        "/api/articles": {
            "post": {
                "summary": "Import an article, or the web page a URL names, as claims",
                "description": (
                    "Send the article, or just its `url`: the page is then fetched and its main "
                    "text, title, author, date and site name used; any field sent wins. Pages on "
                    "private, local or reserved addresses are refused (403), as are other types "
                    "than HTML (415); a site that cannot be fetched gives 422."
                ),
                "requestBody": _body({"oneOf": [_ref("ArticleIn"), _ref("ArticleLink")]}),
                "responses": {
                    "201": _json(_ref("Imported"), "Imported."),
                    "200": _json(_ref("Imported"), "Already imported: the stored article."),
                    **TOO_LARGE,
                    **ERRORS,
                },
            },
            "get": {
                "summary": "List articles, newest first",
                "parameters": pages,
                "responses": {
                    "200": _json(
                        _object({"articles": _array(_ref("Article")), **PAGED}), "A page."
                    ),
                    **ERRORS,
                },
            },
        },
        "/api/imports": {
            "post": {
                "summary": "Queue a batch import; a worker runs it as a job",
                "requestBody": _body(
                    _object(
                        {
                            "articles": _array({"oneOf": [_ref("ArticleIn"), _ref("ArticleLink")]})
                            | {"minItems": 1}
                        }
                    )
                ),
                "responses": {
                    "202": _json(_object({"job": _ref("Job")}), "Queued; Location is the job."),
                    **TOO_LARGE,
                    **ERRORS,
                },
            }
        },
        "/api/jobs": {
            "get": {
                "summary": "The newest import jobs with their progress",
                "responses": {
                    "200": _json(_object({"jobs": _array(_ref("Job"))}), "Newest first."),
                    **ERRORS,
                },
            }
        },
        "/api/jobs/{job_id}": {
            "get": {
                "summary": "One import job: progress, ETA and skipped articles",
                "parameters": [_path_id("job_id")],
                "responses": {"200": _json(_object({"job": _ref("Job")}), "The job."), **ERRORS},
            }
        },
        "/api/claimreviews": {
            "post": {
                "summary": "Import fact-checks published elsewhere (schema.org ClaimReview)",
                "description": (
                    "Send ClaimReview JSON-LD (one object, a list, or a `@graph`), or "
                    '`{"url": …}` of a fact-check page whose JSON-LD holds them. Each review '
                    "becomes a claim with the organisation's verdict; near-duplicates then show "
                    "it in `prior_check`."
                ),
                "requestBody": _body(
                    {
                        "oneOf": [
                            {"type": "object", "description": "ClaimReview JSON-LD."},
                            {"type": "array", "items": {"type": "object"}},
                        ]
                    }
                ),
                "responses": {
                    "201": _json(_ref("PriorImport"), "At least one new fact-check stored."),
                    "200": _json(_ref("PriorImport"), "All already known."),
                    **ERRORS,
                },
            }
        },
        "/api/feeds": {
            "get": {
                "summary": "The monitored RSS and Atom feeds",
                "responses": {
                    "200": _json(_object({"feeds": _array(_ref("Feed"))}), "Oldest first."),
                    **ERRORS,
                },
            },
            "post": {
                "summary": "Monitor a feed; the worker polls it and imports each new entry",
                "requestBody": _body(_ref("FeedIn")),
                "responses": {
                    "201": _json(_object({"feed": _ref("Feed")}), "Added; its first poll is due."),
                    **ERRORS,
                },
            },
        },
        "/api/feeds/{feed_id}": {
            "get": {
                "summary": "One feed: schedule, counters and last error",
                "parameters": [_path_id("feed_id")],
                "responses": {"200": _json(_object({"feed": _ref("Feed")}), "The feed."), **ERRORS},
            },
            "patch": {
                "summary": "Pause or resume a feed",
                "parameters": [_path_id("feed_id")],
                "requestBody": _body(_ref("FeedUpdate")),
                "responses": {"200": _json(_object({"feed": _ref("Feed")}), "The feed."), **ERRORS},
            },
            "delete": {
                "summary": "Stop monitoring a feed; the articles it imported stay",
                "parameters": [_path_id("feed_id")],
                "responses": {"204": {"description": "Removed."}, **ERRORS},
            },
        },
        "/api/feeds/{feed_id}/poll": {
            "post": {
                "summary": "Poll a feed now, importing its new entries before answering",
                "parameters": [_path_id("feed_id")],
                "responses": {
                    "200": _json(
                        _object(
                            {
                                "feed": _ref("Feed"),
                                "new_entries": INTEGER,
                                "imported": INTEGER,
                                "job_id": NULLABLE_INTEGER,
                                "error": NULLABLE_STRING,
                            }
                        ),
                        "What the poll did; a failure is in `error`.",
                    ),
                    **ERRORS,
                },
            }
        },
        "/api/articles/{article_id}": {
            "delete": {
                "summary": "Delete an article with its claims, verdicts and links (admin)",
                "parameters": [_path_id("article_id")],
                "responses": {"204": {"description": "Deleted."}, **ERRORS},
            },
            "get": {
                "summary": "One article with its body and claims",
                "parameters": [_path_id("article_id")],
                "responses": {
                    "200": _json(
                        _object(
                            {"article": _ref("ArticleWithBody"), "claims": _array(_ref("Claim"))}
                        ),
                        "The article.",
                    ),
                    **ERRORS,
                },
            },
        },
        "/api/claims": {
            "get": {
                "summary": "Claims, most check-worthy first, with the review-queue filters",
                "parameters": pages + filter_params(),
                "responses": {
                    "200": _json(
                        _object({"claims": _array(_ref("ClaimInContext")), **PAGED}), "A page."
                    ),
                    **ERRORS,
                },
            }
        },
        "/api/claims/{claim_id}": {
            "get": {
                "summary": "One claim with its article and current verdict",
                "parameters": [claim_id],
                "responses": {
                    "200": _json(_object({"claim": _ref("ClaimInContext")}), "The claim."),
                    **ERRORS,
                },
            }
        },
        "/api/claims/{claim_id}/similar": {
            "get": {
                "summary": "Near-duplicates from other articles",
                "parameters": [claim_id, k],
                "responses": {
                    "200": _json(
                        _object({"claim": _ref("ClaimInContext"), "similar": similar_list}),
                        "Matches, best first.",
                    ),
                    **ERRORS,
                },
            }
        },
        "/api/claims/{claim_id}/links": {
            "get": {
                "summary": "Stored near-duplicate links (suggested, confirmed, rejected)",
                "parameters": [claim_id],
                "responses": {
                    "200": _json(
                        _object({"claim": _ref("ClaimInContext"), "links": similar_list}),
                        "Links, each with its `link`.",
                    ),
                    **ERRORS,
                },
            }
        },
        "/api/claims/{claim_id}/verdicts": {
            "post": {
                "summary": "Record a verdict (append-only)",
                "parameters": [claim_id],
                "requestBody": _body(_ref("VerdictIn")),
                "responses": {
                    "201": _json(_object({"verdict": _ref("Verdict")}), "Recorded."),
                    **ERRORS,
                    **CONFLICT,
                },
            },
            "get": {
                "summary": "The verdict history, newest first",
                "parameters": [claim_id],
                "responses": {
                    "200": _json(_object({"verdicts": _array(_ref("Verdict"))}), "History."),
                    **ERRORS,
                },
            },
        },
        "/api/claims/{claim_id}/verdicts/reuse": {
            "post": {
                "summary": "Apply a confirmed near-duplicate's verdict",
                "description": (
                    "Refused with 409 and the `differences` when the two claims state "
                    "different figures, dates or names, unless `override_reason` says why "
                    "the verdict holds; the reason is kept in the audit log."
                ),
                "parameters": [claim_id],
                "requestBody": _body(_ref("VerdictReuse")),
                "responses": {
                    "201": _json(_object({"verdict": _ref("Verdict")}), "Applied."),
                    **ERRORS,
                    "409": _json(
                        _ref("DifferentFacts"),
                        "The claim changed since `version`, or the two claims state different "
                        "facts (then `differences` lists them).",
                    ),
                },
            }
        },
        "/api/claims/bulk": {
            "post": {
                "summary": "Assign, set the status of, or set aside many claims",
                "description": (
                    "Each claim is changed and audited on its own; one that cannot take the "
                    "change (a status it cannot move to, a change by someone else) is skipped "
                    "with the reason."
                ),
                "requestBody": _body(_ref("BulkAction")),
                "responses": {
                    "200": _json(
                        _object(
                            {
                                "done": _array(INTEGER),
                                "skipped": _array(_object({"id": INTEGER, "reason": STRING})),
                            }
                        ),
                        "What changed and what was skipped.",
                    ),
                    **ERRORS,
                },
            }
        },
        "/api/sources": {
            "get": {
                "summary": "The sources, with their counts of articles, claims and verdicts",
                "responses": {
                    "200": _json(_object({"sources": _array(_ref("Source"))}), "Sources."),
                    **ERRORS,
                },
            }
        },
        "/api/sources/{source_id}": {
            "get": {
                "summary": "A source with its counts and one page of its articles",
                "parameters": [_path_id("source_id"), *pages],
                "responses": {
                    "200": _json(
                        _object(
                            {"source": _ref("Source"), "articles": _array(_ref("Article")), **PAGED}
                        ),
                        "The source and its articles, newest first.",
                    ),
                    **ERRORS,
                },
            }
        },
        "/api/search": {
            "get": {
                "summary": "Search claims by meaning and words, with the review-queue filters",
                "parameters": [q, k] + filter_params(),
                "responses": {
                    "200": _json(
                        _object({"query": STRING, "results": similar_list}), "Ranked claims."
                    ),
                    **ERRORS,
                },
            }
        },
    }


def openapi_document() -> dict[str, Any]:
    """Return the whole OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Claim tracker API", "version": "1"},
        "paths": _paths(),
        "components": {
            "schemas": model_schemas((*BODIES, ClaimFilters)) | _response_schemas(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "A signed-in browser; writes also need the X-CSRFToken header.",
                },
            },
        },
        "security": [{"bearer": []}, {"session": []}],
    }
