"""Bad input gets a 4xx with a readable sentence (JSON for /api, a page for forms), never a
500, and stores nothing."""

from __future__ import annotations

import html
import io
import json
import re
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from claims.models import Article, Claim, ClaimLink, Source, Verdict

BODY = "\n\n".join(
    [
        "The government said unemployment fell to 7.2 percent in March, the lowest level "
        "since 2008.",
        "Finance minister Jane Doe claimed that exports rose by 12 percent last year.",
    ]
)
ARTICLE = {"title": "Economy update", "source": "Daily Ledger", "body": BODY}
VERDICT = {"rating": "false", "explanation": "Stats say 7.4 percent."}
HUGE_ID = 99_999_999_999_999_999_999


def counts(app) -> dict[str, int]:
    """Count the rows of every table input can create."""
    with Session(app.extensions["claims"].engine) as session:
        return {
            model.__name__: session.exec(select(sa.func.count()).select_from(model)).one()
            for model in (Source, Article, Claim, Verdict, ClaimLink)
        }


def json_error(response, status: int) -> str:
    """Assert a JSON error with this status and return its sentence."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert set(data) == {"error", "code"}
    assert re.fullmatch(r"[a-z]+(_[a-z]+)*", data["code"]), data
    message = data["error"]
    assert isinstance(message, str) and len(message) > 10
    assert message.rstrip().endswith("."), message
    assert "Traceback" not in message
    return message


def page_error(response, status: int) -> str:
    """Assert an HTML page with this status and return the error sentence it shows."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    match = re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', text, re.DOTALL)
    assert match, text[:1000]
    message = html.unescape(match.group(1)).strip()
    assert len(message) > 10 and "Traceback" not in text
    return message


def upload(client, files: list[tuple[bytes, str]], **fields):
    """POST the import form with files under `files`."""
    data = {**fields, "files": [(io.BytesIO(content), name) for content, name in files]}
    return client.post("/articles/new", data=data, content_type="multipart/form-data")


@pytest.fixture
def stored(client, app) -> dict:
    """One imported article; returns its API response plus the row counts after it."""
    response = client.post("/api/articles", json=ARTICLE)
    assert response.status_code == 201
    return {**response.get_json(), "counts": counts(app)}


@pytest.fixture
def claim_id(stored) -> int:
    """The id of a stored claim."""
    return stored["claims"][0]["id"]


# --- POST /api/articles ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "word"),
    [
        ("", "body"),
        ("   \n\t  \n ", "body"),
        ("<p> </p><div>\n</div>", "empty"),
        ("\x01\x02\x03", "body"),
    ],
    ids=["empty", "whitespace", "markup-only", "control-chars"],
)
def test_an_empty_body_is_refused(client, app, stored, body, word):
    message = json_error(client.post("/api/articles", json={**ARTICLE, "body": body}), 400)
    assert word in message.lower()
    assert counts(app) == stored["counts"]


def test_a_request_over_the_upload_limit_is_413(client, app, stored):
    big = {**ARTICLE, "body": "word " * (3 * 1024 * 1024 // 5)}
    payload = json.dumps(big)
    assert len(payload) > 3 * 1024 * 1024 - 100
    response = client.post("/api/articles", data=payload, content_type="application/json")
    message = json_error(response, 413)
    assert "2 MB" in message
    assert counts(app) == stored["counts"]


def test_a_body_over_max_body_chars_is_413(client, app, stored):
    app.config["MAX_BODY_CHARS"] = 1_000
    body = "The mayor said 300 homes were built in 2023. " * 40
    assert 1_000 < len(body) < 5_000
    response = client.post("/api/articles", json={**ARTICLE, "body": body})
    message = json_error(response, 413)
    assert "1,000" in message
    assert counts(app) == stored["counts"]


@pytest.mark.parametrize("payload", [[ARTICLE], "an article", 42, None], ids=repr)
def test_json_that_is_not_an_object_is_refused(client, app, stored, payload):
    response = client.post(
        "/api/articles", data=json.dumps(payload), content_type="application/json"
    )
    message = json_error(response, 400)
    assert "object" in message or "JSON" in message
    assert counts(app) == stored["counts"]


@pytest.mark.parametrize("field", ["title", "source", "body"])
def test_a_missing_required_field_is_named(client, app, stored, field):
    payload = {k: v for k, v in ARTICLE.items() if k != field}
    message = json_error(client.post("/api/articles", json=payload), 400)
    assert field in message
    assert counts(app) == stored["counts"]


@pytest.mark.parametrize("field", ["title", "source"])
def test_a_blank_title_or_source_is_refused(client, app, stored, field):
    payload = {**ARTICLE, field: "   ", "body": BODY + " New text."}
    message = json_error(client.post("/api/articles", json=payload), 400)
    assert field in message
    assert counts(app) == stored["counts"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", 123), ("body", ["a", "list"]), ("title", "x" * 501), ("source", "s" * 201)],
    ids=["title-int", "body-list", "title-too-long", "source-too-long"],
)
def test_wrongly_typed_or_oversized_fields_are_refused(client, app, stored, field, value):
    payload = {**ARTICLE, "body": BODY + " New text.", field: value}
    message = json_error(client.post("/api/articles", json=payload), 400)
    assert field in message
    assert counts(app) == stored["counts"]


def test_a_form_encoded_post_to_the_api_is_refused(client, app, stored):
    response = client.post("/api/articles", data={**ARTICLE, "body": BODY + " Other."})
    message = json_error(response, 400)
    assert "Content-Type: application/json" in message
    assert counts(app) == stored["counts"]


@pytest.mark.parametrize(
    "raw", [b"{not json", b'{"title": "x",}', b"", b'{"title": "caf\xe9"}'], ids=repr
)
def test_invalid_json_is_refused(client, app, stored, raw):
    response = client.post("/api/articles", data=raw, content_type="application/json")
    message = json_error(response, 400)
    assert "not valid JSON" in message
    assert counts(app) == stored["counts"]


@pytest.mark.parametrize(
    "url", ["not a url", "javascript:alert(1)", "ftp://files.example/a", "https://"]
)
def test_an_invalid_url_is_refused(client, app, stored, url):
    payload = {**ARTICLE, "url": url, "body": BODY + " Other."}
    message = json_error(client.post("/api/articles", json=payload), 400)
    assert "url" in message
    assert counts(app) == stored["counts"]


def test_an_invalid_date_is_refused(client, app, stored):
    payload = {**ARTICLE, "published_at": "yesterday", "body": BODY + " Other."}
    message = json_error(client.post("/api/articles", json=payload), 400)
    assert "published_at" in message
    assert counts(app) == stored["counts"]


def test_a_language_code_of_the_wrong_length_is_refused(client, app, stored):
    payload = {**ARTICLE, "language": "x", "body": BODY + " Other."}
    message = json_error(client.post("/api/articles", json=payload), 400)
    assert "language" in message
    assert counts(app) == stored["counts"]


@pytest.mark.parametrize("language", ["english", "e1", "fr!"])
def test_an_invalid_language_code_is_refused(client, app, stored, language):
    payload = {**ARTICLE, "language": language, "body": BODY + " Other."}
    message = json_error(client.post("/api/articles", json=payload), 400)
    assert "language" in message
    assert counts(app) == stored["counts"]


# --- the import form -------------------------------------------------------------------------


def assert_form_reshown(response, **kept):
    """Assert the import form is shown again, keeping the given field values."""
    text = response.get_data(as_text=True)
    assert '<form class="stack" method="post" enctype="multipart/form-data"' in text
    assert 'action="/articles/new"' in text
    assert 'type="file" name="files"' in text
    for name, value in kept.items():
        assert re.search(rf'<input name="{name}"[^>]*value="{re.escape(value)}"', text), name


def test_a_binary_upload_is_refused_with_the_form_reshown(client, app, stored):
    response = upload(client, [(b"MZ\x90\x00\x03\x00binary", "report.txt")], source="Wire")
    message = page_error(response, 400)
    assert message == "report.txt looks like a binary file; upload UTF-8 text, HTML or JSON."
    assert_form_reshown(response, source="Wire")
    assert counts(app) == stored["counts"]


def test_a_non_utf8_upload_is_refused_with_the_form_reshown(client, app, stored):
    response = upload(client, [(b"caf\xe9 au lait: the mayor said so.", "notes.txt")])
    message = page_error(response, 400)
    assert message == "notes.txt is not valid UTF-8 text; save it as UTF-8 and retry."
    assert_form_reshown(response)
    assert counts(app) == stored["counts"]


@pytest.mark.parametrize("name", ["virus.exe", "paper.pdf", "noextension"])
def test_an_unsupported_upload_extension_is_refused(client, app, stored, name):
    message = page_error(upload(client, [(b"The mayor said 300 homes were built.", name)]), 400)
    assert message.startswith(f"{name}: unsupported file type")
    assert ".txt" in message and ".jsonl" in message
    assert counts(app) == stored["counts"]


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"", "empty.txt", "empty.txt is empty."),
        (b"[1, 2]", "list.json", "list.json: record 1 is not a JSON object."),
        (b"[]", "none.json", "The uploaded files hold no articles."),
        (b'{"title": "t"}\n{bad', "lines.jsonl", "lines.jsonl: line 2 is not valid JSON."),
    ],
    ids=["empty", "json-scalars", "json-empty-list", "bad-jsonl"],
)
def test_unusable_uploads_are_refused(client, app, stored, content, name, expected):
    message = page_error(upload(client, [(content, name)], source="Wire"), 400)
    assert message == expected
    assert counts(app) == stored["counts"]


def test_a_json_upload_record_missing_fields_names_them(client, app, stored):
    response = upload(client, [(b'{"title": "Only a title"}', "a.json")])
    message = page_error(response, 400)
    assert message.startswith("a.json, record 1:")
    assert "source" in message and "body" in message
    assert counts(app) == stored["counts"]


def test_an_empty_form_is_refused_with_the_fields_named(client, app, stored):
    message = page_error(client.post("/articles/new", data={}), 400)
    assert "title" in message and "source" in message and "body" in message
    assert counts(app) == stored["counts"]


def test_a_whitespace_form_body_is_refused_and_the_input_kept(client, app, stored):
    response = client.post(
        "/articles/new", data={"title": "Kept title", "source": "Kept source", "body": "  \n "}
    )
    message = page_error(response, 400)
    assert "body" in message
    assert_form_reshown(response, title="Kept title", source="Kept source")
    assert counts(app) == stored["counts"]


def test_an_invalid_url_in_the_form_is_refused_and_the_input_kept(client, app, stored):
    response = client.post(
        "/articles/new",
        data={"title": "T", "source": "S", "url": "not a url", "body": BODY + " Other."},
    )
    message = page_error(response, 400)
    assert "url" in message and "not a url" in message
    assert 'value="not a url"' in response.get_data(as_text=True)
    assert counts(app) == stored["counts"]


def test_an_oversized_form_post_is_413(client, app, stored):
    data = {"title": "T", "source": "S", "body": "z" * (3 * 1024 * 1024)}
    response = client.post("/articles/new", data=data)
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "The upload is too large; the limit is 2 MB." in response.get_data(as_text=True)
    assert counts(app) == stored["counts"]


def test_a_form_body_over_max_body_chars_is_413_with_the_form_reshown(client, app, stored):
    app.config["MAX_BODY_CHARS"] = 500
    response = client.post(
        "/articles/new", data={"title": "T", "source": "S", "body": "The mayor spoke. " * 50}
    )
    message = page_error(response, 413)
    assert "the limit is 500" in message
    assert_form_reshown(response)
    assert counts(app) == stored["counts"]


def test_a_failing_file_in_a_multi_file_upload_stores_nothing(client, app, stored):
    app.config["MAX_BODY_CHARS"] = 300
    good = b"The mayor said 300 new homes were built in the city during 2022 and 2023."
    too_big = b"The mayor said " + b"many " * 200
    response = upload(client, [(good, "good.txt"), (too_big, "big.txt")], source="Wire")
    assert "the limit is 300" in page_error(response, 413)
    assert counts(app) == stored["counts"]
    # A body that is empty once cleaned fails late too, and must not leave good.txt behind.
    response = upload(client, [(good, "good.txt"), (b"\x01\x02", "ctl.txt")], source="Wire")
    assert "empty" in page_error(response, 400)
    assert counts(app) == stored["counts"]


# --- unknown ids -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/claims/999"),
        ("get", "/api/claims/999/similar"),
        ("get", "/api/claims/999/verdicts"),
        ("post", "/api/claims/999/verdicts"),
    ],
)
def test_an_unknown_claim_is_404_json(client, app, stored, method, path):
    response = getattr(client, method)(path, json=VERDICT if method == "post" else None)
    assert json_error(response, 404) == "There is no claim with id 999."
    assert counts(app) == stored["counts"]


def test_an_unknown_article_is_404_json(client, stored):
    assert json_error(client.get("/api/articles/999"), 404) == "There is no article with id 999."


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/claims/999", "There is no claim with id 999."),
        ("/articles/999", "There is no article with id 999."),
    ],
)
def test_an_unknown_id_is_a_404_page(client, stored, path, expected):
    assert page_error(client.get(path), 404) == expected


def test_a_verdict_form_for_an_unknown_claim_is_404(client, app, stored):
    response = client.post("/claims/999/verdicts", data=VERDICT)
    assert page_error(response, 404) == "There is no claim with id 999."
    assert counts(app) == stored["counts"]


def test_deciding_an_unknown_link_is_404(client, app, stored):
    response = client.post("/links/999", data={"state": "confirmed"})
    assert page_error(response, 404) == "There is no link with id 999."


@pytest.mark.parametrize(
    "path", [f"/api/claims/{HUGE_ID}", f"/api/articles/{HUGE_ID}", f"/claims/{HUGE_ID}"]
)
def test_an_id_beyond_64_bits_is_404_not_500(client, stored, path):
    assert client.get(path).status_code == 404


# --- verdicts --------------------------------------------------------------------------------


def assert_no_verdict(client, app, claim_id: int, before: dict) -> None:
    """Assert nothing was recorded and the claim is still unreviewed."""
    assert counts(app) == before
    assert client.get(f"/api/claims/{claim_id}/verdicts").get_json() == {"verdicts": []}
    claim = client.get(f"/api/claims/{claim_id}").get_json()["claim"]
    assert claim["status"] == "unreviewed" and claim["verdict"] is None


@pytest.mark.parametrize(
    ("change", "word"),
    [
        ({"rating": "pants-on-fire"}, "rating scale"),
        ({"rating": "TRUE"}, "rating scale"),
        ({"rating": 5}, "rating"),
        ({"rating": None}, "rating"),
        ({"explanation": ""}, "explanation"),
        ({"explanation": "   "}, "explanation"),
        ({"version": 0}, "version"),
        ({"version": "two"}, "version"),
        ({"evidence_urls": ["javascript:alert(1)"]}, "javascript:alert(1)"),
        ({"evidence_urls": ["https://ok.example", "not a url"]}, "not a url"),
        ({"evidence_urls": [1]}, "evidence_urls"),
    ],
    ids=lambda v: json.dumps(v) if isinstance(v, dict) else v,
)
def test_an_invalid_verdict_is_refused_by_the_api(client, app, stored, claim_id, change, word):
    response = client.post(f"/api/claims/{claim_id}/verdicts", json={**VERDICT, **change})
    message = json_error(response, 400)
    assert word in message
    assert_no_verdict(client, app, claim_id, stored["counts"])


@pytest.mark.parametrize("field", ["rating", "explanation"])
def test_a_verdict_missing_a_field_is_refused_by_the_api(client, app, stored, claim_id, field):
    payload = {k: v for k, v in VERDICT.items() if k != field}
    message = json_error(client.post(f"/api/claims/{claim_id}/verdicts", json=payload), 400)
    assert field in message
    assert_no_verdict(client, app, claim_id, stored["counts"])


@pytest.mark.parametrize("reviewer", [None, "", " \t", "Ana", "<b>Ana</b>", 42])
def test_a_reviewer_in_the_verdict_body_is_ignored(client, claim_id, reviewer):
    # The reviewer is always the signed-in account, never a name the client supplies.
    payload = VERDICT if reviewer is None else {**VERDICT, "reviewer": reviewer}
    response = client.post(f"/api/claims/{claim_id}/verdicts", json=payload)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["verdict"]["reviewer"] == "admin"
    verdicts = client.get(f"/api/claims/{claim_id}/verdicts").get_json()["verdicts"]
    assert [v["reviewer"] for v in verdicts] == ["admin"]


def test_a_verdict_that_is_not_a_json_object_is_refused(client, app, stored, claim_id):
    response = client.post(f"/api/claims/{claim_id}/verdicts", json=[VERDICT])
    assert "object" in json_error(response, 400)
    response = client.post(f"/api/claims/{claim_id}/verdicts", data=VERDICT)
    assert "application/json" in json_error(response, 400)
    assert_no_verdict(client, app, claim_id, stored["counts"])


@pytest.mark.parametrize(
    ("change", "word"),
    [
        ({"rating": "pants-on-fire"}, "rating scale"),
        ({"rating": ""}, "rating"),
        ({"explanation": "  "}, "explanation"),
        ({"version": "abc"}, "version"),
        ({"evidence_urls": "https://ok.example\njavascript:alert(1)"}, "javascript:alert(1)"),
    ],
    ids=["off-scale", "no-rating", "blank-explanation", "bad-version", "javascript-url"],
)
def test_an_invalid_verdict_form_is_refused_and_reshown(
    client, app, stored, claim_id, change, word
):
    form = {**VERDICT, "explanation": "Kept explanation text.", **change}
    response = client.post(f"/claims/{claim_id}/verdicts", data=form)
    message = page_error(response, 400)
    assert word in message
    text = response.get_data(as_text=True)
    assert f'action="/claims/{claim_id}/verdicts"' in text
    if "explanation" not in change:
        assert "Kept explanation text.</textarea>" in text
    assert "No verdict yet." in text
    assert_no_verdict(client, app, claim_id, stored["counts"])


@pytest.mark.parametrize("reviewer", ["", "Ana"], ids=["blank-reviewer", "other-reviewer"])
def test_a_reviewer_in_the_verdict_form_is_ignored(client, app, stored, claim_id, reviewer):
    form = {**VERDICT, "reviewer": reviewer}
    response = client.post(f"/claims/{claim_id}/verdicts", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    verdicts = client.get(f"/api/claims/{claim_id}/verdicts").get_json()["verdicts"]
    assert [v["reviewer"] for v in verdicts] == ["admin"]


# --- link decisions --------------------------------------------------------------------------


@pytest.fixture
def link_id(client, app, stored) -> int:
    """A suggested link between identical sentences in two sources."""
    body = "Officials held a press conference on Monday about the budget.\n\n" + BODY
    response = client.post("/api/articles", json={**ARTICLE, "source": "Other", "body": body})
    assert response.status_code == 201
    with Session(app.extensions["claims"].engine) as session:
        links = list(session.exec(select(ClaimLink)))
    assert links and all(link.state == "suggested" for link in links)
    return links[0].id


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"state": "maybe"}, "A link can only be confirmed or rejected."),
        ({"state": "suggested"}, "A link can only be confirmed or rejected."),
        ({"state": ""}, "A link can only be confirmed or rejected."),
        ({}, "A link can only be confirmed or rejected."),
    ],
    ids=["bogus-state", "suggested", "blank-state", "no-state"],
)
def test_an_invalid_link_decision_changes_nothing(client, app, link_id, form, expected):
    message = page_error(client.post(f"/links/{link_id}", data=form), 400)
    assert message.startswith(expected)
    with Session(app.extensions["claims"].engine) as session:
        link = session.get(ClaimLink, link_id)
    assert (link.state, link.decided_by, link.decided_at) == ("suggested", None, None)


@pytest.mark.parametrize("reviewer", [None, " ", "Ana"], ids=["no-reviewer", "blank", "other"])
def test_a_reviewer_in_a_link_decision_is_ignored(client, app, link_id, reviewer):
    form = (
        {"state": "confirmed"} if reviewer is None else {"state": "confirmed", "reviewer": reviewer}
    )
    assert client.post(f"/links/{link_id}", data=form).status_code == 302
    with Session(app.extensions["claims"].engine) as session:
        link = session.get(ClaimLink, link_id)
    assert (link.state, link.decided_by) == ("confirmed", "admin")
    assert link.decided_at is not None


# --- query parameters ------------------------------------------------------------------------

BAD_FILTERS = [
    ({"min_score": "2"}, "min_score"),
    ({"min_score": "-0.1"}, "min_score"),
    ({"min_score": "abc"}, "min_score"),
    ({"date_from": "notadate"}, "date_from"),
    ({"date_to": "2024-02-30"}, "date_to"),
    ({"status": "bogus"}, "status"),
    ({"language": "x" * 20}, "language"),
]
BAD_PAGES = [
    ({"page": "-1"}, "page"),
    ({"page": "0"}, "page"),
    ({"page": "abc"}, "page"),
    ({"per_page": "0"}, "per_page"),
    ({"per_page": "1000"}, "per_page"),
]
BAD_K = [({"k": "abc"}, "k must be"), ({"k": "0"}, "k must be"), ({"k": "101"}, "k must be")]


def bad_query_cases(claim_id: int, pages: bool) -> list[tuple[str, dict[str, str], str]]:
    """Return (path, params, word expected in the message) for the API or the pages."""
    search = {"q": "unemployment"}
    if not pages:
        return (
            [("/api/claims", p, w) for p, w in BAD_FILTERS + BAD_PAGES]
            + [("/api/articles", p, w) for p, w in BAD_PAGES]
            + [("/api/search", {**search, **p}, w) for p, w in BAD_FILTERS + BAD_K]
            + [(f"/api/claims/{claim_id}/similar", p, w) for p, w in BAD_K]
        )
    return (
        [("/claims", p, w) for p, w in BAD_FILTERS + BAD_PAGES]
        + [("/articles", p, w) for p, w in BAD_PAGES]
        + [("/search", {**search, **p}, w) for p, w in BAD_FILTERS + BAD_K]
        + [
            ("/export/verdicts.csv", p, w)
            for p, w in [*BAD_FILTERS, ({"rating": "bogus"}, "rating scale")]
        ]
    )


# One app for all the cases (subtests), since building an app per case is the slow part.
def test_bad_query_parameters_are_400_json(client, app, stored, claim_id, subtests):
    cases = bad_query_cases(claim_id, pages=False)
    assert len(cases) == 30
    for path, params, word in cases:
        with subtests.test(msg=f"{path}?{urlencode(params)}"):
            message = json_error(client.get(path, query_string=params), 400)
            assert word in message
    assert counts(app) == stored["counts"]


def test_bad_query_parameters_are_400_pages(client, stored, claim_id, subtests):
    cases = bad_query_cases(claim_id, pages=True)
    assert len(cases) == 35
    for path, params, word in cases:
        with subtests.test(msg=f"{path}?{urlencode(params)}"):
            message = page_error(client.get(path, query_string=params), 400)
            assert word in message


@pytest.mark.parametrize("query", ["", "   ", None], ids=["empty", "blank", "missing"])
def test_an_empty_search_is_400(client, stored, query):
    params = {} if query is None else {"q": query}
    message = json_error(client.get("/api/search", query_string=params), 400)
    assert message == "Type something to search for."


# --- methods and addresses -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", "/api/articles"),
        ("put", "/api/articles/1"),
        ("post", "/api/claims"),
        ("delete", "/api/claims/1"),
        ("post", "/api/claims/1/similar"),
        ("post", "/api/search"),
        ("post", "/api/openapi.json"),
    ],
)
def test_a_wrong_method_on_the_api_is_405_json(client, app, stored, method, path):
    message = json_error(getattr(client, method)(path), 405)
    assert message == "This address does not accept that kind of request."
    assert counts(app) == stored["counts"]


def test_a_wrong_method_on_a_page_is_a_405_page(client):
    response = client.delete("/articles/new")
    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert "This address does not accept that kind of request." in response.get_data(as_text=True)


def test_an_unknown_api_address_is_404_json(client):
    assert json_error(client.get("/api/nothing-here"), 404) == "There is nothing at this address."


# --- markup in input -------------------------------------------------------------------------

SCRIPT = '<script>alert("owned")</script>'


def test_a_script_tag_in_a_title_is_escaped_on_every_page(client, stored):
    response = client.post(
        "/api/articles",
        json={**ARTICLE, "title": f"{SCRIPT} Budget", "body": BODY + " The end was near."},
    )
    assert response.status_code == 201
    data = response.get_json()
    assert data["article"]["title"] == f"{SCRIPT} Budget"
    escaped = "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt; Budget"
    pages = [
        f"/articles/{data['article']['id']}",
        f"/claims/{data['claims'][0]['id']}",
        "/articles",
    ]
    for path in pages:
        text = client.get(path).get_data(as_text=True)
        assert "<script>" not in text, path
        assert escaped in text, path


def test_a_script_tag_in_a_verdict_is_escaped(client, claim_id):
    payload = {**VERDICT, "explanation": f"{SCRIPT} nope", "reviewer": "<b>Ana</b>"}
    assert client.post(f"/api/claims/{claim_id}/verdicts", json=payload).status_code == 201
    text = client.get(f"/claims/{claim_id}").get_data(as_text=True)
    assert "<script>" not in text and "&lt;script&gt;" in text
    # Markup in a supplied reviewer name never reaches the page: the account name is shown.
    assert "<b>Ana</b>" not in text and "&lt;b&gt;Ana&lt;/b&gt;" not in text
    assert "by <strong>admin</strong>" in text
