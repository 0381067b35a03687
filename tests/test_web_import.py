"""Importing by URL: the safe fetcher, main-text extraction, and every way in (API, form, CLI).

Every page comes from a local server; a connection anywhere but loopback fails the test.
"""

from __future__ import annotations

import json
import socket

import pytest
from sqlmodel import func, select

from claims.errors import InvalidInput, TooLarge
from claims.intake.fetch import (
    FetchError,
    FetchRefused,
    FetchSettings,
    NotAWebPage,
    Page,
    decode_html,
    fetch_page,
    vetted_address,
)
from claims.intake.urls import canonical_url
from claims.intake.web import extract
from claims.models import Article, Source
from tests.conftest import login, make_app
from tests.helpers import count, db
from tests.webserver import WEB

OPEN = FetchSettings(allow=("127.0.0.1",), read_timeout=1.0, total_timeout=10.0)


pytestmark = pytest.mark.usefixtures("loopback_only")


CANONICAL_FR = json.loads((WEB / "article_fr.meta.json").read_text())["canonical"]


def resolver(table: dict[str, str]):
    """Return a resolver answering from a table, for names that must never reach real DNS."""

    def resolve(host: str, port: int) -> list[str]:
        return [table[host]] if host in table else [host]

    return resolve


def lines(text: str) -> list[str]:
    """Return the non-blank lines of a text."""
    return [line.strip() for line in text.splitlines() if line.strip()]


# --- the fetcher refuses the server's own networks -------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",
        "ff02::1",
    ],
)
def test_private_local_and_reserved_addresses_are_refused(address):
    with pytest.raises(FetchRefused, match="does not fetch") as refused:
        vetted_address("news.example", 80, FetchSettings(), resolver({"news.example": address}))
    assert refused.value.status == 403 and "CLAIMS_FETCH_ALLOW" in refused.value.message


def test_a_host_is_refused_if_any_of_its_addresses_is_private():
    def both(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.7"]

    with pytest.raises(FetchRefused):
        vetted_address("news.example", 80, FetchSettings(), both)
    assert vetted_address("news.example", 80, FetchSettings(), lambda h, p: ["93.184.216.34"])


def test_the_operator_opens_chosen_hosts_and_networks():
    settings = FetchSettings(allow=("intranet.example", "10.1.0.0/16"))
    table = {"intranet.example": "10.9.9.9", "wiki.example": "10.1.2.3", "db.example": "10.2.0.1"}
    assert vetted_address("intranet.example", 80, settings, resolver(table)) == "10.9.9.9"
    assert vetted_address("wiki.example", 80, settings, resolver(table)) == "10.1.2.3"
    with pytest.raises(FetchRefused):
        vetted_address("db.example", 80, settings, resolver(table))
    assert FetchSettings.from_config({"FETCH_ALLOW": " 127.0.0.1, Intranet.example "}).allow == (
        "127.0.0.1",
        "intranet.example",
    )


@pytest.mark.parametrize(
    "url", ["ftp://example.org/a", "file:///etc/passwd", "javascript:alert(1)", "gopher://x/"]
)
def test_only_http_and_https_are_fetched(url):
    with pytest.raises(FetchRefused, match="Only http and https"):
        fetch_page(url, OPEN)


@pytest.mark.parametrize("target", ["10.0.0.1", "169.254.169.254", "192.168.0.10"])
def test_a_redirect_into_a_private_network_is_refused_before_connecting(site, target):
    with pytest.raises(FetchRefused, match=target):
        fetch_page(site.url(f"away/{target}"), OPEN)


def test_a_redirect_to_loopback_is_refused_unless_allowed(site):
    # The site is reached by a name the operator allowed; its redirect to 127.0.0.1 is not.
    settings = FetchSettings(allow=("news.test",))
    resolve = resolver({"news.test": "127.0.0.1"})
    page = fetch_page(f"http://news.test:{site.port}/article_en.html", settings, resolve)
    assert "Harrowgate" in page.html
    with pytest.raises(FetchRefused, match="127.0.0.1"):
        fetch_page(f"http://news.test:{site.port}/away/127.0.0.1", settings, resolve)


def test_redirects_are_followed_up_to_five(site):
    page = fetch_page(site.url("redirect/5/article_en.html"), OPEN)
    assert page.url == site.url("article_en.html") and "Harrowgate" in page.html
    with pytest.raises(FetchError, match="more than 5 times"):
        fetch_page(site.url("redirect/6/article_en.html"), OPEN)


def test_errors_timeouts_sizes_and_types_each_have_their_reason(site):
    with pytest.raises(FetchError, match="answered 404") as missing:
        fetch_page(site.url("no-such-page.html"), OPEN)
    assert missing.value.status == 422
    with pytest.raises(FetchError, match="did not answer in time"):
        fetch_page(site.url("slow"), OPEN)
    with pytest.raises(TooLarge, match="larger than 10,000,000 bytes"):
        fetch_page(site.url("huge"), OPEN)
    small = FetchSettings(allow=("127.0.0.1",), max_bytes=1_000_000)
    with pytest.raises(TooLarge):
        fetch_page(site.url("endless"), small)
    with pytest.raises(NotAWebPage, match="application/pdf, not a web page") as pdf:
        fetch_page(site.url("pdf"), OPEN)
    assert pdf.value.status == 415


def test_an_unreachable_host_is_a_clear_error():
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    with pytest.raises(FetchError, match="could not be reached"):
        fetch_page(f"http://127.0.0.1:{port}/", OPEN)


def test_the_fetcher_names_itself(site):
    fetch_page(site.url("article_en.html?who"), OPEN)
    agent = next(agent for path, agent in site.requests if path.endswith("?who"))
    assert agent.startswith("ClaimTracker/") and "fact-checking" in agent


# --- encodings ---------------------------------------------------------------------------------


def test_a_page_without_any_charset_still_decodes(site):
    page = fetch_page(site.url("cp1252"), OPEN)
    truth = lines((WEB / "article_cp1252.truth.txt").read_text(encoding="utf-8"))
    assert all(paragraph in page.html for paragraph in truth)
    assert "Ã" not in page.html  # no UTF-8 read as Latin-1, nor the reverse


def test_the_declared_charset_wins_over_guessing():
    text = "<html><head><meta charset='iso-8859-15'></head><body>Coût : 5 €</body></html>"
    assert "5 €" in decode_html(text.encode("iso-8859-15"))
    assert "5 €" in decode_html(text.replace("iso-8859-15", "").encode("utf-8"))
    assert decode_html("é".encode("utf-16"), "utf-16") == "é"


# --- extraction ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["article_fr.html", "article_fr_amp.html", "article_en.html"])
def test_the_main_text_comes_without_menus_banners_related_links_or_comments(site, name):
    page = fetch_page(site.url(f"{name}?utm_source=twitter&fbclid=abc"), OPEN)
    article = extract(page)
    truth_name = name.replace("_amp", "").replace(".html", "")
    meta = json.loads((WEB / f"{truth_name}.meta.json").read_text())
    truth = lines((WEB / f"{truth_name}.truth.txt").read_text())
    got = lines(article.body)
    assert set(got) <= set(truth), "only main text"
    assert len(got) >= len(truth) - 1, "a lead paragraph at most may be left out"
    for boilerplate in ("cookies", "Newsletter", "Lire aussi", "Related stories", "Accepter"):
        assert boilerplate not in article.body
    assert article.url == meta["canonical"]
    assert (article.title, article.author, article.site_name) == (
        meta["title"],
        meta["author"],
        meta["site_name"],
    )
    assert (article.published_at, article.language) == (meta["date"], meta["language"])


def test_tracking_parameters_leave_the_canonical_address():
    shared = "https://news.example/a/b?id=3&utm_source=x&utm_medium=y&fbclid=abc&gclid=z#top"
    assert canonical_url(shared) == "https://news.example/a/b?id=3"


def test_a_page_without_article_text_is_refused():
    empty = Page(
        "https://news.example/", "<html><head><title>Menu</title></head><body></body></html>"
    )
    with pytest.raises(InvalidInput, match="No article text"):
        extract(empty)


# --- every way in --------------------------------------------------------------------------------


@pytest.fixture
def web_app(tmp_path):
    """An app that may fetch from the local test server, with the fast embedder."""
    from tests.conftest import HashingEmbedder

    return make_app(tmp_path, HashingEmbedder(), FETCH_ALLOW="127.0.0.1")


def test_the_api_imports_a_url_and_knows_it_again_under_another_link(site, web_app):
    client = login(web_app.test_client())
    response = client.post(
        "/api/articles", json={"url": site.url("redirect/2/article_fr.html?utm_source=x")}
    )
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    meta = json.loads((WEB / "article_fr.meta.json").read_text())
    article = data["article"]
    assert (article["title"], article["author"], article["url"]) == (
        meta["title"],
        meta["author"],
        CANONICAL_FR,
    )
    assert article["language"] == "fr" and article["published_at"] == "2026-11-18"
    assert any("0,3 point" in claim["text"] for claim in data["claims"])
    # The AMP page of the same article, behind a tracking link: already known.
    again = client.post("/api/articles", json={"url": site.url("article_fr_amp.html?fbclid=1")})
    assert again.status_code == 200 and again.get_json()["article"]["id"] == article["id"]
    assert count(web_app, Article) == 1


def test_what_the_client_sends_wins_over_the_page(site, web_app):
    client = login(web_app.test_client())
    payload = {"url": site.url("article_en.html"), "title": "My title", "source": "Wire desk"}
    data = client.post("/api/articles", json=payload).get_json()
    assert data["article"]["title"] == "My title"
    with db(web_app) as session:
        stored = session.exec(select(Article)).one()
        assert stored.author == "Daniel Okafor"
        assert session.get(Source, stored.source_id).name == "Wire desk"


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("pdf", 415, "not a web page"),
        ("no-such-page.html", 422, "answered 404"),
        ("away/169.254.169.254", 403, "does not fetch"),
        ("huge", 413, "larger than"),
    ],
)
def test_a_url_that_cannot_be_imported_says_why_and_stores_nothing(
    site, web_app, path, status, words
):
    client = login(web_app.test_client())
    response = client.post("/api/articles", json={"url": site.url(path)})
    assert response.status_code == status and words in response.get_json()["error"]
    assert count(web_app, Article) == 0


def test_a_batch_of_links_becomes_a_job_that_skips_the_bad_ones_with_reasons(site, web_app):
    client = login(web_app.test_client())
    records = [
        {"url": site.url("article_fr.html")},
        {"url": site.url("article_en.html")},
        {"url": site.url("pdf")},
        {"title": "Pasted", "source": "Desk", "body": "The mayor said 40 new buses run from May."},
    ]
    response = client.post("/api/imports", json={"articles": records})
    assert response.status_code == 202
    job = client.get(response.headers["Location"]).get_json()["job"]
    assert (job["status"], job["created"], job["failed"]) == ("done", 3, 1), job
    assert job["errors"][0]["title"] == site.url("pdf")
    assert "not a web page" in job["errors"][0]["message"]


def test_the_import_form_takes_a_url_alone_or_a_list_of_them(site, web_app):
    client = login(web_app.test_client())
    alone = client.post("/articles/new", data={"url": site.url("article_en.html")})
    assert alone.status_code == 302 and "/articles/" in alone.headers["Location"]
    listed = "\n".join([site.url("article_fr.html"), "", site.url("cp1252")])
    several = client.post("/articles/new", data={"urls": listed})
    assert several.status_code == 302 and "/jobs/" in several.headers["Location"]
    assert count(web_app, Article) == 3
    refused = client.post("/articles/new", data={"url": site.url("pdf")})
    assert refused.status_code == 415 and "not a web page" in refused.get_data(as_text=True)


def test_the_cli_imports_urls(site, web_app):
    runner = web_app.test_cli_runner()
    result = runner.invoke(
        args=["claims", "import", "--url", site.url("article_en.html"), "--url", site.url("pdf")]
    )
    assert "1 new article(s)" in result.output and "not a web page" in result.output, result.output
    with db(web_app) as session:
        assert session.exec(select(func.count()).select_from(Article)).one() == 1
    nothing = runner.invoke(args=["claims", "import"])
    assert nothing.exit_code != 0 and "--url" in nothing.output


@pytest.mark.model
def test_a_url_import_with_the_real_model_links_its_claims(site, tmp_path, real_embedder):
    app = make_app(tmp_path, real_embedder, FETCH_ALLOW="127.0.0.1")
    client = login(app.test_client())
    first = client.post("/api/articles", json={"url": site.url("article_fr.html")})
    assert first.status_code == 201
    claim = next(c for c in first.get_json()["claims"] if "0,3 point" in c["text"])
    found = client.get("/api/search", query_string={"q": claim["text"]}).get_json()
    assert found["results"][0]["claim"]["id"] == claim["id"]


@pytest.mark.parametrize("url", ["http://[::1", "http://[not-an-address]/x"])
def test_a_malformed_address_is_a_clear_error(url):
    with pytest.raises(InvalidInput, match="not a valid web address"):
        fetch_page(url, OPEN)
