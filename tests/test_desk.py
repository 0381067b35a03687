"""The review desk: queue filters, bulk actions, stepping through the queue, and sources."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import select

from claims.models import AuditEntry, Claim, ClaimStatus
from tests.conftest import login
from tests.helpers import claim_row, count, db, import_article, text_of

AFP = (
    "Le ministre Bruno Le Maire a déclaré que la dette atteint 3 000 milliards d'euros.",
    "Selon l'Insee, le chômage a baissé de 0,3 point en 2024.",
)
REUTERS = (
    "The minister said unemployment fell to 7.2 percent in March.",
    "Exports of wheat rose by 12 percent in 2023, according to customs data.",
)


@pytest.fixture
def desk(client) -> dict[str, int]:
    """Two sources' articles; returns claim ids by their first words, and the source ids."""
    ids = {}
    for source, sentences in (("AFP", AFP), ("Reuters", REUTERS)):
        data = import_article(client, source, *sentences, title=f"{source} story")
        ids[f"source:{source}"] = data["article"]["source_id"]
        for claim in data["claims"]:
            ids[claim["text"].split()[1]] = claim["id"]
    return ids


def queue_ids(client, **params) -> list[int]:
    """Return the claim ids the queue page lists for these filters, in order."""
    response = client.get("/claims", query_string=params)
    assert response.status_code == 200, text_of(response)[:500]
    return [int(i) for i in re.findall(r'name="claim_ids" value="(\d+)"', text_of(response))]


def api_ids(client, **params) -> list[int]:
    """Return the claim ids /api/claims lists for these filters."""
    response = client.get("/api/claims", query_string=params)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["claims"]]


# --- filters ---------------------------------------------------------------------------------


def test_status_all_lists_every_claim_and_merged_lists_merged_ones(client, desk):
    published = desk["minister"]
    verdict = {"rating": "true", "explanation": "Eurostat says so."}
    assert client.post(f"/api/claims/{published}/verdicts", json=verdict).status_code == 201
    assert published not in queue_ids(client)
    assert set(queue_ids(client, status="all")) == {v for k, v in desk.items() if ":" not in k}
    assert queue_ids(client, status="published") == [published]
    assert queue_ids(client, status="merged") == []
    assert client.get("/claims?status=bogus").status_code == 400


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"text": "CHÔMAGE"}, ["l'Insee,"]),
        ({"text": "percent"}, ["minister", "of"]),
        ({"text": "100%_"}, []),
        ({"speaker": "le maire"}, ["ministre"]),
    ],
)
def test_text_and_speaker_filters(client, desk, params, expected):
    ids = {desk[word] for word in expected}
    assert set(queue_ids(client, status="all", **params)) == ids
    assert set(api_ids(client, **params)) == ids


def test_the_source_filter_takes_the_source_id(client, desk):
    afp = desk["source:AFP"]
    assert set(queue_ids(client, source_id=afp)) == {desk["ministre"], desk["l'Insee,"]}
    assert client.get("/claims?source_id=abc").status_code == 400


def test_mine_lists_the_signed_in_users_claims(app, client, desk):
    reviewer = app.test_client()
    login(reviewer, "reviewer")
    assert client.post(f"/claims/{desk['minister']}/assign", data={"assignee": "reviewer"})
    assert queue_ids(reviewer, status="all", assignee="mine") == [desk["minister"]]
    assert queue_ids(client, status="all", assignee="mine") == []
    assert desk["minister"] not in queue_ids(client, status="all", assignee="none")
    assert api_ids(reviewer, assignee="mine") == [desk["minister"]]


# --- bulk actions ----------------------------------------------------------------------------


def test_bulk_assign_changes_each_ticked_claim_with_one_audit_entry_each(app, client, desk):
    ticked = [desk["ministre"], desk["l'Insee,"], desk["minister"]]
    form = {"claim_ids": [str(i) for i in ticked], "action": "assign", "assignee": "reviewer"}
    response = client.post("/claims/bulk", data=form)
    assert response.status_code == 302
    for claim_id in ticked:
        claim = claim_row(app, claim_id)
        assert (claim.assignee, claim.status) == ("reviewer", ClaimStatus.IN_REVIEW)
    assert claim_row(app, desk["of"]).assignee is None
    with db(app) as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == "claim.assign"))
        assert sorted(e.claim_id for e in entries) == sorted(ticked)
    assert "3 claims changed." in text_of(client.get("/claims"))


def test_bulk_status_skips_claims_that_cannot_move_and_says_why(app, client, desk):
    done = desk["minister"]
    verdict = {"rating": "false", "explanation": "No."}
    client.post(f"/api/claims/{done}/verdicts", json=verdict)
    form = {"claim_ids": [str(done), str(desk["of"])], "action": "not_claim"}
    assert client.post("/claims/bulk", data=form).status_code == 302
    assert claim_row(app, desk["of"]).status == ClaimStatus.NOT_CLAIM
    assert claim_row(app, done).status == ClaimStatus.PUBLISHED
    page = text_of(client.get("/claims"))
    assert f"Claim {done} left as it was" in page
    # Set aside, it is no longer searchable.
    found = client.get("/api/search", query_string={"q": "wheat exports"}).get_json()["results"]
    assert desk["of"] not in [r["claim"]["id"] for r in found]


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"action": "assign", "assignee": "reviewer"}, "Tick at least one claim"),
        ({"claim_ids": ["1"], "action": "explode"}, "Unknown action"),
        ({"claim_ids": ["1"], "action": "status", "status": "gone"}, "Choose the status"),
    ],
)
def test_bulk_refuses_bad_requests_with_a_sentence(app, client, desk, form, words):
    before = count(app, AuditEntry)
    response = client.post("/claims/bulk", data=form)
    assert response.status_code == 400
    assert words in text_of(response)
    assert count(app, AuditEntry) == before


def test_viewers_may_not_bulk_change_and_see_no_bulk_controls(app, desk):
    viewer = app.test_client()
    login(viewer, "viewer")
    form = {"claim_ids": [str(desk["minister"])], "action": "not_claim"}
    assert viewer.post("/claims/bulk", data=form).status_code == 403
    page = text_of(viewer.get("/claims"))
    assert 'name="claim_ids"' not in page and "/claims/bulk" not in page
    assert "/articles/new" not in text_of(viewer.get("/articles"))


def test_the_api_bulk_action_reports_what_changed(app, client, desk):
    body = {"claim_ids": [desk["minister"], desk["of"]], "action": "status", "value": "in_review"}
    response = client.post("/api/claims/bulk", json=body)
    assert response.status_code == 200
    assert response.get_json() == {"done": [desk["minister"], desk["of"]], "skipped": []}
    again = client.post("/api/claims/bulk", json=body).get_json()
    assert again["done"] == [] and len(again["skipped"]) == 2
    assert (
        client.post("/api/claims/bulk", json={"claim_ids": [], "action": "assign"}).status_code
        == 400
    )


# --- stepping through the queue --------------------------------------------------------------


def test_the_claim_page_steps_through_the_queue_last_shown(client, desk):
    order = queue_ids(client, source_id=desk["source:Reuters"])
    assert len(order) == 2
    first, second = order
    page = text_of(client.get(f"/claims/{first}"))
    # One shortcuts dialog, in the page's body (not its title or head).
    assert page.count('<dialog id="shortcuts"') == 1
    assert page.index("<body>") < page.index('<dialog id="shortcuts"')
    assert f'data-next="/claims/{second}"' in page
    assert "data-previous=" not in page
    page = text_of(client.get(f"/claims/{second}"))
    assert f'data-previous="/claims/{first}"' in page


def test_save_and_next_records_the_verdict_and_opens_the_next_claim(app, client, desk):
    first, second = queue_ids(client, source_id=desk["source:AFP"])
    form = {"rating": "false", "explanation": "Faux.", "then": "next"}
    response = client.post(f"/claims/{first}/verdicts", data=form)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/claims/{second}"
    assert claim_row(app, first).status == ClaimStatus.PUBLISHED
    # The last one goes back to the queue, saying so.
    response = client.post(f"/claims/{second}/verdicts", data=form)
    assert response.headers["Location"].startswith("/claims?")
    assert "last claim in this queue" in text_of(client.get(response.headers["Location"]))


# --- sources ---------------------------------------------------------------------------------


def test_source_pages_list_sources_with_counts_and_their_articles(client, desk):
    page = text_of(client.get("/sources"))
    assert "AFP" in page and "Reuters" in page
    afp = desk["source:AFP"]
    page = text_of(client.get(f"/sources/{afp}"))
    assert "AFP story" in page and "Reuters story" not in page
    assert client.get("/sources/999").status_code == 404
    articles = text_of(client.get("/articles"))
    assert f'href="/sources/{afp}">AFP</a>' in articles


def test_the_api_names_the_source_and_lists_sources(client, desk):
    articles = client.get("/api/articles").get_json()["articles"]
    assert {a["source"] for a in articles} == {"AFP", "Reuters"}
    sources = {s["name"]: s for s in client.get("/api/sources").get_json()["sources"]}
    assert sources["AFP"]["articles"] == 1 and sources["AFP"]["claims"] == 2
    detail = client.get(f"/api/sources/{desk['source:Reuters']}").get_json()
    assert [a["title"] for a in detail["articles"]] == ["Reuters story"]
    assert detail["source"]["published"] == 0


def test_the_changes_table_says_what_happened_in_words(client, desk):
    claim = desk["minister"]
    client.post(f"/claims/{claim}/status", data={"status": "in_review"})
    page = text_of(client.get(f"/claims/{claim}"))
    trail = page[page.index('id="trail"') :]
    assert "status: unreviewed → in review" in trail
    assert '{"' not in trail


def test_merged_claims_are_listed_under_merged(app, client, desk):
    ids = [str(desk["ministre"]), str(desk["l'Insee,"])]
    article = claim_row(app, desk["ministre"]).article_id
    assert client.post(f"/articles/{article}/merge", data={"claim_ids": ids}).status_code == 302
    with db(app) as session:
        merged = session.exec(select(Claim.id).where(Claim.status == ClaimStatus.MERGED)).all()
    assert merged and queue_ids(client, status="merged") == list(merged)
    assert json.dumps(merged)


def test_a_viewer_is_shown_no_control_it_may_not_use(app, client, desk):
    # Something on every page: a verdict, a link, a feed.
    claim = desk["minister"]
    client.post(f"/api/claims/{claim}/verdicts", json={"rating": "true", "explanation": "Ok."})
    client.post("/api/feeds", json={"url": "http://127.0.0.1:9/feed.xml"})
    article = claim_row(app, claim).article_id
    viewer = app.test_client()
    login(viewer, "viewer")
    pages = [
        "/claims",
        "/claims?status=all",
        f"/claims/{claim}",
        "/articles",
        f"/articles/{article}",
        "/sources",
        f"/sources/{desk['source:AFP']}",
        "/feeds",
        "/jobs",
        "/search?q=minister",
        "/export",
        "/dashboard",
    ]
    allowed = {"/logout", "/language"}
    for path in pages:
        page = text_of(viewer.get(path))
        actions = set(re.findall(r'<form[^>]*method="post"[^>]*action="([^"?]+)', page))
        assert actions <= allowed, (path, actions - allowed)
        assert "/articles/new" not in page, path
