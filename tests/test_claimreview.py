"""ClaimReview JSON-LD: the filtered export, one claim's review, the rating scale, escaping."""

from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest

from tests.conftest import HashingEmbedder, login, make_app


@pytest.fixture
def app(any_db_app):
    """Run this module on SQLite and, when configured, on PostgreSQL."""
    return any_db_app


EXPORTS = "Finance minister Jane Doe claimed that exports rose by 12 percent last year."
MISSILE = "The defence ministry said North Korea fired two ballistic missiles on Wednesday."
HOUSING = "The mayor said 300 new homes were built in the city during 2023."
JOBLESS = "Unemployment fell to 7.2 percent in March, the lowest level since 2008."
FR_JOBS = "Le gouvernement a annoncé mercredi que le chômage a baissé de 3 % selon l'Insee."
FR_TRADE = "Le ministre a déclaré que les exportations ont progressé de 12 % l'an dernier."
MARKUP = "The senator said </script><img src=x onerror=alert(1)> taxes rose by 40 percent & more."
JSON_LD = "application/ld+json"
ALL_REVIEWED = ["exports", "missile", "jobs", "trade", "jobless"]
SCALE = {
    "true": (5, "True"),
    "mostly-true": (4, "Mostly true"),
    "half-true": (3, "Half true"),
    "mostly-false": (2, "Mostly false"),
    "false": (1, "False"),
    "misleading": (None, "Misleading"),
    "unverifiable": (None, "Unverifiable"),
}


def import_article(client, **fields) -> dict[str, int]:
    """Import an article through the API and return its claim ids by text."""
    response = client.post(
        "/api/articles", json={"title": "Wire story", "source": "Wire", **fields}
    )
    assert response.status_code == 201, response.get_json()
    return {claim["text"]: claim["id"] for claim in response.get_json()["claims"]}


def record(client, claim_id: int, rating: str, explanation: str = "Checked.") -> dict:
    """Record a verdict through the API and return it."""
    payload = {"rating": rating, "explanation": explanation}
    response = client.post(f"/api/claims/{claim_id}/verdicts", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["verdict"]


def read_json_ld(response) -> dict:
    """Check a response is JSON-LD and return it parsed."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == JSON_LD
    return json.loads(response.get_data(as_text=True))


def read_graph(client, **params) -> list[dict]:
    """Return the ClaimReview nodes of the export, checking the document around them."""
    response = client.get("/export/claimreview.json", query_string=params)
    document = read_json_ld(response)
    assert response.headers["Content-Disposition"] == 'attachment; filename="claimreview.json"'
    assert set(document) == {"@context", "@graph"}
    assert document["@context"] == "https://schema.org"
    return document["@graph"]


def claim_id_of(node: dict) -> int:
    """Return the claim id a ClaimReview's url points to."""
    return int(urlparse(node["url"]).path.removeprefix("/claims/"))


def review_of(client, claim_id: int) -> dict:
    """Return one claim's ClaimReview document."""
    return read_json_ld(client.get(f"/claims/{claim_id}/claimreview.json"))


@pytest.fixture
def reviewed(client) -> dict:
    """Six claims in three sources; five have verdicts, one of them revised."""
    alpha = import_article(
        client,
        title="Exports and missiles",
        source="Alpha",
        url="https://alpha.example/story",
        published_at="2024-01-05",
        body=f"{EXPORTS}\n\n{MISSILE}\n\n{HOUSING}",
    )
    gamma = import_article(
        client,
        title="Histoire",
        source="Gamma",
        published_at="2024-03-10",
        body=f"{FR_JOBS}\n\n{FR_TRADE}",
    )
    beta = import_article(client, title="Jobs", source="Beta", body=JOBLESS)
    ids = {
        "exports": alpha[EXPORTS],
        "missile": alpha[MISSILE],
        "housing": alpha[HOUSING],
        "jobs": gamma[FR_JOBS],
        "trade": gamma[FR_TRADE],
        "jobless": beta[JOBLESS],
    }
    record(client, ids["exports"], "true", "First look.")
    record(client, ids["exports"], "false", "Revised: exports fell.")
    record(client, ids["missile"], "mostly-true", "One missile, not two.")
    record(client, ids["jobs"], "half-true", "D'après l'Insee, 2 %.")
    record(client, ids["trade"], "misleading", "Selective years.")
    record(client, ids["jobless"], "unverifiable", "No March figures yet.")
    return ids


# --- the export ------------------------------------------------------------------------------


def test_the_export_is_one_document_of_claim_reviews_of_reviewed_claims(client, reviewed):
    graph = read_graph(client)
    # By claim id, and without the claim that has no verdict (housing).
    assert [claim_id_of(node) for node in graph] == sorted(reviewed[n] for n in ALL_REVIEWED)
    for node in graph:
        assert node["@type"] == "ClaimReview"
        assert "@context" not in node  # the document states it once


def test_a_claim_review_has_every_field_google_lists(client, reviewed):
    graph = {claim_id_of(node): node for node in read_graph(client)}
    claim_id = reviewed["exports"]
    latest = client.get(f"/api/claims/{claim_id}/verdicts").get_json()["verdicts"][0]
    assert graph[claim_id] == {
        "@type": "ClaimReview",
        "url": f"http://localhost/claims/{claim_id}",
        "claimReviewed": EXPORTS,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": 1,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": "False",
        },
        "itemReviewed": {
            "@type": "Claim",
            "appearance": [
                {
                    "@type": "CreativeWork",
                    "url": "https://alpha.example/story",
                    "headline": "Exports and missiles",
                    "publisher": {"@type": "Organization", "name": "Alpha"},
                }
            ],
            "datePublished": "2024-01-05",
            "author": {"@type": "Person", "name": "Finance minister Jane Doe"},
        },
        "author": {"@type": "Organization", "name": "Claim Tracker"},
        "datePublished": latest["created_at"][:10],
        "reviewBody": "Revised: exports fell.",
    }


def test_the_review_url_is_the_claim_page(client, reviewed):
    node = review_of(client, reviewed["missile"])
    parsed = urlparse(node["url"])
    assert (parsed.scheme, parsed.netloc) == ("http", "localhost")
    page = client.get(parsed.path)
    assert page.status_code == 200
    assert "The defence ministry said North Korea" in page.get_data(as_text=True)


def test_unknown_article_details_are_left_out_not_left_empty(client, reviewed):
    item = review_of(client, reviewed["jobless"])["itemReviewed"]
    # No article url, no publication date and no speaker: the keys are absent.
    assert item == {
        "@type": "Claim",
        "appearance": [
            {
                "@type": "CreativeWork",
                "headline": "Jobs",
                "publisher": {"@type": "Organization", "name": "Beta"},
            }
        ],
    }


@pytest.mark.parametrize(
    ("name", "author"),
    [
        ("exports", {"@type": "Person", "name": "Finance minister Jane Doe"}),
        ("missile", {"@type": "Organization", "name": "The defence ministry"}),
        ("jobs", {"@type": "Organization", "name": "Le gouvernement"}),
        ("trade", {"@type": "Person", "name": "Le ministre"}),
    ],
)
def test_the_claim_author_is_the_speaker_as_a_person_or_an_organisation(
    client, reviewed, name, author
):
    assert review_of(client, reviewed[name])["itemReviewed"]["author"] == author


def test_the_current_verdict_is_the_latest_one(client, reviewed):
    claim_id = reviewed["exports"]
    node = review_of(client, claim_id)
    assert node["reviewRating"]["alternateName"] == "False"
    assert node["reviewBody"] == "Revised: exports fell."
    record(client, claim_id, "mostly-false", "Third look.")
    exported = {claim_id_of(n): n for n in read_graph(client)}[claim_id]
    assert exported["reviewRating"]["alternateName"] == "Mostly false"
    assert exported["reviewBody"] == "Third look."
    assert len([n for n in read_graph(client) if claim_id_of(n) == claim_id]) == 1


@pytest.mark.parametrize("rating", list(SCALE))
def test_each_rating_maps_onto_the_five_point_scale(client, rating):
    claim_id = import_article(client, body=EXPORTS)[EXPORTS]
    record(client, claim_id, rating)
    value, label = SCALE[rating]
    expected = {"@type": "Rating", "alternateName": label}
    if value is not None:
        expected |= {"ratingValue": value, "bestRating": 5, "worstRating": 1}
    assert review_of(client, claim_id)["reviewRating"] == expected
    [node] = read_graph(client)
    assert node["reviewRating"] == expected


def test_the_organisation_and_public_address_come_from_the_settings(tmp_path):
    app = make_app(
        tmp_path,
        HashingEmbedder(),
        ORGANISATION="Vérif Hebdo",
        ORGANISATION_URL="https://verif.example",
        PUBLIC_BASE_URL="https://facts.example/",
    )
    client = login(app.test_client())
    claim_id = import_article(client, body=EXPORTS)[EXPORTS]
    record(client, claim_id, "true")
    for node in (review_of(client, claim_id), read_graph(client)[0]):
        assert node["author"] == {
            "@type": "Organization",
            "name": "Vérif Hebdo",
            "url": "https://verif.example",
        }
        assert node["url"] == f"https://facts.example/claims/{claim_id}"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"rating": "false"}, ["exports"]),
        ({"rating": "true"}, []),  # only the exports claim's superseded verdict was "true"
        ({"rating": "unverifiable"}, ["jobless"]),
        ({"source": "Gamma"}, ["jobs", "trade"]),
        ({"source": "Alpha"}, ["exports", "missile"]),
        ({"language": "fr"}, ["jobs", "trade"]),
        ({"lang": "fr", "rating": "misleading"}, ["trade"]),
        ({"language": "en", "rating": "mostly-true"}, ["missile"]),
        ({"date_from": "2024-02-01"}, ["jobs", "trade"]),
        ({"date_to": "2024-02-01"}, ["exports", "missile"]),
        ({"date_from": "2024-01-06", "date_to": "2024-03-09"}, []),
        (
            {"status": "unreviewed", "min_score": "1"},
            ["exports", "missile", "jobs", "trade", "jobless"],
        ),
    ],
    ids=lambda v: "&".join(f"{k}={x}" for k, x in v.items()) if isinstance(v, dict) else None,
)
def test_the_export_honours_the_csv_filters(client, reviewed, params, expected):
    found = sorted(claim_id_of(node) for node in read_graph(client, **params))
    assert found == sorted(reviewed[name] for name in expected)


def test_an_unknown_rating_filter_is_a_json_400(client):
    response = client.get("/export/claimreview.json", query_string={"rating": "pants-on-fire"})
    assert response.status_code == 400
    assert "pants-on-fire" in response.get_json()["error"]


def test_an_empty_export_is_an_empty_graph(client):
    assert read_graph(client) == []


# --- one claim -------------------------------------------------------------------------------


def test_one_claims_review_is_the_exported_node_with_its_own_context(client, reviewed):
    document = review_of(client, reviewed["trade"])
    assert document["@context"] == "https://schema.org"
    exported = {claim_id_of(n): n for n in read_graph(client)}[reviewed["trade"]]
    assert document == {"@context": "https://schema.org", **exported}


def test_an_unknown_claim_is_a_json_404(client):
    response = client.get("/claims/999999/claimreview.json")
    assert response.status_code == 404
    assert response.get_json() == {
        "error": "There is no claim with id 999999.",
        "code": "not_found",
    }


def test_a_claim_without_a_verdict_is_a_json_404(client, reviewed):
    claim_id = reviewed["housing"]
    response = client.get(f"/claims/{claim_id}/claimreview.json")
    assert response.status_code == 404
    assert response.get_json() == {
        "error": f"Claim {claim_id} has no verdict yet, so it has no ClaimReview.",
        "code": "not_found",
    }


# --- escaping --------------------------------------------------------------------------------


def test_markup_in_claims_titles_and_explanations_is_data_not_html(client):
    claims = import_article(client, title="<i>Taxes</i> & more", source="A&B", body=MARKUP)
    claim_id = claims[MARKUP]
    record(client, claim_id, "false", "<b>Wrong</b> & misleading")
    for response in (
        client.get(f"/claims/{claim_id}/claimreview.json"),
        client.get("/export/claimreview.json"),
    ):
        raw = response.get_data(as_text=True)
        # Nothing a browser could read as a tag or entity, even inside a <script> element.
        assert not {"<", ">", "&"} & set(raw), raw
        assert "\\u003c/script\\u003e\\u003cimg src=x" in raw
        document = read_json_ld(response)
        node = document.get("@graph", [document])[0]
        assert node["claimReviewed"] == MARKUP
        assert node["reviewBody"] == "<b>Wrong</b> & misleading"
        assert node["itemReviewed"]["appearance"][0]["headline"] == "<i>Taxes</i> & more"
        assert node["itemReviewed"]["appearance"][0]["publisher"]["name"] == "A&B"


# --- links in the pages ----------------------------------------------------------------------


def test_the_export_page_offers_the_json_ld_download_with_the_same_filters(client):
    page = client.get("/export").get_data(as_text=True)
    assert 'id="download-claimreview" formaction="/export/claimreview.json"' in page


def test_the_claim_page_links_its_review_only_once_it_has_a_verdict(client, reviewed):
    link = f'href="/claims/{reviewed["missile"]}/claimreview.json"'
    assert link in client.get(f"/claims/{reviewed['missile']}").get_data(as_text=True)
    page = client.get(f"/claims/{reviewed['housing']}").get_data(as_text=True)
    assert "claimreview.json" not in page
