"""The OpenAPI document: its shape, its routes, every query parameter the API reads, its schemas."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pytest
from werkzeug.datastructures import ImmutableMultiDict

from claims.schemas import ArticleIn, ArticleLink, ClaimFilters, VerdictIn
from claims.web.api.openapi import REF, openapi_document

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
# Enumerating the query (`to_dict()`, `items()`…) reads every key, so no list could document it.
EVERY_KEY = "<every key>"
BODY = (
    "The government said unemployment fell to 7.2 percent in March 2024, the lowest since 2008. "
    "Finance minister Jane Doe claimed that exports rose by 12 percent last year."
)
# One request per operation of the API, in an order that leaves each one something to find.
CLAIM_REVIEW = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "claimReviewed": "Unemployment fell to 3 % last year.",
    "author": {"@type": "Organization", "name": "Desk"},
    "reviewRating": {"@type": "Rating", "alternateName": "False"},
}
CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("get", "/api/openapi.json", {}),
    ("post", "/api/articles", {"json": {"title": "Again", "source": "Gazette", "body": BODY}}),
    ("get", "/api/articles", {}),
    ("get", "/api/articles/{article_id}", {}),
    (
        "post",
        "/api/imports",
        {"json": {"articles": [{"title": "Job", "source": "G", "body": BODY}]}},
    ),
    ("get", "/api/jobs", {}),
    ("get", "/api/jobs/{job_id}", {}),
    ("get", "/api/claims", {}),
    ("get", "/api/claims/{claim_id}", {}),
    ("get", "/api/claims/{claim_id}/similar", {}),
    ("get", "/api/claims/{claim_id}/links", {}),
    ("post", "/api/claims/{claim_id}/verdicts", {"json": {"rating": "true", "explanation": "Ok."}}),
    ("get", "/api/claims/{claim_id}/verdicts", {}),
    (
        "post",
        "/api/claims/{claim_id}/verdicts/reuse",
        {"json": {"verdict_id": "{verdict_id}", "override_reason": "7.5 or 7.2: same finding."}},
    ),
    ("post", "/api/claims/bulk", {"json": {"claim_ids": ["{claim_id}"], "action": "assign"}}),
    ("get", "/api/sources", {}),
    ("get", "/api/sources/{source_id}", {}),
    ("get", "/api/search", {"query_string": {"q": "unemployment fell"}}),
    ("delete", "/api/articles/{article_id}", {}),
    ("post", "/api/claimreviews", {"json": CLAIM_REVIEW}),
    # A feed on a local address that nobody allowed: polling it is refused before connecting.
    ("post", "/api/feeds", {"json": {"url": "http://127.0.0.1:9/news.xml", "source": "Wire"}}),
    ("get", "/api/feeds", {}),
    ("get", "/api/feeds/{feed_id}", {}),
    ("patch", "/api/feeds/{feed_id}", {"json": {"active": False}}),
    ("post", "/api/feeds/{feed_id}/poll", {}),
    ("delete", "/api/feeds/{feed_id}", {}),
]


class RecordingArgs(ImmutableMultiDict):
    """Query parameters that note, in `read`, every key a view asks for."""

    def __init__(self, args: ImmutableMultiDict, read: set[str]) -> None:
        super().__init__(args)
        self.read = read

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):
        self.read.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        self.read.add(key)
        return super().getlist(key, type)

    def __contains__(self, key) -> bool:
        self.read.add(key)
        return super().__contains__(key)

    def _every(self, name: str):
        """Note that the view enumerated the query, then delegate."""
        self.read.add(EVERY_KEY)
        return getattr(super(), name)

    def __iter__(self):
        return self._every("__iter__")()

    def keys(self):
        return self._every("keys")()

    def values(self):
        return self._every("values")()

    def items(self, multi: bool = False):
        return self._every("items")(multi)

    def lists(self):
        return self._every("lists")()

    def to_dict(self, flat: bool = True):
        return self._every("to_dict")(flat)


@pytest.fixture
def read(app, monkeypatch) -> set[str]:
    """The query keys views read; tests clear it before each request."""
    keys: set[str] = set()
    parsed = app.request_class.args  # werkzeug's cached_property, which parses the query once

    def recording(request) -> RecordingArgs:
        return RecordingArgs(parsed.__get__(request, type(request)), keys)

    monkeypatch.setattr(app.request_class, "args", property(recording))
    return keys


@pytest.fixture
def ids(client) -> dict[str, int]:
    """Ids of stored things: an article whose claim has a near-duplicate elsewhere, and a job."""
    first = post(client, "First", "Agence", BODY)
    post(client, "Second", "Journal", BODY.replace("7.2", "7.5"))
    job = client.post(
        "/api/imports", json={"articles": [{"title": "J", "source": "G", "body": BODY}]}
    )
    feed = client.post("/api/feeds", json={"url": "http://127.0.0.1:9/feed.xml"}).get_json()
    claim_id = first["claims"][0]["id"]
    link = client.get(f"/api/claims/{claim_id}/links").get_json()["links"][0]
    confirmed = client.post(f"/links/{link['link']['id']}", data={"state": "confirmed"})
    assert confirmed.status_code == 302
    verdict = {"rating": "false", "explanation": "The survey says otherwise."}
    other = client.post(f"/api/claims/{link['claim']['id']}/verdicts", json=verdict).get_json()
    return {
        "article_id": first["article"]["id"],
        "claim_id": claim_id,
        "job_id": job.get_json()["job"]["id"],
        "feed_id": feed["feed"]["id"],
        "verdict_id": other["verdict"]["id"],
        "source_id": first["article"]["source_id"],
    }


def _fill(value: Any, ids: dict[str, int]) -> Any:
    """Replace a "{name}" value, alone or in a list, by that stored id."""
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    if isinstance(value, str) and value[1:-1] in ids:
        return ids[value[1:-1]]
    return value


def call(client, method: str, path: str, kwargs: dict[str, Any], ids: dict[str, int]):
    """Make one of the CALLS, with ids put in the path and in "{name}" values of the body."""
    if "json" in kwargs:
        body = {key: _fill(value, ids) for key, value in kwargs["json"].items()}
        kwargs = {**kwargs, "json": body}
    return getattr(client, method)(path.format(**ids), **kwargs)


@pytest.fixture
def doc(client) -> dict[str, Any]:
    """The document as served."""
    return client.get("/api/openapi.json").get_json()


def post(client, title: str, source: str, body: str) -> dict:
    """Import an article through the API."""
    response = client.post("/api/articles", json={"title": title, "source": source, "body": body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def openapi_path(rule: str) -> str:
    """Turn a Flask rule (`/api/claims/<id:claim_id>`) into an OpenAPI path."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def api_operations(app) -> set[tuple[str, str]]:
    """Return (OpenAPI path, method) for every rule of the API blueprint."""
    return {
        (openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def documented_operations(doc: dict) -> set[tuple[str, str]]:
    """Return (path, method) for every operation in the document."""
    return {(path, method) for path, item in doc["paths"].items() for method in item}


def query_params(doc: dict, path: str, method: str) -> dict[str, dict]:
    """Return an operation's query parameters by name."""
    params = doc["paths"][path][method].get("parameters", [])
    return {p["name"]: p for p in params if p["in"] == "query"}


def resolve(doc: dict, schema: dict) -> dict:
    """Follow a local $ref (a JSON pointer) until a schema without one."""
    while "$ref" in schema:
        node: Any = doc
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def refs(node: Any) -> list[str]:
    """Return every $ref in a document."""
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs(value)]
    return []


TYPES = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
    "object": dict,
    "array": list,
}


def formatted(value: str, form: str | None) -> bool:
    """Whether a string has its documented format (dates, and timestamps with a UTC offset)."""
    try:
        if form == "date":
            date.fromisoformat(value)
        if form == "date-time":
            return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False
    return True


def problems(value: Any, schema: dict, doc: dict, at: str = "$") -> list[str]:
    """Return where a JSON value breaks a schema, including keys the schema does not name.

    A small checker for the keywords this document uses; no JSON Schema library is installed.
    """
    schema = resolve(doc, schema)
    if "anyOf" in schema:
        found = [problems(value, option, doc, at) for option in schema["anyOf"]]
        return [] if [] in found else min(found, key=len)
    if "allOf" in schema:
        parts = [resolve(doc, part) for part in schema["allOf"]]
        merged = {"type": "object", "properties": {}, "required": []}
        for part in parts:
            merged["properties"] |= part["properties"]
            merged["required"] += part["required"]
        return problems(value, merged, doc, at)
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if kinds and not any(
        isinstance(value, TYPES[k]) and not (isinstance(value, bool) and k != "boolean")
        for k in kinds
    ):
        return [f"{at}: {value!r} is not {'/'.join(kinds)}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{at}: {value!r} is not one of {schema['enum']}"]
    if isinstance(value, str) and not formatted(value, schema.get("format")):
        return [f"{at}: {value!r} is not a {schema['format']}"]
    if isinstance(value, list) and "items" in schema:
        items = enumerate(value)
        return [p for i, item in items for p in problems(item, schema["items"], doc, f"{at}[{i}]")]
    if isinstance(value, dict) and "properties" in schema:
        found = [
            f"{at}.{key}: emitted but not documented"
            for key in value.keys() - set(schema["properties"])
        ]
        found += [
            f"{at}.{key}: documented as required but missing"
            for key in set(schema.get("required", [])) - value.keys()
        ]
        for key, sub in schema["properties"].items():
            if key in value:
                found += problems(value[key], sub, doc, f"{at}.{key}")
        return found
    return []


# --- shape -----------------------------------------------------------------------------------


def test_the_document_is_openapi_3_1(doc):
    assert doc == openapi_document()
    assert doc["openapi"] == "3.1.0"
    assert doc["info"]["title"] and doc["info"]["version"]
    assert {name for need in doc["security"] for name in need} == set(
        doc["components"]["securitySchemes"]
    )
    for path, item in doc["paths"].items():
        assert path.startswith("/api/") and set(item) <= METHODS, path
        in_path = set(re.findall(r"{(\w+)}", path))
        for method, operation in item.items():
            assert operation["summary"] and operation["responses"], (path, method)
            params = operation.get("parameters", [])
            names = [(p["name"], p["in"]) for p in params]
            assert len(names) == len(set(names)), f"{method} {path} repeats a parameter"
            assert {p["name"] for p in params if p["in"] == "path"} == in_path, (path, method)
            for param in params:
                assert param["in"] in ("query", "path") and "schema" in param
                assert param["required"] is True or param["in"] == "query"


def test_every_ref_resolves(doc):
    found = refs(doc)
    assert "#/components/schemas/ClaimStatus" in found
    for ref in found:
        assert ref.startswith("#/components/"), ref
        assert resolve(doc, {"$ref": ref}), ref


def test_every_api_route_is_documented_and_every_documented_one_exists(app, doc):
    assert ("/api/claims/{claim_id}/similar", "get") in api_operations(app)
    assert documented_operations(doc) == api_operations(app)


# --- query parameters ------------------------------------------------------------------------


def test_calls_cover_every_api_operation(app):
    assert {(path, method) for method, path, _ in CALLS} == api_operations(app)


def test_every_query_parameter_a_view_reads_is_documented(client, doc, ids, read):
    for method, path, kwargs in CALLS:
        read.clear()
        response = call(client, method, path, kwargs, ids)
        assert response.status_code < 300, (method, path, response.get_data(as_text=True))
        assert EVERY_KEY not in read, f"{method.upper()} {path} enumerates its query parameters"
        missing = read - set(query_params(doc, path, method))
        assert not missing, f"{method.upper()} {path} reads undocumented {sorted(missing)}"


def test_the_recorder_sees_what_filters_from_reads(client, ids, read):
    client.get("/api/claims")
    assert read == {"page", "per_page", "lang", *ClaimFilters.model_fields}


def test_the_shared_filters_are_documented_wherever_they_are_read(doc):
    names = [*ClaimFilters.model_fields, "lang"]
    assert "rating" in names
    for path in ("/api/claims", "/api/search"):
        assert set(names) <= set(query_params(doc, path, "get")), path


def violations(schema: dict) -> list[str]:
    """Values a query parameter's schema refuses."""
    bad = []
    if "enum" in schema:
        bad.append("no-such-value")
    if "maximum" in schema:
        bad.append(str(schema["maximum"] + 1))
    if "minimum" in schema:
        bad.append(str(schema["minimum"] - 1))
    if "maxLength" in schema:
        bad.append("x" * (schema["maxLength"] + 1))
    if schema.get("format") == "date":
        bad.append("2023-02-29")
    if schema.get("type") in ("integer", "number"):
        bad.append("many")
    if schema.get("type") == "integer":
        bad.append("1.5")
    if "pattern" in schema:
        bad.append(" ")
    return bad


def admissible(schema: dict) -> list[str]:
    """Values a query parameter's schema accepts, at its edges."""
    good = [str(v) for v in schema.get("enum", [])]
    good += [str(schema[edge]) for edge in ("minimum", "maximum") if edge in schema]
    if schema.get("format") == "date":
        good.append("2024-02-29")
    if "maxLength" in schema:
        good.append("x" * schema["maxLength"])
    return good


def test_documented_query_limits_are_the_enforced_ones(client, doc, ids, subtests):
    for path, item in doc["paths"].items():
        params = query_params(doc, path, "get") if "get" in item else {}
        base = {"q": "unemployment"} if "q" in params else {}
        for name, param in params.items():
            schema = resolve(doc, param["schema"])
            url = path.format(**ids)
            for value in violations(schema):
                with subtests.test(path=path, name=name, value=value):
                    response = client.get(url, query_string={**base, name: value})
                    assert response.status_code == 400, response.get_json()
            for value in admissible(schema):
                with subtests.test(path=path, name=name, value=value):
                    response = client.get(url, query_string={**base, name: value})
                    assert response.status_code == 200, response.get_json()


# --- schemas ---------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [ArticleIn, ArticleLink, VerdictIn, ClaimFilters])
def test_input_schemas_are_the_pydantic_ones(doc, model):
    schema = model.model_json_schema(ref_template=REF)
    for name, shared in schema.pop("$defs", {}).items():
        assert doc["components"]["schemas"][name] == shared
    assert doc["components"]["schemas"][model.__name__] == schema


def test_request_bodies_point_at_the_pydantic_schemas(doc):
    def body(path: str) -> dict:
        return doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]

    assert body("/api/articles") == {
        "oneOf": [
            {"$ref": "#/components/schemas/ArticleIn"},
            {"$ref": "#/components/schemas/ArticleLink"},
        ]
    }
    assert body("/api/claims/{claim_id}/verdicts") == {"$ref": "#/components/schemas/VerdictIn"}
    assert body("/api/imports")["properties"]["articles"]["items"] == body("/api/articles")
    schemas = doc["components"]["schemas"]
    assert set(schemas["ArticleIn"]["required"]) == {"title", "source", "body"}
    assert schemas["ArticleLink"]["required"] == ["url"]
    assert {"true", "false"} <= set(schemas["VerdictIn"]["properties"]["rating"]["enum"])


def test_responses_match_their_schemas(client, doc, ids):
    for method, path, kwargs in CALLS:
        response = call(client, method, path, kwargs, ids)
        documented = doc["paths"][path][method]["responses"][str(response.status_code)]
        if response.status_code == 204:
            assert "content" not in documented and not response.data
            continue
        schema = documented["content"]["application/json"]["schema"]
        assert problems(response.get_json(), schema, doc) == [], (method, path)


def test_a_refused_reuse_lists_the_differences_as_documented(client, doc, ids):
    path = "/api/claims/{claim_id}/verdicts/reuse"
    response = client.post(path.format(**ids), json={"verdict_id": ids["verdict_id"]})
    assert response.status_code == 409
    assert response.get_json()["differences"]
    schema = doc["paths"][path]["post"]["responses"]["409"]["content"]["application/json"]
    assert problems(response.get_json(), schema["schema"], doc) == []


def test_errors_match_the_error_schema(client, doc):
    response = client.get("/api/claims/999")
    documented = doc["paths"]["/api/claims/{claim_id}"]["get"]["responses"]["404"]
    schema = documented["content"]["application/json"]["schema"]
    assert problems(response.get_json(), schema, doc) == []
