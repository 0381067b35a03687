"""Accounts and security: signing in and out, roles, API tokens, the user and token commands,
CSRF, security headers, cookies, templates without inline script, the sign-in rate limit and
the upload limit."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select
from werkzeug.security import check_password_hash

from claims import create_app
from claims.migrate import upgrade
from claims.models import ApiToken, Article, Claim, ClaimLink, LoginAttempt, User, Verdict, utcnow
from claims.web.auth import PUBLIC_ENDPOINTS
from tests.conftest import PASSWORDS, ROOT, HashingEmbedder, login, make_app

SHARED = "The defence ministry said North Korea fired two ballistic missiles on Wednesday."
HOUSING = "The mayor said 300 new homes were built in the city during 2023."
EXPORTS = "Finance minister Jane Doe claimed that exports rose by 12 percent last year."
ARTICLE = {"title": "Economy update", "source": "Daily Ledger", "body": f"{HOUSING}\n\n{EXPORTS}"}
VERDICT = {"rating": "false", "explanation": "Customs data show a fall."}
WRONG_LOGIN = "Wrong username or password, or the account is disabled."
CSRF_REFUSED = "This form has expired or did not come from this site."
OFF_SITE = [
    "//evil.com",
    "//evil.com/claims",
    "///evil.com",
    "https://evil.com",
    "http://evil.com/claims",
    "/\\evil.com",
    "\\\\evil.com",
    "/\t/evil.com",
    "/\n/evil.com",
    "javascript:alert(1)",
    "evil.com",
]


# --- helpers ---------------------------------------------------------------------------------


def text_of(response) -> str:
    """Return a response body as text."""
    return response.get_data(as_text=True)


def json_error(response, status: int) -> str:
    """Assert a JSON error with this status and return its sentence."""
    assert response.status_code == status, text_of(response)[:500]
    assert response.mimetype == "application/json"
    message = response.get_json()["error"]
    assert isinstance(message, str) and len(message) > 10 and message.endswith("."), message
    return message


def page_error(response, status: int) -> str:
    """Assert an HTML page with this status and return the error sentence it shows."""
    assert response.status_code == status, text_of(response)[:500]
    assert response.mimetype == "text/html"
    match = re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', text_of(response), re.S)
    assert match, text_of(response)[:1000]
    message = html.unescape(match.group(1)).strip()
    assert len(message) > 10 and "Traceback" not in text_of(response)
    return message


def sign_in(client, username: str, password: str, address: str = "127.0.0.1", **fields):
    """POST the sign-in form (with extra form fields), from a client address."""
    return client.post(
        "/login",
        data={"username": username, "password": password, **fields},
        environ_overrides={"REMOTE_ADDR": address},
    )


def signed_in_as(client) -> str | None:
    """Return who the client is signed in as, from the header of the queue page (None if not)."""
    response = client.get("/claims")
    if response.status_code == 302:
        assert urlparse(response.headers["Location"]).path == "/login"
        return None
    assert response.status_code == 200
    match = re.search(r'title="API tokens">([\w.-]+) \((\w+)\)</a>', text_of(response))
    assert match, text_of(response)[:1000]
    return match.group(1)


def db(app) -> Session:
    """Open a session on the app's database."""
    return Session(app.extensions["claims"].engine, expire_on_commit=False)


def user_row(app, username: str) -> User:
    """Read a user from the database."""
    with db(app) as session:
        user = session.exec(select(User).where(User.username == username)).one()
    return user


def count(app, model) -> int:
    """Count the rows of a table."""
    with db(app) as session:
        return session.exec(select(sa.func.count()).select_from(model)).one()


def bearer(secret: str) -> dict[str, str]:
    """The header that authenticates an API call with a token."""
    return {"Authorization": f"Bearer {secret}"}


def cli_token(app, username: str, *args: str) -> str:
    """Create a token with `flask claims tokens create` and return the printed secret."""
    result = app.test_cli_runner().invoke(args=["claims", "tokens", "create", username, *args])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert re.fullmatch(r"ct_[\w-]{40,}", secret), result.output
    return secret


def token_row(app, secret_prefix: str) -> ApiToken:
    """Find a token by the first characters of its secret."""
    with db(app) as session:
        return session.exec(select(ApiToken).where(ApiToken.prefix == secret_prefix[:10])).one()


def meta_csrf(client, path: str = "/login") -> str:
    """Return the CSRF token a page carries in `<meta name="csrf-token">`."""
    response = client.get(path)
    assert response.status_code == 200, text_of(response)[:500]
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', text_of(response))
    assert match, text_of(response)[:500]
    return match.group(1)


def csrf_login(client, username: str):
    """Sign in through the real form, CSRF token included."""
    token = meta_csrf(client, "/login")
    response = sign_in(client, username, PASSWORDS[username], csrf_token=token)
    assert response.status_code == 302, text_of(response)[:500]
    return client


def set_cookies(response) -> dict[str, str]:
    """Return the Set-Cookie headers of a response by cookie name."""
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


@pytest.fixture
def corpus(client, app) -> dict:
    """Two articles from two sources sharing one sentence, so a link is suggested."""
    first = client.post("/api/articles", json={**ARTICLE, "body": f"{SHARED}\n\n{HOUSING}"})
    second = client.post(
        "/api/articles",
        json={
            "title": "Missiles",
            "source": "Beta Wire",
            "body": f"Officials gave a press conference on Monday about budgets.\n\n{SHARED}",
        },
    )
    assert first.status_code == second.status_code == 201
    first, second = first.get_json(), second.get_json()
    with db(app) as session:
        links = list(session.exec(select(ClaimLink)))
    assert len(links) == 1 and links[0].state == "suggested"
    return {
        "first": first,
        "second": second,
        "claim": first["claims"][0]["id"],
        "link": links[0].id,
    }


@pytest.fixture
def csrf_app(tmp_path):
    """An app with CSRF protection on, as in production."""
    app = make_app(tmp_path, HashingEmbedder(), WTF_CSRF_ENABLED=True)
    assert app.config["WTF_CSRF_ENABLED"] is True
    return app


# --- signing in and out ----------------------------------------------------------------------


@pytest.mark.parametrize("username", ["admin", "reviewer", "viewer", "  Reviewer "])
def test_signing_in_redirects_to_the_queue_as_that_user(anonymous, username):
    name = username.strip().lower()
    response = sign_in(anonymous, username, PASSWORDS[name])
    assert response.status_code == 302
    assert response.headers["Location"] == "/claims"
    page = text_of(anonymous.get("/claims"))
    assert f"Signed in as {name} ({name})." in page
    assert signed_in_as(anonymous) == name


def test_the_sign_in_page_is_public_and_has_the_form(anonymous):
    response = anonymous.get("/login")
    assert response.status_code == 200
    page = text_of(response)
    assert '<form class="stack narrow" method="post" action="/login">' in page
    assert '<input name="username"' in page and 'name="password" type="password"' in page
    assert 'name="csrf_token"' in page


def test_a_wrong_password_is_refused_with_a_readable_message(anonymous):
    response = sign_in(anonymous, "reviewer", "not-the-password")
    assert page_error(response, 401) == WRONG_LOGIN
    page = text_of(response)
    assert 'value="reviewer"' in page  # the username is kept
    assert "not-the-password" not in page  # the password is not echoed
    assert signed_in_as(anonymous) is None


def test_an_unknown_user_gets_the_same_message(anonymous):
    assert page_error(sign_in(anonymous, "nobody", "whatever-password"), 401) == WRONG_LOGIN
    assert signed_in_as(anonymous) is None


def test_an_empty_form_is_refused(anonymous):
    assert page_error(anonymous.post("/login", data={}), 401) == WRONG_LOGIN
    assert signed_in_as(anonymous) is None


def test_a_disabled_user_cannot_sign_in(client, app, anonymous):
    viewer_id = user_row(app, "viewer").id
    disabled = client.post(f"/admin/users/{viewer_id}", data={"action": "disable"})
    assert disabled.status_code == 302
    assert user_row(app, "viewer").active is False
    assert page_error(sign_in(anonymous, "viewer", PASSWORDS["viewer"]), 401) == WRONG_LOGIN
    assert signed_in_as(anonymous) is None
    # Enabled again, the same password works.
    assert client.post(f"/admin/users/{viewer_id}", data={"action": "enable"}).status_code == 302
    assert sign_in(anonymous, "viewer", PASSWORDS["viewer"]).status_code == 302
    assert signed_in_as(anonymous) == "viewer"


def test_logout_is_post_only(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert signed_in_as(client) == "admin"
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "Signed out." in text_of(client.get("/login"))
    assert signed_in_as(client) is None
    assert json_error(client.get("/api/claims"), 401)


# --- anonymous visitors ----------------------------------------------------------------------


def rule_cases(app, api: bool) -> list[tuple[str, str, str]]:
    """Return (endpoint, method, url) for every route of the app (or of the API), ids = 1."""
    adapter = app.url_map.bind("localhost")
    cases = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.rule.startswith("/api/") != api:
            continue
        url = adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, 1))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            cases.append((rule.endpoint, method, url))
    return cases


def test_every_page_sends_anonymous_visitors_to_sign_in(app, anonymous, subtests):
    cases = rule_cases(app, api=False)
    endpoints = {endpoint for endpoint, _, _ in cases}
    assert {"queue.index", "queue.show", "admin.users", "admin.tokens", "auth.logout"} <= endpoints
    assert {"articles.create", "queue.add_verdict", "queue.decide", "export.verdicts_csv"} <= (
        endpoints
    )
    for endpoint, method, url in cases:
        with subtests.test(msg=f"{method} {url} ({endpoint})"):
            response = anonymous.open(url, method=method)
            assert response.status_code == 302, text_of(response)[:300]
            location = urlparse(response.headers["Location"])
            assert location.path == "/login" and not location.netloc
            if method == "GET":
                assert parse_qs(location.query)["next"] == [url]


def test_the_next_address_keeps_the_query_and_is_followed_after_sign_in(anonymous):
    response = anonymous.get("/claims?status=published&page=1")
    assert response.status_code == 302
    target = parse_qs(urlparse(response.headers["Location"]).query)["next"][0]
    assert target == "/claims?status=published&page=1"
    form = text_of(anonymous.get(response.headers["Location"]))
    assert f'name="next" value="{html.escape(target)}"' in form
    signed = sign_in(anonymous, "viewer", PASSWORDS["viewer"], next=target)
    assert signed.status_code == 302
    assert signed.headers["Location"] == target


def test_a_failed_sign_in_keeps_the_next_address(anonymous):
    target = "/claims?status=published"
    response = sign_in(anonymous, "viewer", "not-the-password", next=target)
    assert response.status_code == 401
    assert f'name="next" value="{html.escape(target)}"' in text_of(response)


def test_signing_in_after_a_refused_form_post_lands_on_a_page(anonymous, client, corpus):
    claim = corpus["claim"]
    response = anonymous.post(f"/claims/{claim}/verdicts", data=VERDICT)
    assert response.status_code == 302
    target = parse_qs(urlparse(response.headers["Location"]).query).get("next", ["/claims"])[0]
    signed = sign_in(anonymous, "reviewer", PASSWORDS["reviewer"], next=target)
    assert signed.status_code == 302
    assert anonymous.get(signed.headers["Location"]).status_code == 200


@pytest.mark.parametrize("target", OFF_SITE, ids=repr)
def test_the_next_address_never_leaves_the_site(anonymous, target):
    response = sign_in(anonymous, "viewer", PASSWORDS["viewer"], next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/claims"
    assert signed_in_as(anonymous) == "viewer"


@pytest.mark.parametrize("target", OFF_SITE, ids=repr)
def test_a_form_next_field_never_leaves_the_site(client, corpus, target):
    response = client.post(
        f"/claims/{corpus['claim']}/comments", data={"body": "Looks odd.", "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/claims/{corpus['claim']}"


def test_every_api_route_answers_anonymous_callers_401_json(app, anonymous, subtests):
    cases = rule_cases(app, api=True)
    methods = {method for _, method, _ in cases}
    assert {"GET", "POST", "DELETE"} <= methods
    for endpoint, method, url in cases:
        with subtests.test(msg=f"{method} {url} ({endpoint})"):
            response = anonymous.open(url, method=method, json=ARTICLE)
            message = json_error(response, 401)
            assert "Sign in" in message and "Bearer" in message


def test_anonymous_writes_change_nothing(app, anonymous, corpus):
    before = (count(app, Article), count(app, Verdict))
    assert anonymous.post("/api/articles", json={**ARTICLE, "title": "New"}).status_code == 401
    verdict = anonymous.post(f"/api/claims/{corpus['claim']}/verdicts", json=VERDICT)
    assert verdict.status_code == 401
    article_id = corpus["first"]["article"]["id"]
    assert anonymous.delete(f"/api/articles/{article_id}").status_code == 401
    assert anonymous.post("/articles/new", data={**ARTICLE, "body": SHARED}).status_code == 302
    assert (count(app, Article), count(app, Verdict)) == before


# --- roles -----------------------------------------------------------------------------------


def test_a_viewer_may_read_search_and_export(viewer, corpus, subtests):
    claim, article = corpus["claim"], corpus["first"]["article"]["id"]
    for path in [
        "/claims",
        f"/claims/{claim}",
        "/articles",
        f"/articles/{article}",
        "/search?q=missiles",
        "/export",
        "/export/verdicts.csv",
        "/account/tokens",
        "/api/articles",
        f"/api/articles/{article}",
        "/api/claims",
        f"/api/claims/{claim}",
        f"/api/claims/{claim}/similar",
        f"/api/claims/{claim}/verdicts",
        "/api/search?q=missiles",
        "/api/openapi.json",
    ]:
        with subtests.test(msg=path):
            assert viewer.get(path).status_code == 200
    results = viewer.get("/api/search?q=ballistic+missiles").get_json()["results"]
    assert results and results[0]["claim"]["text"] == SHARED


def test_a_viewer_is_not_offered_the_write_forms(viewer, corpus):
    page = text_of(viewer.get(f"/claims/{corpus['claim']}"))
    assert f'action="/claims/{corpus["claim"]}/verdicts"' not in page
    assert f'action="/links/{corpus["link"]}"' not in page
    assert 'href="/articles/new"' not in page and 'href="/admin/users"' not in page


def test_a_viewer_cannot_write_through_the_api(app, viewer, corpus):
    before = (count(app, Article), count(app, Verdict))
    message = json_error(viewer.post("/api/articles", json={**ARTICLE, "title": "New"}), 403)
    assert message == "This needs the reviewer role; you are signed in as a viewer."
    response = viewer.post(f"/api/claims/{corpus['claim']}/verdicts", json=VERDICT)
    assert "reviewer role" in json_error(response, 403)
    response = viewer.delete(f"/api/articles/{corpus['first']['article']['id']}")
    assert "admin role" in json_error(response, 403)
    assert (count(app, Article), count(app, Verdict)) == before


def test_a_viewer_cannot_use_the_write_forms(app, viewer, corpus):
    before = (count(app, Article), count(app, Verdict))
    claim = corpus["claim"]
    assert "reviewer role" in page_error(viewer.get("/articles/new"), 403)
    response = viewer.post("/articles/new", data={**ARTICLE, "title": "New", "body": HOUSING})
    assert "reviewer role" in page_error(response, 403)
    response = viewer.post(f"/claims/{claim}/verdicts", data=VERDICT)
    assert "reviewer role" in page_error(response, 403)
    response = viewer.post(f"/links/{corpus['link']}", data={"state": "confirmed"})
    assert "reviewer role" in page_error(response, 403)
    assert page_error(viewer.get("/admin/users"), 403)
    assert (count(app, Article), count(app, Verdict)) == before
    with db(app) as session:
        assert session.get(ClaimLink, corpus["link"]).state == "suggested"


def test_a_reviewer_may_import_record_verdicts_and_decide_links(app, reviewer, corpus):
    assert reviewer.get("/articles/new").status_code == 200
    imported = reviewer.post("/articles/new", data={**ARTICLE, "title": "Form", "body": EXPORTS})
    assert imported.status_code == 302
    api = reviewer.post("/api/articles", json={**ARTICLE, "title": "API", "body": HOUSING})
    assert api.status_code == 201
    claim = corpus["claim"]
    response = reviewer.post(f"/api/claims/{claim}/verdicts", json=VERDICT)
    assert response.status_code == 201
    assert response.get_json()["verdict"]["reviewer"] == "reviewer"
    form = reviewer.post(f"/claims/{claim}/verdicts", data={**VERDICT, "rating": "true"})
    assert form.status_code == 302
    decided = reviewer.post(f"/links/{corpus['link']}", data={"state": "rejected"})
    assert decided.status_code == 302
    with db(app) as session:
        link = session.get(ClaimLink, corpus["link"])
        reviewers = session.exec(select(Verdict.reviewer).where(Verdict.claim_id == claim)).all()
    assert (link.state, link.decided_by) == ("rejected", "reviewer")
    assert reviewers == ["reviewer", "reviewer"]
    assert count(app, Article) == 4


def test_a_reviewer_cannot_manage_users_or_delete_articles(app, reviewer, corpus):
    assert "admin role" in page_error(reviewer.get("/admin/users"), 403)
    assert page_error(reviewer.get("/admin/audit"), 403)
    response = reviewer.post(
        "/admin/users", data={"username": "mallory", "password": "long-password-1", "role": "admin"}
    )
    assert "admin role" in page_error(response, 403)
    viewer_id = user_row(app, "viewer").id
    response = reviewer.post(f"/admin/users/{viewer_id}", data={"role": "admin"})
    assert page_error(response, 403)
    article_id = corpus["first"]["article"]["id"]
    message = json_error(reviewer.delete(f"/api/articles/{article_id}"), 403)
    assert message == "This needs the admin role; you are signed in as a reviewer."
    assert reviewer.get(f"/api/articles/{article_id}").status_code == 200
    assert count(app, User) == 3 and user_row(app, "viewer").role == "viewer"


# --- administration --------------------------------------------------------------------------


def test_an_admin_creates_a_user_who_can_then_sign_in(client, app, anonymous):
    page = text_of(client.get("/admin/users"))
    assert '<form class="stack narrow" method="post" action="/admin/users">' in page
    for name in ("admin", "reviewer", "viewer"):
        assert f"<td>{name}</td>" in page
    response = client.post(
        "/admin/users",
        data={"username": "Carol", "password": "carol-password-1", "role": "reviewer"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    assert "Created carol (reviewer)." in text_of(client.get("/admin/users"))
    carol = user_row(app, "carol")
    assert (carol.role, carol.active) == ("reviewer", True)
    assert sign_in(anonymous, "carol", "carol-password-1").status_code == 302
    assert signed_in_as(anonymous) == "carol"
    assert anonymous.post("/api/articles", json=ARTICLE).status_code == 201


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"username": "dave", "password": "short", "role": "viewer"}, "at least 10 characters"),
        ({"username": "reviewer", "password": "long-password-1", "role": "viewer"}, "taken"),
        ({"username": "x", "password": "long-password-1", "role": "viewer"}, "username"),
        ({"username": "bad name!", "password": "long-password-1", "role": "viewer"}, "username"),
        ({"username": "dave", "password": "long-password-1", "role": "owner"}, "role must be"),
    ],
    ids=["short-password", "taken", "short-name", "bad-chars", "bad-role"],
)
def test_an_invalid_new_user_is_refused_with_the_form_reshown(client, app, form, expected):
    response = client.post("/admin/users", data=form)
    assert expected in page_error(response, 400)
    assert 'action="/admin/users"' in text_of(response)
    assert count(app, User) == 3


def test_a_role_change_applies_to_the_users_open_session(client, app, viewer):
    assert viewer.post("/api/articles", json=ARTICLE).status_code == 403
    viewer_id = user_row(app, "viewer").id
    response = client.post(f"/admin/users/{viewer_id}", data={"role": "reviewer", "action": "role"})
    assert response.status_code == 302
    assert user_row(app, "viewer").role == "reviewer"
    assert viewer.post("/api/articles", json=ARTICLE).status_code == 201
    client.post(f"/admin/users/{viewer_id}", data={"role": "viewer", "action": "role"})
    assert viewer.post(
        "/api/articles", json={**ARTICLE, "title": "x", "body": SHARED}
    ).status_code == (403)


def test_disabling_a_user_ends_their_session_and_tokens(client, app, viewer):
    secret = cli_token(app, "viewer")
    assert viewer.get("/claims").status_code == 200
    assert client.get("/api/claims", headers=bearer(secret)).status_code == 200
    token_client = app.test_client()
    assert token_client.get("/api/claims", headers=bearer(secret)).status_code == 200

    viewer_id = user_row(app, "viewer").id
    assert client.post(f"/admin/users/{viewer_id}", data={"action": "disable"}).status_code == 302
    assert user_row(app, "viewer").active is False
    assert "viewer" in text_of(client.get("/admin/users")) and "disabled" in text_of(
        client.get("/admin/users")
    )

    response = viewer.get("/claims")
    assert response.status_code == 302
    assert urlparse(response.headers["Location"]).path == "/login"
    json_error(viewer.get("/api/claims"), 401)
    json_error(token_client.get("/api/claims", headers=bearer(secret)), 401)
    assert page_error(sign_in(app.test_client(), "viewer", PASSWORDS["viewer"]), 401)


def test_an_admin_cannot_disable_themselves(client, app):
    admin_id = user_row(app, "admin").id
    response = client.post(f"/admin/users/{admin_id}", data={"action": "disable"})
    assert page_error(response, 400) == "You cannot disable your own account."
    assert user_row(app, "admin").active is True
    assert signed_in_as(client) == "admin"


def test_an_admin_deletes_an_article_and_its_claims_leave_search_and_the_index(
    client, app, corpus, tmp_path
):
    gone = corpus["second"]
    gone_ids = {c["id"] for c in gone["claims"]}
    kept_ids = {c["id"] for c in corpus["first"]["claims"]}
    found = client.get("/api/search", query_string={"q": SHARED, "k": 100}).get_json()["results"]
    assert gone_ids & {r["claim"]["id"] for r in found}
    index = app.extensions["claims"].index
    assert gone_ids <= set(index.dense.ids())

    response = client.delete(f"/api/articles/{gone['article']['id']}")
    assert response.status_code == 204 and response.get_data() == b""

    assert json_error(client.get(f"/api/articles/{gone['article']['id']}"), 404)
    for claim_id in gone_ids:
        assert json_error(client.get(f"/api/claims/{claim_id}"), 404)
    found = client.get("/api/search", query_string={"q": SHARED, "k": 100}).get_json()["results"]
    found_ids = {r["claim"]["id"] for r in found}
    assert found_ids and not gone_ids & found_ids
    assert found[0]["claim"]["text"] == SHARED and found[0]["claim"]["id"] in kept_ids
    assert not gone_ids & set(index.dense.ids())
    assert kept_ids <= set(index.dense.ids())
    with db(app) as session:
        assert not session.exec(select(Claim).where(Claim.id.in_(gone_ids))).all()
        assert not session.exec(select(ClaimLink)).all()
    # Another process, loading the saved index, does not see them either.
    other = make_app(tmp_path, HashingEmbedder()).test_client()
    login(other)
    found = other.get("/api/search", query_string={"q": SHARED, "k": 100}).get_json()["results"]
    assert found and not gone_ids & {r["claim"]["id"] for r in found}


def test_passwords_are_stored_hashed(app, tmp_path):
    with db(app) as session:
        users = list(session.exec(select(User)))
    assert {u.username for u in users} == set(PASSWORDS)
    for user in users:
        password = PASSWORDS[user.username]
        assert password not in user.password_hash
        assert re.match(r"(scrypt|pbkdf2):", user.password_hash), user.password_hash
        assert check_password_hash(user.password_hash, password)
        assert not check_password_hash(user.password_hash, password + "x")
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("test.db*"))
    assert raw and not any(p.encode() in raw for p in PASSWORDS.values())


# --- API tokens ------------------------------------------------------------------------------


def test_a_token_created_in_the_ui_is_shown_once_and_works(app, reviewer, anonymous, corpus):
    response = reviewer.post("/account/tokens", data={"name": "newsroom importer"})
    assert response.status_code == 200
    page = text_of(response)
    match = re.search(r'<code id="new-token">(ct_[\w-]+)</code>', page)
    assert match, page[:2000]
    secret = match.group(1)
    assert "newsroom importer" in page and "it will not be shown again" in page
    listing = text_of(reviewer.get("/account/tokens"))
    assert "newsroom importer" in listing and secret[:10] in listing
    assert secret not in listing
    row = token_row(app, secret)
    assert secret not in (row.token_hash, row.prefix) and row.prefix == secret[:10]

    created = anonymous.post("/api/articles", json=ARTICLE, headers=bearer(secret))
    assert created.status_code == 201, created.get_json()
    verdict = anonymous.post(
        f"/api/claims/{corpus['claim']}/verdicts",
        json={**VERDICT, "reviewer": "admin"},
        headers=bearer(secret),
    )
    assert verdict.status_code == 201
    assert verdict.get_json()["verdict"]["reviewer"] == "reviewer"  # the token's owner
    assert token_row(app, secret).last_used_at is not None


def test_a_token_created_by_the_cli_works(app, anonymous):
    secret = cli_token(app, "reviewer", "--name", "nightly import")
    row = token_row(app, secret)
    assert (row.name, row.expires_at) == ("nightly import", None)
    assert user_row(app, "reviewer").id == row.user_id
    response = anonymous.post("/api/articles", json=ARTICLE, headers=bearer(secret))
    assert response.status_code == 201
    assert anonymous.get("/api/articles", headers=bearer(secret)).get_json()["total"] == 1
    # The token authenticates only the call that carries it.
    assert json_error(anonymous.get("/api/articles"), 401)


def test_the_token_command_refuses_an_unknown_user(app):
    result = app.test_cli_runner().invoke(args=["claims", "tokens", "create", "nobody"])
    assert result.exit_code != 0
    assert "There is no user 'nobody'." in result.output
    assert count(app, ApiToken) == 0


def test_a_token_keeps_its_owners_role(app, anonymous, corpus):
    secret = cli_token(app, "viewer")
    assert anonymous.get("/api/claims", headers=bearer(secret)).status_code == 200
    response = anonymous.post("/api/articles", json=ARTICLE, headers=bearer(secret))
    assert "you are signed in as a viewer" in json_error(response, 403)
    admin = cli_token(app, "admin")
    response = anonymous.delete(
        f"/api/articles/{corpus['first']['article']['id']}", headers=bearer(admin)
    )
    assert response.status_code == 204


def test_a_revoked_token_gets_401(app, reviewer, anonymous):
    secret = cli_token(app, "reviewer")
    assert anonymous.get("/api/claims", headers=bearer(secret)).status_code == 200
    token_id = token_row(app, secret).id
    response = reviewer.post(f"/account/tokens/{token_id}/revoke")
    assert response.status_code == 302
    assert token_row(app, secret).revoked_at is not None
    assert "revoked" in text_of(reviewer.get("/account/tokens"))
    json_error(anonymous.get("/api/claims", headers=bearer(secret)), 401)
    json_error(anonymous.post("/api/articles", json=ARTICLE, headers=bearer(secret)), 401)


def test_an_expired_token_gets_401(app, anonymous):
    secret = cli_token(app, "reviewer", "--days", "1")
    row = token_row(app, secret)
    assert row.expires_at is not None and row.expires_at > utcnow()
    assert anonymous.get("/api/claims", headers=bearer(secret)).status_code == 200
    with db(app) as session:
        token = session.get(ApiToken, row.id)
        token.expires_at = utcnow() - timedelta(seconds=1)
        session.add(token)
        session.commit()
    json_error(anonymous.get("/api/claims", headers=bearer(secret)), 401)
    json_error(anonymous.post("/api/articles", json=ARTICLE, headers=bearer(secret)), 401)
    assert count(app, Article) == 0


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer ct_not-a-real-token",
        "Basic dXNlcjpyZXZpZXdlci1wYXNzd29yZC0xMjM=",
        "Token {secret}",
        "{secret}",
        "Bearer {secret} extra",
        "Bearer {secret}x",
        "Bearer{secret}",
    ],
)
def test_a_malformed_authorization_header_gets_401(app, anonymous, header):
    secret = cli_token(app, "reviewer")
    assert anonymous.get("/api/claims", headers=bearer(secret)).status_code == 200
    headers = {"Authorization": header.format(secret=secret)}
    json_error(anonymous.get("/api/claims", headers=headers), 401)
    json_error(anonymous.post("/api/articles", json=ARTICLE, headers=headers), 401)
    assert count(app, Article) == 0


def test_a_user_cannot_revoke_another_users_token_but_an_admin_can(
    app, client, viewer, reviewer, anonymous
):
    secret = cli_token(app, "reviewer")
    token_id = token_row(app, secret).id
    response = viewer.post(f"/account/tokens/{token_id}/revoke")
    assert page_error(response, 404) == f"There is no token with id {token_id}."
    assert token_row(app, secret).revoked_at is None
    assert anonymous.get("/api/claims", headers=bearer(secret)).status_code == 200
    # Nor see it.
    assert secret[:10] not in text_of(viewer.get("/account/tokens"))
    assert secret[:10] in text_of(reviewer.get("/account/tokens"))

    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    assert token_row(app, secret).revoked_at is not None
    json_error(anonymous.get("/api/claims", headers=bearer(secret)), 401)


# --- user commands ---------------------------------------------------------------------------


@pytest.fixture
def bare_app(tmp_path, monkeypatch):
    """An app on a migrated database with no accounts at all, and no password variables."""
    for name in ("CLAIMS_ADMIN_PASSWORD", "CLAIMS_NEW_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'bare.db'}"
    upgrade(url)
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "WTF_CSRF_ENABLED": False,
            "DATABASE_URL": url,
            "CLAIMS_INDEX_PATH": str(tmp_path / "bare.faiss"),
            "CLAIMS_EMBEDDER": HashingEmbedder(),
            "CLAIMS_LOCALE": "en",
        }
    )


def test_users_create_makes_an_account_with_that_role(app, runner, anonymous, monkeypatch):
    monkeypatch.delenv("CLAIMS_NEW_PASSWORD", raising=False)
    result = runner.invoke(
        args=[
            "claims",
            "users",
            "create",
            "erin",
            "--role",
            "reviewer",
            "--password",
            "erin-pw-12345",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created erin (reviewer)." in result.output
    assert "erin-pw-12345" not in result.output
    assert user_row(app, "erin").role == "reviewer"
    assert sign_in(anonymous, "erin", "erin-pw-12345").status_code == 302
    assert signed_in_as(anonymous) == "erin"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["reviewer", "--password", "long-password-1"], "taken"),
        (["frank", "--password", "short"], "at least 10 characters"),
        (["frank", "--role", "owner", "--password", "long-password-1"], "owner"),
    ],
    ids=["taken", "short-password", "bad-role"],
)
def test_users_create_refuses_bad_input(app, runner, monkeypatch, args, expected):
    monkeypatch.delenv("CLAIMS_NEW_PASSWORD", raising=False)
    result = runner.invoke(args=["claims", "users", "create", *args])
    assert result.exit_code != 0
    assert expected in result.output
    assert count(app, User) == 3


def test_ensure_admin_prints_a_generated_password_once(bare_app):
    runner = bare_app.test_cli_runner()
    first = runner.invoke(args=["claims", "users", "ensure-admin"])
    assert first.exit_code == 0, first.output
    match = re.search(
        r"Created admin 'admin' with password: (\S+)  \(shown only once\)", first.output
    )
    assert match, first.output
    password = match.group(1)
    assert len(password) >= 12
    client = bare_app.test_client()
    assert sign_in(client, "admin", password).status_code == 302
    assert signed_in_as(client) == "admin"
    assert user_row(bare_app, "admin").role == "admin"

    again = runner.invoke(args=["claims", "users", "ensure-admin"])
    assert again.exit_code == 0, again.output
    assert "Admin account 'admin' exists" in again.output
    assert password not in again.output and "password:" not in again.output
    assert count(bare_app, User) == 1


def test_ensure_admin_takes_the_password_from_the_environment(bare_app, monkeypatch):
    monkeypatch.setenv("CLAIMS_ADMIN_PASSWORD", "from-the-environment-1")
    runner = bare_app.test_cli_runner()
    result = runner.invoke(args=["claims", "users", "ensure-admin", "--username", "boss"])
    assert result.exit_code == 0, result.output
    assert "Created admin 'boss' with the password from $CLAIMS_ADMIN_PASSWORD." in result.output
    assert "from-the-environment-1" not in result.output
    client = bare_app.test_client()
    assert sign_in(client, "boss", "from-the-environment-1").status_code == 302
    assert signed_in_as(client) == "boss"

    again = runner.invoke(args=["claims", "users", "ensure-admin", "--username", "boss"])
    assert "Admin account 'boss' exists" in again.output
    assert "from-the-environment-1" not in again.output
    assert count(bare_app, User) == 1


@pytest.mark.parametrize(
    ("password", "args", "expected"),
    [("short", [], "at least 10 characters"), (None, ["--username", "X!"], "username")],
    ids=["short-env-password", "bad-username"],
)
def test_ensure_admin_explains_bad_input(bare_app, monkeypatch, password, args, expected):
    if password:
        monkeypatch.setenv("CLAIMS_ADMIN_PASSWORD", password)
    result = bare_app.test_cli_runner().invoke(args=["claims", "users", "ensure-admin", *args])
    assert result.exit_code != 0
    assert expected in result.output
    assert count(bare_app, User) == 0


# --- CSRF ------------------------------------------------------------------------------------


def test_signing_in_without_the_csrf_token_is_refused(csrf_app):
    client = csrf_app.test_client()
    response = sign_in(client, "admin", PASSWORDS["admin"])
    assert page_error(response, 400).startswith(CSRF_REFUSED)
    assert signed_in_as(client) is None
    assert csrf_login(client, "admin") and signed_in_as(client) == "admin"


@pytest.mark.parametrize("token", [None, "", "forged-token"], ids=["missing", "empty", "forged"])
def test_a_form_post_without_a_valid_csrf_token_is_400_and_changes_nothing(csrf_app, token):
    client = csrf_login(csrf_app.test_client(), "admin")
    extra = {} if token is None else {"csrf_token": token}
    response = client.post("/articles/new", data={**ARTICLE, **extra})
    assert page_error(response, 400).startswith(CSRF_REFUSED)
    assert count(csrf_app, Article) == 0
    user = {"username": "mallory", "password": "long-password-1", "role": "admin", **extra}
    assert page_error(client.post("/admin/users", data=user), 400).startswith(CSRF_REFUSED)
    assert count(csrf_app, User) == 3
    assert page_error(client.post("/logout", data=extra), 400).startswith(CSRF_REFUSED)
    assert signed_in_as(client) == "admin"


def test_a_form_post_with_the_pages_csrf_token_works(csrf_app):
    client = csrf_login(csrf_app.test_client(), "admin")
    token = meta_csrf(client, "/articles/new")
    response = client.post("/articles/new", data={**ARTICLE, "csrf_token": token})
    assert response.status_code == 302, text_of(response)[:500]
    assert count(csrf_app, Article) == 1
    user = {"username": "grace", "password": "long-password-1", "role": "viewer"}
    assert client.post("/admin/users", data={**user, "csrf_token": token}).status_code == 302
    assert count(csrf_app, User) == 4
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert signed_in_as(client) is None


def test_another_sessions_csrf_token_is_refused(csrf_app):
    mine = csrf_login(csrf_app.test_client(), "admin")
    theirs = meta_csrf(csrf_login(csrf_app.test_client(), "reviewer"), "/claims")
    response = mine.post("/articles/new", data={**ARTICLE, "csrf_token": theirs})
    assert page_error(response, 400).startswith(CSRF_REFUSED)
    assert count(csrf_app, Article) == 0


def test_an_api_write_on_a_browser_session_needs_the_csrf_header(csrf_app):
    client = csrf_login(csrf_app.test_client(), "admin")
    assert json_error(client.post("/api/articles", json=ARTICLE), 400).startswith(CSRF_REFUSED)
    headers = {"X-CSRFToken": "forged-token"}
    response = client.post("/api/articles", json=ARTICLE, headers=headers)
    assert json_error(response, 400).startswith(CSRF_REFUSED)
    assert count(csrf_app, Article) == 0
    token = meta_csrf(client, "/claims")
    response = client.post("/api/articles", json=ARTICLE, headers={"X-CSRFToken": token})
    assert response.status_code == 201, response.get_json()
    article_id = response.get_json()["article"]["id"]
    assert json_error(client.delete(f"/api/articles/{article_id}"), 400)
    assert count(csrf_app, Article) == 1
    response = client.delete(f"/api/articles/{article_id}", headers={"X-CSRFToken": token})
    assert response.status_code == 204
    # Reading needs no token.
    assert client.get("/api/articles").status_code == 200


def test_an_api_write_with_a_bearer_token_needs_no_csrf(csrf_app):
    secret = cli_token(csrf_app, "reviewer")
    client = csrf_app.test_client()
    response = client.post("/api/articles", json=ARTICLE, headers=bearer(secret))
    assert response.status_code == 201, response.get_json()
    claim_id = response.get_json()["claims"][0]["id"]
    response = client.post(f"/api/claims/{claim_id}/verdicts", json=VERDICT, headers=bearer(secret))
    assert response.status_code == 201
    assert response.get_json()["verdict"]["reviewer"] == "reviewer"


# --- headers, cookies and templates ----------------------------------------------------------


def csp_directives(value: str) -> dict[str, list[str]]:
    """Parse a Content-Security-Policy header into {directive: sources}."""
    directives = {}
    for part in value.split(";"):
        if part.strip():
            name, *sources = part.split()
            directives[name.lower()] = sources
    return directives


def test_every_response_carries_the_security_headers(app, client, anonymous, corpus, subtests):
    secret = cli_token(app, "reviewer")
    cases = {
        "sign-in page": anonymous.get("/login"),
        "failed sign-in": sign_in(app.test_client(), "nobody", "whatever-password"),
        "redirect to sign-in": anonymous.get("/claims"),
        "API 401": anonymous.get("/api/claims"),
        "queue": client.get("/claims"),
        "claim page": client.get(f"/claims/{corpus['claim']}"),
        "404 page": client.get("/claims/999"),
        "405 page": client.get("/logout"),
        "API JSON": client.get("/api/claims"),
        "API 404": client.get("/api/claims/999"),
        "API with a token": anonymous.post("/api/articles", json=ARTICLE, headers=bearer(secret)),
        "CSV": client.get("/export/verdicts.csv"),
        "static file": anonymous.get("/static/app.js"),
        "form redirect": client.post("/links/1", data={"state": "confirmed"}),
    }
    for name, response in cases.items():
        response.get_data()
        response.close()  # static files hold an open file until closed
        with subtests.test(msg=name):
            headers = response.headers
            csp = csp_directives(headers.get("Content-Security-Policy", ""))
            assert csp.get("script-src") == ["'self'"], headers
            assert csp.get("frame-ancestors") == ["'none'"]
            assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
            assert "'unsafe-eval'" not in headers["Content-Security-Policy"]
            assert csp.get("object-src") == ["'none'"]
            assert headers.get("X-Content-Type-Options") == "nosniff"
            assert headers.get("Referrer-Policy") in ("same-origin", "strict-origin", "no-referrer")


def test_the_session_cookie_is_httponly_and_samesite_lax(anonymous, app):
    assert app.config["SESSION_COOKIE_SECURE"] is False  # plain-HTTP default, for local use
    cookie = set_cookies(sign_in(anonymous, "admin", PASSWORDS["admin"]))["session"]
    attributes = [a.strip().lower() for a in cookie.split(";")[1:]]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "secure" not in attributes


def test_the_session_cookie_is_secure_when_configured(tmp_path):
    app = make_app(tmp_path, HashingEmbedder(), SESSION_COOKIE_SECURE=True)
    response = sign_in(app.test_client(), "admin", PASSWORDS["admin"])
    assert response.status_code == 302
    attributes = [a.strip().lower() for a in set_cookies(response)["session"].split(";")[1:]]
    assert {"secure", "httponly", "samesite=lax"} <= set(attributes)


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*?\s(on[a-z]+)\s*=", re.IGNORECASE)
DATA_BLOCK = re.compile(r'\btype="application/(ld\+)?json"', re.IGNORECASE)


def inline_code(text: str) -> list[str]:
    """Return the inline scripts and event-handler attributes in a template or page."""
    found = [
        f"<script{attrs}>" for attrs in INLINE_SCRIPT.findall(text) if not DATA_BLOCK.search(attrs)
    ]
    return found + [f"{name}=" for name in EVENT_HANDLER.findall(text)]


def test_the_inline_code_scanner_catches_what_it_should():
    assert inline_code('<script>alert(1)</script><script src="/a.js"></script>') == ["<script>"]
    assert inline_code('<script defer type="module">x()</script>') == [
        '<script defer type="module">'
    ]
    assert inline_code('<button class="x" onclick="go()">') == ["onclick="]
    assert inline_code('<body\n  onload="init()">') == ["onload="]
    assert inline_code('<img src="x" ONERROR = "boom()">') == ["ONERROR="]
    assert inline_code('<script type="application/json" id="d">{"a": 1}</script>') == []
    assert inline_code('<form data-confirm="Delete?"><a href="/x">on=time</a>') == []


def test_no_template_has_inline_script_or_event_handlers():
    templates = sorted((ROOT / "templates").rglob("*.html"))
    assert len(templates) >= 10
    offenders = {
        str(path.relative_to(ROOT)): inline_code(path.read_text(encoding="utf-8"))
        for path in templates
    }
    assert {path: found for path, found in offenders.items() if found} == {}


def test_rendered_pages_have_no_inline_script(client, corpus, subtests):
    article = corpus["first"]["article"]["id"]
    for path in [
        "/claims",
        f"/claims/{corpus['claim']}",
        f"/articles/{article}",
        "/articles/new",
        "/search?q=missiles",
        "/admin/users",
        "/account/tokens",
    ]:
        with subtests.test(msg=path):
            response = client.get(path)
            assert response.status_code == 200
            assert inline_code(text_of(response)) == []


# --- the sign-in rate limit ------------------------------------------------------------------


@pytest.mark.parametrize("rotate", [False, True], ids=["one-address", "many-addresses"])
def test_the_sixth_sign_in_after_five_failures_is_429(app, rotate):
    assert app.config["LOGIN_MAX_FAILURES"] == 5
    client = app.test_client()

    def attempt(n: int, password: str):
        address = f"10.0.0.{n}" if rotate else "127.0.0.1"
        return sign_in(client, "reviewer", password, address)

    for n in range(5):
        assert attempt(n, f"guess-number-{n}").status_code == 401
    response = attempt(6, PASSWORDS["reviewer"])
    message = page_error(response, 429)
    assert message == "Too many failed sign-ins. Try again in 15 minutes."
    assert signed_in_as(client) is None
    # Another account, from another address, is not locked out.
    other = app.test_client()
    assert sign_in(other, "viewer", PASSWORDS["viewer"], "10.9.9.9").status_code == 302
    assert signed_in_as(other) == "viewer"


def test_four_failures_still_allow_the_right_password(app):
    client = app.test_client()
    for n in range(4):
        assert sign_in(client, "reviewer", f"guess-number-{n}").status_code == 401
    assert sign_in(client, "reviewer", PASSWORDS["reviewer"]).status_code == 302
    assert signed_in_as(client) == "reviewer"


def test_random_names_from_one_address_do_not_lock_out_anyone_else(app):
    flood = app.test_client()
    for n in range(5):
        assert sign_in(flood, f"nobody-{n}", "guess", "192.0.2.66").status_code == 401
    # Five bad names were once enough to lock out every account from that address.
    assert sign_in(flood, "admin", PASSWORDS["admin"], "192.0.2.66").status_code == 302
    assert signed_in_as(flood) == "admin"


def test_a_flood_locks_out_its_own_address_only(any_db_app):
    app = any_db_app
    limit = app.config["LOGIN_MAX_ADDRESS_FAILURES"]
    assert limit == 20
    flood = app.test_client()
    for n in range(limit):
        assert sign_in(flood, f"spray-{n}", "guess", "192.0.2.66").status_code == 401
    # Even a right password is refused from the flooding address...
    assert sign_in(flood, "admin", PASSWORDS["admin"], "192.0.2.66").status_code == 429
    assert signed_in_as(flood) is None
    # ...while the account signs in from anywhere else.
    desk = app.test_client()
    assert sign_in(desk, "admin", PASSWORDS["admin"], "198.51.100.7").status_code == 302
    assert signed_in_as(desk) == "admin"


def test_guessing_one_account_from_one_address_spares_it_elsewhere(app):
    attacker = app.test_client()
    for n in range(5):
        assert sign_in(attacker, "admin", f"guess-{n}", "192.0.2.66").status_code == 401
    assert sign_in(attacker, "admin", PASSWORDS["admin"], "192.0.2.66").status_code == 429
    fresh = app.test_client()
    assert sign_in(fresh, "admin", PASSWORDS["admin"], "198.51.100.7").status_code == 302
    assert signed_in_as(fresh) == "admin"


def forwarded_sign_in(client, username: str, password: str, forwarded_for: str):
    """Sign in through a reverse proxy at 10.0.0.1 that names the client in X-Forwarded-For."""
    return client.post(
        "/login",
        data={"username": username, "password": password},
        headers={"X-Forwarded-For": forwarded_for},
        environ_overrides={"REMOTE_ADDR": "10.0.0.1"},
    )


def test_behind_a_trusted_proxy_each_client_has_its_own_address(tmp_path):
    app = make_app(tmp_path, HashingEmbedder(), TRUSTED_PROXIES=1)
    flood = app.test_client()
    for n in range(20):
        response = forwarded_sign_in(flood, f"spray-{n}", "guess", "203.0.113.9")
        assert response.status_code == 401
    assert forwarded_sign_in(flood, "viewer", PASSWORDS["viewer"], "203.0.113.9").status_code == 429
    # Another newsroom member behind the same proxy is a different address.
    desk = app.test_client()
    assert forwarded_sign_in(desk, "viewer", PASSWORDS["viewer"], "203.0.113.10").status_code == 302
    with db(app) as session:
        addresses = set(session.exec(select(LoginAttempt.ip)))
    assert addresses == {"203.0.113.9", "203.0.113.10"}


def test_without_trusted_proxies_a_forged_forwarded_for_is_ignored(app):
    assert app.config["TRUSTED_PROXIES"] == 0
    client = app.test_client()
    for n in range(20):
        # A new forged address each time does not reset the count for the real one.
        response = forwarded_sign_in(client, f"spray-{n}", "guess", f"203.0.113.{n}")
        assert response.status_code == 401
    assert forwarded_sign_in(client, "admin", PASSWORDS["admin"], "203.0.113.99").status_code == 429
    with db(app) as session:
        assert set(session.exec(select(LoginAttempt.ip))) == {"10.0.0.1"}


# --- the upload limit ------------------------------------------------------------------------


def test_the_upload_limit_is_set_and_enforced(app, client, anonymous):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == 2 * 1024 * 1024
    big = "x" * (limit + 1)
    response = anonymous.post("/login", data={"username": "admin", "password": big})
    assert page_error(response, 413) == "The upload is too large; the limit is 2 MB."
    assert signed_in_as(anonymous) is None
    secret = cli_token(app, "reviewer")
    response = anonymous.post(
        "/api/articles", json={**ARTICLE, "body": big}, headers=bearer(secret)
    )
    assert json_error(response, 413) == "The upload is too large; the limit is 2 MB."
    response = client.post("/articles/new", data={**ARTICLE, "body": big})
    assert page_error(response, 413) == "The upload is too large; the limit is 2 MB."
    assert count(app, Article) == 0
    # Just under the limit is read (and refused only for its own reasons).
    response = anonymous.post("/login", data={"username": "admin", "password": "y" * (limit // 2)})
    assert page_error(response, 401) == WRONG_LOGIN
