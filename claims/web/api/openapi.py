"""The OpenAPI 3.1 description of the JSON API."""

from __future__ import annotations

from typing import Any

from claims.ratings import BY_KEY

FILTERS = ("language", "source", "date_from", "date_to", "status", "min_score")


def _ref(name: str) -> dict[str, str]:
    """Return a schema reference."""
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str, where: str = "query", kind: str = "string", **extra: Any) -> dict:
    """Describe one parameter."""
    schema = {"type": kind, **extra}
    return {"name": name, "in": where, "required": where == "path", "schema": schema}


def _json(schema: dict, description: str) -> dict:
    """Describe a JSON response."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _object(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict:
    """Describe an object schema."""
    return {"type": "object", "properties": properties, "required": list(required)}


ERRORS = {
    "400": _json(_ref("Error"), "Invalid input, explained in `error`."),
    "401": _json(_ref("Error"), "No valid session or token."),
    "403": _json(_ref("Error"), "Your role does not allow this."),
    "409": _json(_ref("Error"), "The claim changed since the version you sent."),
    "404": _json(_ref("Error"), "Not found."),
}
STRING, NUMBER, INTEGER = {"type": "string"}, {"type": "number"}, {"type": "integer"}
NULLABLE_STRING = {"type": ["string", "null"]}


def _schemas() -> dict[str, Any]:
    """Return the component schemas."""
    return {
        "Error": _object({"error": STRING}, ("error",)),
        "ArticleIn": _object(
            {
                "title": STRING,
                "source": STRING,
                "body": STRING,
                "url": NULLABLE_STRING,
                "published_at": {"type": ["string", "null"], "format": "date"},
                "language": NULLABLE_STRING,
            },
            ("title", "source", "body"),
        ),
        "Imported": _object(
            {
                "article": _ref("Article"),
                "claims": {"type": "array", "items": _ref("Claim")},
                "created": {"type": "boolean"},
            },
            ("article", "claims", "created"),
        ),
        "Article": _object(
            {"id": INTEGER, "title": STRING, "url": NULLABLE_STRING, "language": STRING}
        ),
        "Claim": _object(
            {
                "id": INTEGER,
                "text": STRING,
                "start": INTEGER,
                "end": INTEGER,
                "checkworthiness": NUMBER,
                "checkworthiness_reasons": {"type": "array", "items": STRING},
                "speaker": NULLABLE_STRING,
                "language": STRING,
            },
            ("id", "text", "start", "end", "checkworthiness", "speaker", "language"),
        ),
        "VerdictIn": _object(
            {
                "rating": {"type": "string", "enum": list(BY_KEY)},
                "explanation": STRING,
                "evidence_urls": {"type": "array", "items": STRING},
                "version": {"type": "integer", "description": "the claim version you saw"},
            },
            ("rating", "explanation"),
        ),
        "Verdict": _object(
            {"id": INTEGER, "rating": STRING, "rating_value": {"type": ["integer", "null"]}}
        ),
        "Similar": _object(
            {
                "claim": _ref("Claim"),
                "score": NUMBER,
                "article": _ref("Article"),
                "verdict": {"oneOf": [_ref("Verdict"), {"type": "null"}]},
                "relation": {"type": "string", "enum": ["duplicate", "different_facts"]},
                "differences": {"type": "array", "items": _ref("Difference")},
                "link": _object({"id": INTEGER, "state": STRING}),
            }
        ),
        "Difference": _object(
            {
                "kind": {"type": "string", "enum": ["number", "date", "entity"]},
                "this": STRING,
                "other": STRING,
            }
        ),
    }


def _paths() -> dict[str, Any]:
    """Return the path items."""
    claim_id = _param("claim_id", "path", "integer")
    pages = [_param("page", kind="integer"), _param("per_page", kind="integer")]
    filters = [_param(name) for name in FILTERS]
    similar_list = {"type": "array", "items": _ref("Similar")}
    return {
        "/api/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")},
            }
        },
        "/api/articles": {
            "post": {
                "summary": "Import an article and split it into claims",
                "requestBody": {"content": {"application/json": {"schema": _ref("ArticleIn")}}},
                "responses": {
                    "201": _json(_ref("Imported"), "Imported."),
                    "200": _json(_ref("Imported"), "Already imported: the stored article."),
                    "413": _json(_ref("Error"), "Body too large."),
                    **ERRORS,
                },
            },
            "get": {
                "summary": "List articles",
                "parameters": pages,
                "responses": {"200": _json({"type": "object"}, "A page of articles.")},
            },
        },
        "/api/imports": {
            "post": {
                "summary": "Queue a batch import; a worker runs it as a job",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": _object(
                                {"articles": {"type": "array", "items": _ref("ArticleIn")}},
                                ("articles",),
                            )
                        }
                    }
                },
                "responses": {
                    "202": _json({"type": "object"}, "Queued: the job, with its URL."),
                    "413": _json(_ref("Error"), "Body too large."),
                    **ERRORS,
                },
            }
        },
        "/api/jobs": {
            "get": {
                "summary": "The newest import jobs with their progress",
                "responses": {"200": _json({"type": "object"}, "Jobs, newest first.")},
            }
        },
        "/api/jobs/{job_id}": {
            "get": {
                "summary": "One import job: progress, ETA and skipped articles",
                "parameters": [_param("job_id", "path", "integer")],
                "responses": {"200": _json({"type": "object"}, "The job."), **ERRORS},
            }
        },
        "/api/articles/{article_id}": {
            "delete": {
                "summary": "Delete an article (admin)",
                "parameters": [_param("article_id", "path", "integer")],
                "responses": {"204": {"description": "Deleted."}, **ERRORS},
            },
            "get": {
                "summary": "One article with its body and claims",
                "parameters": [_param("article_id", "path", "integer")],
                "responses": {"200": _json({"type": "object"}, "The article."), **ERRORS},
            },
        },
        "/api/claims": {
            "get": {
                "summary": "Claims, most check-worthy first, with the review-queue filters",
                "parameters": pages + filters,
                "responses": {"200": _json({"type": "object"}, "A page of claims."), **ERRORS},
            }
        },
        "/api/claims/{claim_id}": {
            "get": {
                "summary": "One claim with its article and current verdict",
                "parameters": [claim_id],
                "responses": {"200": _json({"type": "object"}, "The claim."), **ERRORS},
            }
        },
        "/api/claims/{claim_id}/similar": {
            "get": {
                "summary": "Near-duplicates from other articles",
                "parameters": [claim_id, _param("k", kind="integer")],
                "responses": {
                    "200": _json(
                        _object({"claim": _ref("Claim"), "similar": similar_list}), "Matches."
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
                        _object({"claim": _ref("Claim"), "links": similar_list}), "Links."
                    ),
                    **ERRORS,
                },
            }
        },
        "/api/claims/{claim_id}/verdicts": {
            "post": {
                "summary": "Record a verdict (append-only)",
                "parameters": [claim_id],
                "requestBody": {"content": {"application/json": {"schema": _ref("VerdictIn")}}},
                "responses": {
                    "201": _json(_object({"verdict": _ref("Verdict")}), "Recorded."),
                    **ERRORS,
                },
            },
            "get": {
                "summary": "The verdict history, newest first",
                "parameters": [claim_id],
                "responses": {"200": _json({"type": "object"}, "The history."), **ERRORS},
            },
        },
        "/api/search": {
            "get": {
                "summary": "Search claims by meaning and words",
                "parameters": [
                    _param("q"),
                    _param("k", kind="integer"),
                    _param("lang"),
                    _param("source"),
                ],
                "responses": {
                    "200": _json(_object({"results": similar_list}), "Ranked claims."),
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
            "schemas": _schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
