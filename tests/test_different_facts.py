""" "Same claim, different facts": near-duplicates whose figures, dates or names differ are
flagged on the claim page, in search and in the API, in French and in English."""

from __future__ import annotations

import html
import json

import pytest
from sqlmodel import select

from claims.models import AuditEntry, ClaimLink, Verdict
from tests.helpers import claim_of, count, db, import_article, text_of


@pytest.fixture
def app(any_db_app):
    """Run this module on SQLite and, when configured, on PostgreSQL."""
    return any_db_app


FRENCH = {
    "original": "Tokyo a évoqué le lancement de trois missiles balistiques vers la mer du Japon.",
    "mutated": "Tokyo a évoqué le lancement de deux missiles balistiques vers la mer du Japon.",
    "restated": "Tokyo a évoqué le lancement de 3 missiles balistiques vers la mer du Japon.",
}
ENGLISH = {
    "original": "The government will spend 500 million euros on the new railway line in 2025.",
    "mutated": "The government will spend 550 million euros on the new railway line in 2025.",
    "restated": "In 2025 the government will spend 500 million euros on the new railway line.",
}
EXPECTED = {"fr": ("trois", "deux"), "en": ("500 million euros", "550 million euros")}


def _import_three(client, sentences: dict[str, str]) -> dict[str, int]:
    """Import each sentence as its own article from its own outlet; return the claim ids."""
    ids = {}
    for outlet, (role, sentence) in zip(("Alpha", "Beta", "Gamma"), sentences.items(), strict=True):
        ids[role] = claim_of(import_article(client, outlet, sentence), sentence)
    return ids


def _by_claim(items: list[dict]) -> dict[int, dict]:
    """Index serialised matches by claim id."""
    return {item["claim"]["id"]: item for item in items}


@pytest.mark.parametrize(("language", "sentences"), [("fr", FRENCH), ("en", ENGLISH)])
def test_the_api_marks_changed_facts_and_leaves_restatements_alone(client, language, sentences):
    ids = _import_three(client, sentences)
    response = client.get(f"/api/claims/{ids['original']}/links")
    assert response.status_code == 200
    links = _by_claim(response.get_json()["links"])
    assert set(links) == {ids["mutated"], ids["restated"]}
    mutated, restated = links[ids["mutated"]], links[ids["restated"]]
    assert mutated["relation"] == "different_facts"
    this, other = EXPECTED[language]
    assert {"kind": "number", "this": this, "other": other} in mutated["differences"]
    assert restated["relation"] == "duplicate"
    assert restated["differences"] == []
    assert mutated["link"]["state"] == "suggested"


def test_similar_and_search_report_the_differences_too(client):
    ids = _import_three(client, FRENCH)
    similar = _by_claim(client.get(f"/api/claims/{ids['original']}/similar").get_json()["similar"])
    assert similar[ids["mutated"]]["relation"] == "different_facts"
    assert similar[ids["restated"]]["relation"] == "duplicate"
    query = "lancement de quatre missiles balistiques par Tokyo"
    results = _by_claim(client.get("/api/search", query_string={"q": query}).get_json()["results"])
    assert results[ids["original"]]["differences"] == [
        {"kind": "number", "this": "quatre", "other": "trois"}
    ]


def test_the_claim_page_says_same_claim_different_facts(client):
    ids = _import_three(client, ENGLISH)
    page = html.unescape(text_of(client.get(f"/claims/{ids['original']}")))
    assert page.count("Same claim, different facts") == 1
    assert "500 million euros vs 550 million euros" in page


def test_the_search_page_shows_the_differing_figure(client):
    _import_three(client, FRENCH)
    page = text_of(client.get("/search", query_string={"q": FRENCH["original"]}))
    assert page.count("Same claim, different facts") == 1
    assert "trois vs deux" in html.unescape(page)


def _confirmed_pair_with_a_verdict(client, sentences: dict[str, str]) -> tuple[int, int, int]:
    """Link the original and the mutated claim, give the mutated one a verdict; return ids."""
    ids = _import_three(client, sentences)
    links = client.get(f"/api/claims/{ids['original']}/links").get_json()["links"]
    link = _by_claim(links)[ids["mutated"]]["link"]["id"]
    assert client.post(f"/links/{link}", data={"state": "confirmed"}).status_code == 302
    verdict = {"rating": "false", "explanation": "Only two missiles, says the ministry."}
    created = client.post(f"/api/claims/{ids['mutated']}/verdicts", json=verdict)
    return ids["original"], ids["mutated"], created.get_json()["verdict"]["id"]


@pytest.mark.parametrize(("language", "sentences"), [("fr", FRENCH), ("en", ENGLISH)])
def test_the_api_refuses_to_reuse_a_verdict_across_different_facts(client, language, sentences):
    claim, _other, verdict = _confirmed_pair_with_a_verdict(client, sentences)
    before = count(client.application, Verdict)
    for reason in (None, "", "   "):
        body = {"verdict_id": verdict, "override_reason": reason}
        response = client.post(f"/api/claims/{claim}/verdicts/reuse", json=body)
        assert response.status_code == 409
        data = response.get_json()
        this, other = EXPECTED[language]
        assert {"kind": "number", "this": this, "other": other} in data["differences"]
        assert "reason" in data["error"]
    assert count(client.application, Verdict) == before


def test_an_override_with_a_reason_applies_the_verdict_and_audits_the_reason(client):
    claim, _other, verdict = _confirmed_pair_with_a_verdict(client, FRENCH)
    body = {"verdict_id": verdict, "override_reason": "Le nombre ne change pas la conclusion."}
    response = client.post(f"/api/claims/{claim}/verdicts/reuse", json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["verdict"]["reused_from_id"] == verdict
    with db(client.application) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "verdict.reuse")).one()
    after = json.loads(entry.after)
    assert after["override_reason"] == "Le nombre ne change pas la conclusion."
    assert "trois vs deux" in after["differences"]


def test_a_restatement_reuses_without_a_reason(client):
    ids = _import_three(client, ENGLISH)
    with db(client.application) as session:
        links = session.exec(select(ClaimLink)).all()
    pair = {ids["original"], ids["restated"]}
    link = next(x for x in links if {x.claim_a_id, x.claim_b_id} == pair)
    assert client.post(f"/links/{link.id}", data={"state": "confirmed"}).status_code == 302
    verdict = {"rating": "true", "explanation": "The budget says so."}
    created = client.post(f"/api/claims/{ids['restated']}/verdicts", json=verdict).get_json()
    body = {"verdict_id": created["verdict"]["id"]}
    response = client.post(f"/api/claims/{ids['original']}/verdicts/reuse", json=body)
    assert response.status_code == 201


def test_the_claim_page_asks_for_a_reason_and_refuses_without_one(client):
    claim, _other, verdict = _confirmed_pair_with_a_verdict(client, FRENCH)
    page = text_of(client.get(f"/claims/{claim}"))
    assert 'name="override_reason" required' in page
    before = count(client.application, Verdict)
    refused = client.post(f"/claims/{claim}/verdicts/reuse", data={"verdict_id": verdict})
    assert refused.status_code == 409
    assert "trois vs deux" in html.unescape(text_of(refused))
    assert count(client.application, Verdict) == before
    form = {"verdict_id": verdict, "override_reason": "Même conclusion."}
    assert client.post(f"/claims/{claim}/verdicts/reuse", data=form).status_code == 302
    assert count(client.application, Verdict) == before + 1


def test_links_of_an_unknown_claim_is_a_404(client):
    response = client.get("/api/claims/999999/links")
    assert response.status_code == 404
    assert "999999" in response.get_json()["error"]


@pytest.mark.model
@pytest.mark.parametrize(("language", "sentences"), [("fr", FRENCH), ("en", ENGLISH)])
def test_with_the_real_model_mutations_are_linked_and_flagged(model_client, language, sentences):
    ids = _import_three(model_client, sentences)
    links = _by_claim(model_client.get(f"/api/claims/{ids['original']}/links").get_json()["links"])
    assert links[ids["mutated"]]["relation"] == "different_facts"
    assert links[ids["restated"]]["relation"] == "duplicate"
    assert links[ids["mutated"]]["differences"][0]["kind"] == "number"
