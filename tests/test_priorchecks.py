"""Fact-checks published elsewhere (ClaimReview): read, stored as claims with verdicts, shown."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from claims.errors import InvalidInput
from claims.intake.claimreview import map_rating, reviews_in, reviews_on_page
from claims.models import Article, Claim, Verdict
from tests.conftest import HashingEmbedder, login, make_app
from tests.helpers import count, db, text_of
from tests.webserver import WEB

CLAIM_FR = (
    "La France a importé 40 % de son électricité en 2025 parce que ses centrales nucléaires "
    "étaient à l'arrêt."
)


pytestmark = pytest.mark.usefixtures("loopback_only")


@pytest.fixture
def app(tmp_path):
    """An app allowed to fetch from the local server, with the fast embedder."""
    return make_app(tmp_path, HashingEmbedder(), FETCH_ALLOW="127.0.0.1")


def load(name: str):
    """Read one of the team's JSON-LD files."""
    return json.loads((WEB / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "value", "best", "worst", "key"),
    [
        ("Faux", None, None, None, "false"),
        ("Plutôt vrai", None, None, None, "mostly-true"),
        ("Vrai", None, None, None, "true"),
        ("Partiellement vrai", None, None, None, "half-true"),
        ("Trompeur", None, None, None, "misleading"),
        ("Pants on Fire!", None, None, None, "false"),
        ("Mostly False", None, None, None, "mostly-false"),
        ("Missing context", None, None, None, "misleading"),
        ("Invérifiable", None, None, None, "unverifiable"),
        ("Note 4", 4, 5, 1, "mostly-true"),
        (None, 1, 5, 1, "false"),
        (None, 3, 6, 1, "half-true"),
        (None, 6, 6, 1, "true"),
        ("Hmm", None, None, None, "unverifiable"),
    ],
)
def test_ratings_map_by_name_then_by_their_place_on_the_scale(name, value, best, worst, key):
    assert map_rating(name, value, best, worst) == key


def test_objects_lists_graphs_and_pages_are_read():
    single = reviews_in(load("claimreview_single.json"))
    assert [(r.claim, r.organisation, r.rating, r.claimant) for r in single] == [
        (CLAIM_FR, "Vérif'Actu", "false", "Gérard Pellerin")
    ]
    assert single[0].rating_name == "Faux" and single[0].best_rating == 5.0
    listed = reviews_in(load("claimreview_list.json"))
    assert len(listed) == 6 and {r.rating for r in listed} >= {"false", "misleading", "true"}
    page = (WEB / "factcheck_en_graph.html").read_text(encoding="utf-8")
    [graph] = reviews_on_page(page, "https://example.org/page")
    # Its author is an @id reference to an Organization elsewhere in the @graph.
    assert graph.organisation == "ClearFacts" and graph.rating == "misleading"
    page_fr = (WEB / "factcheck_fr.html").read_text(encoding="utf-8")
    assert reviews_on_page(page_fr) == single


@pytest.mark.parametrize("data", [{}, [], {"@type": "Article", "headline": "x"}, "text"])
def test_json_without_a_claimreview_is_refused(data):
    with pytest.raises(InvalidInput, match="No ClaimReview"):
        reviews_in(data)


def test_the_api_imports_a_list_once_each_with_its_organisations_verdict(app):
    client = login(app.test_client())
    response = client.post("/api/claimreviews", json=load("claimreview_list.json"))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert (data["imported"], data["known"], data["failed"]) == (6, 0, [])
    again = client.post("/api/claimreviews", json=load("claimreview_list.json")).get_json()
    assert (again["imported"], again["known"]) == (0, 6)
    assert count(app, Claim) == 6 and count(app, Verdict) == 6
    with db(app) as session:
        verdict = session.exec(select(Verdict).where(Verdict.rating_name == "Half true")).one()
        assert (verdict.rating, verdict.rating_value, verdict.best_rating) == ("half-true", 3, 6)
        assert verdict.organisation == "TruthMeter" and verdict.review_url
        claim = session.get(Claim, verdict.claim_id)
        assert claim.speaker == "Mayor Carlos Ruiz" and claim.status == "published"
        article = session.get(Article, claim.article_id)
        assert article.body == claim.text and article.url == verdict.review_url


def test_a_near_duplicate_reads_already_checked_by_the_organisation(site, app):
    client = login(app.test_client())
    imported = client.post("/api/claimreviews", json={"url": site.url("factcheck_fr.html")})
    assert imported.status_code == 201, imported.get_json()
    body = f"Selon un élu, {CLAIM_FR[0].lower()}{CLAIM_FR[1:]}"
    article = client.post(
        "/api/articles", json={"title": "Énergie", "source": "Le Quotidien", "body": body}
    ).get_json()
    claim_id = article["claims"][0]["id"]
    similar = client.get(f"/api/claims/{claim_id}/similar").get_json()["similar"]
    prior = similar[0]["prior_check"]
    assert prior["text"] == "Already checked by Vérif'Actu on 2026-11-20: Faux"
    assert prior["rating"] == "false" and prior["url"].startswith("https://www.verifactu")
    assert similar[0]["verdict"]["published"]["rating_name"] == "Faux"
    page = text_of(client.get(f"/claims/{claim_id}"))
    # The page says the date the reader's way; the API above keeps it ISO.
    assert "Already checked by Vérif&#39;Actu on Nov 20, 2026: Faux" in page


def test_the_cli_imports_files_and_pages(site, app, tmp_path):
    runner = app.test_cli_runner()
    path = WEB / "claimreview_single.json"
    result = runner.invoke(
        args=[
            "claims",
            "import-claimreview",
            str(path),
            "--url",
            site.url("factcheck_en_graph.html"),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "2 fact-check(s) imported, 0 already known." in result.output
    broken = tmp_path / "broken.json"
    broken.write_text('{"@type": "Article"}', encoding="utf-8")
    refused = runner.invoke(args=["claims", "import-claimreview", str(broken)])
    assert refused.exit_code != 0 and "No ClaimReview" in refused.output


def test_bad_bodies_and_pages_say_why(site, app):
    client = login(app.test_client())
    assert client.post("/api/claimreviews", json={"x": 1}).status_code == 400
    page = client.post("/api/claimreviews", json={"url": site.url("article_en.html")})
    assert page.status_code == 400 and "No ClaimReview" in page.get_json()["error"]
    private = client.post("/api/claimreviews", json={"url": site.url("away/10.0.0.1")})
    assert private.status_code == 403
    assert count(app, Article) == 0


@pytest.mark.model
def test_with_the_real_model_a_reworded_claim_finds_the_published_fact_check(
    tmp_path, real_embedder
):
    app = make_app(tmp_path, real_embedder)
    client = login(app.test_client())
    assert client.post("/api/claimreviews", json=load("claimreview_single.json")).status_code == 201
    body = (
        "D'après un député, la France aurait importé 40 % de son électricité en 2025 "
        "à cause de l'arrêt de ses centrales nucléaires."
    )
    article = client.post(
        "/api/articles", json={"title": "Énergie", "source": "Le Matin", "body": body}
    ).get_json()
    similar = client.get(f"/api/claims/{article['claims'][0]['id']}/similar").get_json()
    prior = similar["similar"][0]["prior_check"]
    assert prior["organisation"] == "Vérif'Actu" and prior["rating"] == "false"


def test_a_body_nested_too_deeply_is_refused(app):
    client = login(app.test_client())
    deep = "[" * 100_000 + "]" * 100_000
    response = client.post(
        "/api/claimreviews", data=deep, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
