"""The JSON API under /api: import, claims, filters, near-duplicates, verdicts, search."""

from __future__ import annotations

import pytest

from tests.conftest import login

ECONOMY = "\n\n".join(
    [
        "The government said unemployment fell to 7.2 percent in March, the lowest level "
        "since 2008.",
        "Finance minister Jane Doe claimed that exports rose by 12 percent last year.",
        "It was a sunny day in the capital.",
        "The central bank will raise interest rates by 0.5 points next month, according to "
        "Reuters.",
    ]
)
ECONOMY_CLAIMS = [
    "The government said unemployment fell to 7.2 percent in March, the lowest level since 2008.",
    "Finance minister Jane Doe claimed that exports rose by 12 percent last year.",
    "It was a sunny day in the capital.",
    "The central bank will raise interest rates by 0.5 points next month, according to Reuters.",
]
FRENCH = "\n\n".join(
    [
        "Le gouvernement a annoncé mercredi que le chômage a baissé de 3 % en France selon "
        "l'Insee.",
        "Le ministre de l'Économie a déclaré que les exportations ont progressé de 12 % l'an "
        "dernier.",
    ]
)
HOSPITALS = "The health ministry said 4,200 new hospital beds were opened in the north in 2023."
CLAIM_KEYS = {"id", "text", "start", "end", "checkworthiness", "speaker", "language"}


def post_article(client, **fields):
    """POST an article as JSON, with sensible defaults for the required fields."""
    payload = {"title": "Economy update", "source": "Daily Ledger", "body": ECONOMY, **fields}
    return client.post("/api/articles", json=payload)


def created(client, **fields) -> dict:
    """Import an article that must be new and return the response JSON."""
    response = post_article(client, **fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def total(client, path: str, **params) -> int:
    """Return the `total` a paginated API list reports."""
    response = client.get(path, query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["total"]


def claim_ids(client, **params) -> list[int]:
    """Return the ids /api/claims lists, in order."""
    response = client.get("/api/claims", query_string={"per_page": 200, **params})
    assert response.status_code == 200, response.get_json()
    return [c["id"] for c in response.get_json()["claims"]]


@pytest.fixture
def corpus(client) -> dict:
    """Three articles: English (Daily Ledger, Jan 2024), French (Le Matin, Mar 2024) and an
    English restatement of a hospital claim in another outlet (Beta Post, undated)."""
    english = created(
        client,
        body=ECONOMY + "\n\n" + HOSPITALS,
        published_at="2024-01-05",
        url="https://ledger.example/economy",
    )
    french = created(
        client, title="Économie", source="Le Matin", body=FRENCH, published_at="2024-03-10"
    )
    other = created(
        client,
        title="Beds",
        source="Beta Post",
        body="Officials gave a press conference on Monday about regional investment plans "
        "for schools.\n\n" + HOSPITALS,
    )
    return {"en": english, "fr": french, "other": other}


# --- importing -------------------------------------------------------------------------------


def test_post_article_returns_201_with_the_article_and_its_claims(client):
    response = post_article(client, url="https://ledger.example/a", published_at="2024-01-05")
    assert response.status_code == 201
    data = response.get_json()
    assert set(data) >= {"article", "claims"}
    article = data["article"]
    assert article["title"] == "Economy update"
    assert article["url"] == "https://ledger.example/a"
    assert article["published_at"] == "2024-01-05"
    assert article["language"] == "en"
    assert isinstance(article["id"], int)
    assert response.headers["Location"].endswith(f"/api/articles/{article['id']}")
    assert [c["text"] for c in data["claims"]] == ECONOMY_CLAIMS
    for claim in data["claims"]:
        assert set(claim) >= CLAIM_KEYS
        assert claim["language"] == "en"
        assert 0.0 <= claim["checkworthiness"] <= 1.0
    by_text = {c["text"]: c for c in data["claims"]}
    assert by_text[ECONOMY_CLAIMS[1]]["speaker"] == "Finance minister Jane Doe"
    assert by_text[ECONOMY_CLAIMS[2]]["speaker"] is None
    # A figure-laden statement outranks small talk.
    assert (
        by_text[ECONOMY_CLAIMS[0]]["checkworthiness"]
        > by_text[ECONOMY_CLAIMS[2]]["checkworthiness"]
    )


def test_claim_spans_slice_the_stored_body_exactly(client):
    # Messy whitespace and markup are normalised; spans must point into the stored body.
    messy = (
        "<p>The  government said unemployment fell to 7.2\u00a0percent in March.</p>\r\n"
        "<p>Finance minister Jane Doe claimed that exports rose by 12 percent last year.</p>"
    )
    data = created(client, body=messy)
    shown = client.get(f"/api/articles/{data['article']['id']}")
    assert shown.status_code == 200
    stored = shown.get_json()
    body = stored["article"]["body"]
    assert "<p>" not in body and "\u00a0" not in body and "  " not in body
    assert len(data["claims"]) == 2
    for claim in data["claims"]:
        assert body[claim["start"] : claim["end"]] == claim["text"]
    assert [c["id"] for c in stored["claims"]] == [c["id"] for c in data["claims"]]
    assert data["claims"][0]["text"] == (
        "The government said unemployment fell to 7.2 percent in March."
    )


def test_posting_the_same_text_again_returns_the_stored_article(client):
    first = created(client)
    claims_before = total(client, "/api/claims")
    again = post_article(client, title="A different title")
    assert again.status_code == 200
    data = again.get_json()
    assert data["article"]["id"] == first["article"]["id"]
    assert data["article"]["title"] == "Economy update"
    assert data["created"] is False
    assert [c["id"] for c in data["claims"]] == [c["id"] for c in first["claims"]]
    assert total(client, "/api/articles") == 1
    assert total(client, "/api/claims") == claims_before == len(ECONOMY_CLAIMS)


def test_posting_the_same_url_with_other_text_returns_the_stored_article(client):
    first = created(client, url="https://ledger.example/story")
    again = post_article(client, url="https://ledger.example/story", body=FRENCH)
    assert again.status_code == 200
    assert again.get_json()["article"]["id"] == first["article"]["id"]
    assert total(client, "/api/articles") == 1
    assert total(client, "/api/claims") == len(ECONOMY_CLAIMS)
    assert total(client, "/api/claims", language="fr") == 0


def test_language_is_detected_when_missing(client):
    data = created(client, title="Économie", body=FRENCH)
    assert data["article"]["language"] == "fr"
    assert [c["language"] for c in data["claims"]] == ["fr", "fr"]


def test_a_given_language_is_not_overridden_by_detection(client):
    data = created(client, body=FRENCH, language="en")
    assert data["article"]["language"] == "en"
    assert {c["language"] for c in data["claims"]} == {"en"}


def test_articles_are_listed_newest_first_one_page_at_a_time(client):
    ids = [
        created(client, title=f"Story {n}", body=f"{ECONOMY}\n\nStory number {n} was filed.")[
            "article"
        ]["id"]
        for n in range(3)
    ]
    first = client.get("/api/articles", query_string={"page": 1, "per_page": 2}).get_json()
    second = client.get("/api/articles", query_string={"page": 2, "per_page": 2}).get_json()
    assert (first["total"], first["page"], first["per_page"]) == (3, 1, 2)
    assert [a["id"] for a in first["articles"]] == [ids[2], ids[1]]
    assert [a["id"] for a in second["articles"]] == [ids[0]]
    assert second["total"] == 3
    assert "body" not in first["articles"][0]
    empty = client.get("/api/articles", query_string={"page": 3, "per_page": 2}).get_json()
    assert empty["articles"] == [] and empty["total"] == 3


def test_unknown_page_size_defaults_are_reported(client):
    created(client)
    data = client.get("/api/articles").get_json()
    assert (data["page"], data["per_page"], data["total"]) == (1, 50, 1)


# --- reading claims --------------------------------------------------------------------------


def test_one_claim_comes_with_its_article_source_and_no_verdict(client, corpus):
    claim = corpus["en"]["claims"][1]
    response = client.get(f"/api/claims/{claim['id']}")
    assert response.status_code == 200
    data = response.get_json()["claim"]
    assert data["id"] == claim["id"]
    assert data["text"] == ECONOMY_CLAIMS[1]
    assert (data["start"], data["end"]) == (claim["start"], claim["end"])
    assert data["article"]["id"] == corpus["en"]["article"]["id"]
    assert data["article"]["source"] == "Daily Ledger"
    assert data["verdict"] is None
    assert data["status"] == "unreviewed"


def test_claims_are_ordered_by_checkworthiness_descending(client, corpus):
    data = client.get("/api/claims", query_string={"per_page": 200}).get_json()
    scores = [c["checkworthiness"] for c in data["claims"]]
    assert data["total"] == len(scores) == 5 + 2 + 2
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > scores[-1]
    assert data["claims"][-1]["text"] == "It was a sunny day in the capital."


def test_claims_paginate(client, corpus):
    everything = claim_ids(client)
    page = client.get("/api/claims", query_string={"page": 2, "per_page": 4}).get_json()
    assert page["total"] == 9
    assert [c["id"] for c in page["claims"]] == everything[4:8]


def test_claims_filter_by_language(client, corpus):
    french = client.get("/api/claims", query_string={"language": "fr"}).get_json()
    assert french["total"] == 2
    assert {c["id"] for c in french["claims"]} == {c["id"] for c in corpus["fr"]["claims"]}
    assert all(c["language"] == "fr" for c in french["claims"])
    # `lang` is accepted as an alias.
    assert claim_ids(client, lang="fr") == [c["id"] for c in french["claims"]]


def test_claims_filter_by_source(client, corpus):
    data = client.get("/api/claims", query_string={"source": "Beta Post"}).get_json()
    assert {c["id"] for c in data["claims"]} == {c["id"] for c in corpus["other"]["claims"]}
    assert all(c["article"]["source"] == "Beta Post" for c in data["claims"])
    assert total(client, "/api/claims", source="Nobody") == 0


def test_claims_filter_by_status(client, corpus):
    claim_id = corpus["fr"]["claims"][0]["id"]
    verdict = {"rating": "false", "explanation": "Insee says otherwise."}
    assert client.post(f"/api/claims/{claim_id}/verdicts", json=verdict).status_code == 201
    assert claim_ids(client, status="published") == [claim_id]
    unreviewed = claim_ids(client, status="unreviewed")
    assert claim_id not in unreviewed and len(unreviewed) == 8


def test_claims_filter_by_the_latest_verdicts_rating(client, corpus):
    first, second = (c["id"] for c in corpus["fr"]["claims"][:2])
    for claim_id, rating in ((first, "true"), (second, "false"), (first, "false")):
        verdict = {"rating": rating, "explanation": "Checked against Insee."}
        assert client.post(f"/api/claims/{claim_id}/verdicts", json=verdict).status_code == 201
    assert sorted(claim_ids(client, rating="false")) == sorted([first, second])
    assert claim_ids(client, rating="true") == []
    assert client.get("/api/claims", query_string={"rating": "bogus"}).status_code == 400


def test_claims_filter_by_min_score(client, corpus):
    data = client.get("/api/claims", query_string={"min_score": 0.5, "per_page": 200}).get_json()
    scores = [c["checkworthiness"] for c in data["claims"]]
    assert scores and all(s >= 0.5 for s in scores)
    everything = client.get("/api/claims", query_string={"per_page": 200}).get_json()["claims"]
    assert data["total"] == sum(c["checkworthiness"] >= 0.5 for c in everything) < 9


def test_claims_filter_by_publication_dates(client, corpus):
    english = {c["id"] for c in corpus["en"]["claims"]}
    french = {c["id"] for c in corpus["fr"]["claims"]}
    assert set(claim_ids(client, date_from="2024-02-01")) == french
    assert set(claim_ids(client, date_to="2024-02-01")) == english
    assert set(claim_ids(client, date_from="2024-01-05", date_to="2024-03-10")) == english | french
    assert claim_ids(client, date_from="2024-01-06", date_to="2024-03-09") == []


def test_filters_combine(client, corpus):
    ids = claim_ids(client, language="en", source="Daily Ledger", min_score=0.5)
    en_scores = {c["id"]: c["checkworthiness"] for c in corpus["en"]["claims"]}
    assert set(ids) == {i for i, s in en_scores.items() if s >= 0.5}


# --- near-duplicates -------------------------------------------------------------------------


def test_similar_lists_other_articles_claims_with_scores(client, corpus):
    hospital = next(c for c in corpus["en"]["claims"] if c["text"] == HOSPITALS)
    twin = next(c for c in corpus["other"]["claims"] if c["text"] == HOSPITALS)
    response = client.get(f"/api/claims/{hospital['id']}/similar", query_string={"k": 5})
    assert response.status_code == 200
    data = response.get_json()
    assert data["claim"]["id"] == hospital["id"]
    assert data["claim"]["text"] == HOSPITALS
    similar = data["similar"]
    assert 1 <= len(similar) <= 5
    best = similar[0]
    assert best["claim"]["id"] == twin["id"]
    assert best["claim"]["text"] == HOSPITALS
    assert best["score"] == pytest.approx(1.0, abs=0.01)
    assert best["article"]["id"] == corpus["other"]["article"]["id"]
    assert best["article"]["source"] == "Beta Post"
    assert best["verdict"] is None
    scores = [s["score"] for s in similar]
    assert scores == sorted(scores, reverse=True)
    own_article = corpus["en"]["article"]["id"]
    assert all(s["claim"]["article_id"] != own_article for s in similar)
    assert all(s["article"]["id"] != own_article for s in similar)


def test_similar_never_returns_claims_of_the_same_article(client, corpus):
    # Two identical sentences in one article must not match each other.
    body = f"{HOSPITALS}\n\nThe mayor's office said 300 homes were built.\n\n{HOSPITALS}"
    data = created(client, title="Twice", source="Echo", body=body)
    first = data["claims"][0]
    similar = client.get(f"/api/claims/{first['id']}/similar?k=100").get_json()["similar"]
    assert similar
    assert all(s["article"]["id"] != data["article"]["id"] for s in similar)
    assert {s["article"]["source"] for s in similar if s["claim"]["text"] == HOSPITALS} == {
        "Daily Ledger",
        "Beta Post",
    }


def test_similar_honours_k(client, corpus):
    claim_id = corpus["en"]["claims"][0]["id"]
    one = client.get(f"/api/claims/{claim_id}/similar", query_string={"k": 1}).get_json()
    assert len(one["similar"]) == 1
    many = client.get(f"/api/claims/{claim_id}/similar", query_string={"k": 3}).get_json()
    assert len(many["similar"]) == 3
    assert many["similar"][0]["claim"]["id"] == one["similar"][0]["claim"]["id"]


def test_similar_shows_the_other_claims_verdict(client, corpus):
    hospital = next(c for c in corpus["en"]["claims"] if c["text"] == HOSPITALS)
    twin = next(c for c in corpus["other"]["claims"] if c["text"] == HOSPITALS)
    verdict = {"rating": "mostly-true", "explanation": "Close enough."}
    client.post(f"/api/claims/{twin['id']}/verdicts", json=verdict)
    best = client.get(f"/api/claims/{hospital['id']}/similar").get_json()["similar"][0]
    assert best["claim"]["id"] == twin["id"]
    assert best["verdict"]["rating"] == "mostly-true"
    assert best["verdict"]["rating_value"] == 4


# --- verdicts --------------------------------------------------------------------------------


def test_recording_a_verdict_returns_201_and_marks_the_claim_published(client, corpus):
    claim_id = corpus["en"]["claims"][0]["id"]
    payload = {
        "rating": "mostly-false",
        "explanation": "The rate was 7.4 percent.",
        "evidence_urls": ["https://stats.example/march", "https://stats.example/q1"],
        # The reviewer is the signed-in account; a name in the body is ignored.
        "reviewer": "Ana Reviewer",
    }
    response = client.post(f"/api/claims/{claim_id}/verdicts", json=payload)
    assert response.status_code == 201
    verdict = response.get_json()["verdict"]
    assert verdict["claim_id"] == claim_id
    assert verdict["rating"] == "mostly-false"
    assert verdict["alternate_name"] == "Mostly false"
    assert verdict["rating_value"] == 2
    assert verdict["explanation"] == "The rate was 7.4 percent."
    assert verdict["evidence_urls"] == payload["evidence_urls"]
    assert verdict["reviewer"] == "admin"
    claim = client.get(f"/api/claims/{claim_id}").get_json()["claim"]
    assert claim["status"] == "published"
    assert claim["verdict"]["id"] == verdict["id"]
    assert claim["verdict"]["reviewer"] == "admin"


def test_the_verdict_reviewer_is_the_signed_in_account(app, client, corpus):
    claim_id = corpus["en"]["claims"][1]["id"]
    reviewer = login(app.test_client(), "reviewer")
    payload = {"rating": "true", "explanation": "Customs data.", "reviewer": "admin"}
    response = reviewer.post(f"/api/claims/{claim_id}/verdicts", json=payload)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["verdict"]["reviewer"] == "reviewer"
    history = client.get(f"/api/claims/{claim_id}/verdicts").get_json()["verdicts"]
    assert [v["reviewer"] for v in history] == ["reviewer"]


def test_a_verdict_against_a_stale_version_is_refused(client, corpus):
    claim_id = corpus["en"]["claims"][1]["id"]
    seen = client.get(f"/api/claims/{claim_id}").get_json()["claim"]["version"]
    first = {"rating": "true", "explanation": "Customs data.", "version": seen}
    assert client.post(f"/api/claims/{claim_id}/verdicts", json=first).status_code == 201
    stale = {"rating": "false", "explanation": "Saved over a newer change.", "version": seen}
    response = client.post(f"/api/claims/{claim_id}/verdicts", json=stale)
    assert response.status_code == 409
    assert "changed after you opened it" in response.get_json()["error"]
    history = client.get(f"/api/claims/{claim_id}/verdicts").get_json()["verdicts"]
    assert [v["rating"] for v in history] == ["true"]
    current = client.get(f"/api/claims/{claim_id}").get_json()["claim"]["version"]
    assert current > seen
    fresh = {**stale, "version": current}
    assert client.post(f"/api/claims/{claim_id}/verdicts", json=fresh).status_code == 201


def test_verdict_history_is_newest_first_and_the_claim_shows_the_latest(client, corpus):
    claim_id = corpus["en"]["claims"][1]["id"]
    base = {"evidence_urls": []}
    first = client.post(
        f"/api/claims/{claim_id}/verdicts",
        json={**base, "rating": "unverifiable", "explanation": "No data yet."},
    ).get_json()["verdict"]
    second = client.post(
        f"/api/claims/{claim_id}/verdicts",
        json={**base, "rating": "true", "explanation": "Customs data confirm it."},
    ).get_json()["verdict"]
    history = client.get(f"/api/claims/{claim_id}/verdicts")
    assert history.status_code == 200
    verdicts = history.get_json()["verdicts"]
    assert [v["id"] for v in verdicts] == [second["id"], first["id"]]
    assert [v["rating"] for v in verdicts] == ["true", "unverifiable"]
    assert verdicts[1]["rating_value"] is None
    claim = client.get(f"/api/claims/{claim_id}").get_json()["claim"]
    assert claim["verdict"]["id"] == second["id"]
    assert claim["verdict"]["explanation"] == "Customs data confirm it."
    # Other claims are untouched.
    other = corpus["en"]["claims"][0]["id"]
    assert client.get(f"/api/claims/{other}/verdicts").get_json() == {"verdicts": []}


def test_evidence_urls_may_be_given_as_text(client, corpus):
    claim_id = corpus["en"]["claims"][0]["id"]
    response = client.post(
        f"/api/claims/{claim_id}/verdicts",
        json={
            "rating": "half-true",
            "explanation": "Partly.",
            "evidence_urls": "https://a.example/1\nhttps://b.example/2",
        },
    )
    assert response.status_code == 201
    assert response.get_json()["verdict"]["evidence_urls"] == [
        "https://a.example/1",
        "https://b.example/2",
    ]


# --- search ----------------------------------------------------------------------------------


def test_search_ranks_matching_claims_first(client, corpus):
    response = client.get("/api/search", query_string={"q": "hospital beds opened in the north"})
    assert response.status_code == 200
    data = response.get_json()
    assert data["query"] == "hospital beds opened in the north"
    results = data["results"]
    assert [r["claim"]["text"] for r in results[:2]] == [HOSPITALS, HOSPITALS]
    assert {r["article"]["source"] for r in results[:2]} == {"Daily Ledger", "Beta Post"}
    assert all(set(r) >= {"claim", "score", "article", "verdict"} for r in results)
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    assert results[0]["score"] > results[-1]["score"]


def test_search_honours_k(client, corpus):
    results = client.get("/api/search?q=hospital+beds&k=1").get_json()["results"]
    assert len(results) == 1
    assert results[0]["claim"]["text"] == HOSPITALS


def test_search_filters_by_source(client, corpus):
    results = client.get(
        "/api/search", query_string={"q": "hospital beds", "source": "Beta Post"}
    ).get_json()["results"]
    assert results
    assert {r["article"]["source"] for r in results} == {"Beta Post"}
    assert results[0]["claim"]["id"] in {c["id"] for c in corpus["other"]["claims"]}


def test_search_filters_by_language(client, corpus):
    results = client.get(
        "/api/search", query_string={"q": "exportations 12 %", "lang": "fr"}
    ).get_json()["results"]
    assert results
    assert {r["claim"]["language"] for r in results} == {"fr"}
    assert results[0]["claim"]["text"].startswith("Le ministre de l'Économie")
    english_only = client.get(
        "/api/search", query_string={"q": "exportations 12 %", "lang": "en"}
    ).get_json()["results"]
    assert english_only and {r["claim"]["language"] for r in english_only} == {"en"}


def test_search_on_an_empty_database_finds_nothing(client):
    response = client.get("/api/search", query_string={"q": "anything at all"})
    assert response.status_code == 200
    assert response.get_json()["results"] == []


# --- with the real model ---------------------------------------------------------------------

TOKYO = "Tokyo a évoqué le lancement de deux missiles balistiques."
JAPON = "Le Japon a fait état du tir de deux missiles balistiques mercredi."
FILLER_A = [
    "Le festival de musique de la ville a attiré plus de 20 000 visiteurs ce week-end.",
    "La mairie a annoncé la rénovation de trois écoles primaires d'ici 2025.",
]
FILLER_B = [
    "Le prix du pain a augmenté de 5 % en un an selon les boulangers.",
    "Une nouvelle ligne de tramway ouvrira au printemps prochain dans le centre-ville.",
]


@pytest.mark.model
def test_a_french_restatement_in_another_outlet_is_found(model_client, model_app):
    first = model_client.post(
        "/api/articles",
        json={
            "title": "Missiles",
            "source": "Agence Alpha",
            "body": "\n\n".join([TOKYO, *FILLER_A]),
        },
    )
    second = model_client.post(
        "/api/articles",
        json={
            "title": "Tirs",
            "source": "Le Quotidien",
            "body": "\n\n".join([FILLER_B[0], JAPON, FILLER_B[1]]),
        },
    )
    assert first.status_code == second.status_code == 201
    first, second = first.get_json(), second.get_json()
    assert first["article"]["language"] == second["article"]["language"] == "fr"
    tokyo = next(c for c in first["claims"] if c["text"] == TOKYO)
    japon = next(c for c in second["claims"] if c["text"] == JAPON)

    similar = model_client.get(f"/api/claims/{tokyo['id']}/similar?k=5").get_json()["similar"]
    assert similar[0]["claim"]["id"] == japon["id"]
    assert similar[0]["article"]["source"] == "Le Quotidien"
    threshold = model_app.config["SUGGEST_THRESHOLD"]
    assert similar[0]["score"] >= threshold
    assert all(s["score"] < threshold for s in similar[1:])
    assert similar[0]["score"] - similar[1]["score"] > 0.2
    assert all(s["article"]["id"] != first["article"]["id"] for s in similar)

    results = model_client.get(
        "/api/search", query_string={"q": "Le Japon signale le tir de deux missiles"}
    ).get_json()["results"]
    assert {r["claim"]["id"] for r in results[:2]} == {tokyo["id"], japon["id"]}
    assert results[0]["score"] > results[2]["score"]
    french = model_client.get(
        "/api/search",
        query_string={"q": "deux missiles balistiques", "lang": "fr", "source": "Agence Alpha"},
    ).get_json()["results"]
    assert french[0]["claim"]["id"] == tokyo["id"]
    assert {r["article"]["source"] for r in french} == {"Agence Alpha"}
