"""Correcting the extraction from the article page: reword, add, split and merge claims, and
delete articles; each audited, re-embedded, re-matched, with the index following."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import select

from claims.models import AuditEntry, Claim, ClaimLink, Comment, Verdict
from claims.search.changes import last_change
from claims.text.checkworthiness import score
from tests.conftest import HashingEmbedder
from tests.helpers import claim_of, claim_row, count, db, import_article, redirected_to, text_of


@pytest.fixture
def app(any_db_app):
    """Run this module on SQLite and, when configured, on PostgreSQL."""
    return any_db_app


ROOT = Path(__file__).resolve().parent.parent
MISSILE = "The defence ministry said North Korea fired two ballistic missiles on Wednesday."
HOUSING = "The mayor said 300 new homes were built in the city during 2023."
EXPORTS = "Finance minister Jane Doe claimed that exports rose by 12 percent last year."
SCHOOLS = "Officials gave a press conference on Monday about school budgets."
ZEBRAS = "Zebras crossed the savanna river near the old wooden bridge."


# --- helpers ---------------------------------------------------------------------------------


def claims_of(app, article_id: int) -> list[Claim]:
    """Return an article's claims in id order."""
    with db(app) as session:
        query = select(Claim).where(Claim.article_id == article_id).order_by(Claim.id)
        return list(session.exec(query))


def audit_of(app, action: str) -> list[AuditEntry]:
    """Return the audit entries of one action, oldest first."""
    with db(app) as session:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list(session.exec(query))


def links(app) -> dict[tuple[int, int], ClaimLink]:
    """Return every stored link by its pair."""
    with db(app) as session:
        return {(lk.claim_a_id, lk.claim_b_id): lk for lk in session.exec(select(ClaimLink))}


def body_of(client, article_id: int) -> str:
    """Return an article's stored body."""
    return client.get(f"/api/articles/{article_id}").get_json()["article"]["body"]


def index_ids(app) -> set[int]:
    """Return the ids in the app's dense index."""
    return set(app.extensions["claims"].index.dense.ids())


def lexical_ids(app, text: str) -> set[int]:
    """Return the ids the app's BM25 index matches for a text."""
    return set(app.extensions["claims"].index.lexical.score_all(text, "en").as_dict())


def assert_index_state_matches(app) -> None:
    """The index has applied the whole change log, and both its halves hold the same claims."""
    index = app.extensions["claims"].index
    with db(app) as session:
        assert index.position == last_change(session)
    assert len(index.dense.ids()) == len(index.lexical)


def search(client, q: str) -> list[tuple[int, float]]:
    """Return (claim id, score) of the API search results, best first."""
    response = client.get("/api/search", query_string={"q": q, "k": 50})
    assert response.status_code == 200, response.get_json()
    return [(r["claim"]["id"], r["score"]) for r in response.get_json()["results"]]


def page_error(response) -> str:
    """Return the refusal shown on an article page (unescaped)."""
    match = re.search(r'<p class="error" role="alert">(.*?)</p>', text_of(response), re.DOTALL)
    assert match, text_of(response)[:2000]
    return html.unescape(match.group(1))


def reword(client, claim_id: int, text: str, version=None):
    """Submit a claim's wording form on the article page."""
    data = {"text": text}
    if version is not None:
        data["version"] = str(version)
    return client.post(f"/claims/{claim_id}/text", data=data)


@pytest.fixture
def story(client) -> dict:
    """One article with three claims, and its body."""
    data = import_article(client, "Alpha", MISSILE, HOUSING, EXPORTS)
    article_id = data["article"]["id"]
    return {
        "article": article_id,
        "body": body_of(client, article_id),
        "missile": claim_of(data, MISSILE),
        "housing": claim_of(data, HOUSING),
        "exports": claim_of(data, EXPORTS),
    }


# --- rewording -------------------------------------------------------------------------------


def test_rewording_keeps_the_original_in_the_audit_and_re_embeds(reviewer, app, story):
    claim_id = story["housing"]
    before = claim_row(app, claim_id)
    assert claim_id in lexical_ids(app, "300 new homes built")
    assert search(reviewer, HOUSING)[0] == (claim_id, pytest.approx(1.0, abs=0.01))

    response = reword(
        reviewer,
        claim_id,
        "  Zebras crossed the savanna river\n near the old wooden bridge.  ",
        before.version,
    )
    redirected_to(response, f"/articles/{story['article']}#claim-{claim_id}")

    after = claim_row(app, claim_id)
    assert after.text == ZEBRAS
    assert after.version == before.version + 1
    assert after.checkworthiness == pytest.approx(score(ZEBRAS, "en"))
    assert after.checkworthiness != pytest.approx(before.checkworthiness)
    assert after.embedding != before.embedding
    assert after.embedding == HashingEmbedder().encode([ZEBRAS])[0].tobytes()
    # The span in the article is unchanged: only the wording is corrected.
    assert (after.start, after.end) == (before.start, before.end)

    (entry,) = audit_of(app, "claim.edit")
    assert (entry.actor, entry.claim_id) == ("reviewer", claim_id)
    assert json.loads(entry.before)["text"] == HOUSING
    assert json.loads(entry.after)["text"] == ZEBRAS

    # The index serves the new wording, not the old one.
    index = app.extensions["claims"].index
    stored = index.dense.reconstruct(claim_id)
    assert np.allclose(stored, HashingEmbedder().encode([ZEBRAS])[0])
    found = search(reviewer, "zebras savanna river bridge")
    assert found[0][0] == claim_id and found[0][1] > 0.5
    assert claim_id in lexical_ids(app, "zebras savanna")
    assert claim_id not in lexical_ids(app, "300 new homes built")
    old = dict(search(reviewer, HOUSING))
    assert old[claim_id] < 0.5
    assert_index_state_matches(app)

    page = text_of(reviewer.get(f"/articles/{story['article']}"))
    assert "Claim reworded; its matches were refreshed." in page
    assert ZEBRAS in page


def test_rewording_recomputes_the_near_duplicate_suggestions(client, app):
    first = import_article(client, "Alpha", MISSILE, HOUSING)
    second = import_article(client, "Beta", SCHOOLS, MISSILE)
    a, housing = claim_of(first, MISSILE), claim_of(first, HOUSING)
    b, schools = claim_of(second, MISSILE), claim_of(second, SCHOOLS)
    assert set(links(app)) == {(a, b)}

    # Reworded into a restatement of the other article's claim: a suggestion appears.
    redirected_to(
        reword(client, housing, SCHOOLS), f"/articles/{first['article']['id']}#claim-{housing}"
    )
    found = links(app)
    assert set(found) == {(a, b), (housing, schools)}
    assert found[(housing, schools)].state == "suggested"
    assert found[(housing, schools)].score == pytest.approx(1.0, abs=0.01)
    similar = client.get(f"/api/claims/{housing}/similar").get_json()["similar"]
    assert similar[0]["claim"]["id"] == schools

    # Reworded away again: the undecided suggestion goes.
    assert reword(client, housing, ZEBRAS).status_code == 302
    assert set(links(app)) == {(a, b)}

    # A decided link is the reviewers' word and stays, whatever the wording.
    confirmed = client.post(f"/links/{links(app)[(a, b)].id}", data={"state": "confirmed"})
    assert confirmed.status_code == 302
    assert reword(client, a, "The ministry reported a launch of two missiles.").status_code == 302
    assert links(app)[(a, b)].state == "confirmed"


def test_a_stale_or_empty_rewording_is_refused(client, reviewer, app, story):
    claim_id = story["missile"]
    assert reword(reviewer, claim_id, "The ministry reported two missiles.", 1).status_code == 302

    stale = reword(client, claim_id, "Something else entirely.", 1)
    assert stale.status_code == 409
    message = page_error(stale)
    assert "not saved" in message and "reviewer — claim.edit" in message
    assert "text: The ministry reported two missiles." in message

    for text, status, words in (
        ("   ", 400, "The claim text is empty."),
        ("x" * 2001, 400, "A claim has at most 2,000 characters."),
    ):
        response = reword(client, claim_id, text, 2)
        assert response.status_code == status
        assert page_error(response) == words
    claim = claim_row(app, claim_id)
    assert (claim.text, claim.version) == ("The ministry reported two missiles.", 2)
    assert len(audit_of(app, "claim.edit")) == 1


# --- adding a claim from a selection ---------------------------------------------------------


def test_a_selection_becomes_a_claim_trimmed_and_indexed(reviewer, app, story):
    body = story["body"]
    start = body.index(" North Korea")
    end = body.index(" on Wednesday") + 1
    assert body[start:end] == " North Korea fired two ballistic missiles "

    response = reviewer.post(
        f"/articles/{story['article']}/claims", data={"start": start, "end": end}
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(f"/articles/{story['article']}#claim-")
    new_id = int(location.rsplit("-", 1)[1])
    claim = claim_row(app, new_id)
    assert (claim.start, claim.end) == (start + 1, end - 1)
    assert claim.text == body[claim.start : claim.end] == "North Korea fired two ballistic missiles"
    assert (claim.status, claim.position, claim.language) == ("unreviewed", 3, "en")
    assert claim.embedding == HashingEmbedder().encode([claim.text])[0].tobytes()
    assert claim.checkworthiness == pytest.approx(score(claim.text, "en"))

    assert new_id in index_ids(app)
    assert search(reviewer, "North Korea fired two ballistic missiles")[0][0] == new_id
    assert_index_state_matches(app)
    (entry,) = audit_of(app, "claim.add")
    assert (entry.actor, entry.claim_id, entry.before) == ("reviewer", new_id, None)
    assert json.loads(entry.after)["text"] == claim.text

    page = text_of(reviewer.get(location))
    assert "Claim added." in page and f'id="claim-{new_id}"' in page


@pytest.mark.parametrize(
    ("selection", "words"),
    [
        (lambda body: {"start": 0, "end": len(body) + 1}, "must lie within the article"),
        (lambda body: {"start": 10, "end": 10}, "must lie within the article"),
        (lambda body: {"start": 20, "end": 10}, "must lie within the article"),
        (lambda body: {"start": len(body), "end": len(body)}, "must lie within the article"),
        (
            lambda body: {"start": body.index("\n\n"), "end": body.index("\n\n") + 2},
            "The selection holds no text.",
        ),
        (lambda body: {"end": 10}, "Select a passage of the article first."),
        (lambda body: {"start": "", "end": ""}, "Select a passage of the article first."),
        (lambda body: {"start": "ten", "end": 20}, "start must be a whole number."),
        (lambda body: {"start": -3, "end": 20}, "start must be between 0 and"),
    ],
    ids=[
        "past-the-end",
        "empty",
        "reversed",
        "at-the-end",
        "whitespace",
        "no-start",
        "blank",
        "not-a-number",
        "negative",
    ],
)
def test_a_bad_selection_is_refused(reviewer, app, story, selection, words):
    response = reviewer.post(f"/articles/{story['article']}/claims", data=selection(story["body"]))
    assert response.status_code == 400
    assert words in page_error(response)
    assert len(claims_of(app, story["article"])) == 3
    assert audit_of(app, "claim.add") == []


@pytest.mark.parametrize("padding", [0, 2], ids=["exact", "with-surrounding-whitespace"])
def test_a_passage_that_is_already_a_claim_is_refused(reviewer, app, story, padding):
    claim = claim_row(app, story["housing"])
    response = reviewer.post(
        f"/articles/{story['article']}/claims",
        data={"start": claim.start - padding, "end": claim.end + padding},
    )
    assert response.status_code == 400
    assert page_error(response) == "That passage is already a claim."
    assert len(claims_of(app, story["article"])) == 3


# --- splitting -------------------------------------------------------------------------------


def test_splitting_inside_a_claim_partitions_its_span(reviewer, app, story):
    body, original = story["body"], claim_row(app, story["exports"])
    at = body.index(" exports", original.start)

    response = reviewer.post(
        f"/claims/{original.id}/split", data={"at": at, "version": original.version}
    )
    redirected_to(response, f"/articles/{story['article']}#claim-{original.id}")

    first = claim_row(app, original.id)
    (second,) = [c for c in claims_of(app, story["article"]) if c.id > story["exports"]]
    assert (first.start, first.end) == (original.start, at)
    assert (second.start, second.end) == (at + 1, original.end)
    assert body[first.end : second.start] == " "  # only whitespace is left out
    assert first.text == body[first.start : first.end] == "Finance minister Jane Doe claimed that"
    assert second.text == body[second.start : second.end] == "exports rose by 12 percent last year."
    assert first.version == original.version + 1
    assert first.embedding != original.embedding
    assert second.status == "unreviewed"

    assert {first.id, second.id} <= index_ids(app)
    assert search(reviewer, "exports rose by 12 percent last year")[0][0] == second.id
    assert search(reviewer, "Finance minister Jane Doe claimed that")[0][0] == first.id
    assert first.id not in lexical_ids(app, "percent")
    assert_index_state_matches(app)

    (split,) = audit_of(app, "claim.split")
    assert split.claim_id == first.id and json.loads(split.before)["text"] == EXPORTS
    (split_from,) = audit_of(app, "claim.split_from")
    assert split_from.claim_id == second.id and split_from.before is None
    page = text_of(reviewer.get(f"/articles/{story['article']}"))
    assert "Claim split in two." in page
    assert f'id="hl-{first.id}"' in page and f'id="hl-{second.id}"' in page


def test_splitting_a_published_claim_leaves_the_new_part_unreviewed(client, app, story):
    claim = claim_row(app, story["exports"])
    verdict = client.post(
        f"/api/claims/{claim.id}/verdicts", json={"rating": "true", "explanation": "Yes."}
    )
    assert verdict.status_code == 201
    at = story["body"].index(" exports", claim.start)
    assert client.post(f"/claims/{claim.id}/split", data={"at": at}).status_code == 302
    statuses = {c.id: c.status for c in claims_of(app, story["article"])}
    assert statuses[claim.id] == "published"
    assert sorted(statuses.values()).count("unreviewed") == 3


@pytest.mark.parametrize("where", ["start", "end", "after", "before", "far"])
def test_splitting_outside_a_claim_is_refused(reviewer, app, story, where):
    claim = claim_row(app, story["housing"])
    at = {
        "start": claim.start,
        "end": claim.end,
        "after": claim.end + 1,
        "before": claim.start - 1,
        "far": 10**6,
    }[where]
    response = reviewer.post(f"/claims/{claim.id}/split", data={"at": at, "version": 1})
    assert response.status_code == 400
    assert page_error(response) == (
        "Split inside the claim, between its first and last characters."
    )
    after = claim_row(app, claim.id)
    assert (after.start, after.end, after.version) == (claim.start, claim.end, claim.version)
    assert len(claims_of(app, story["article"])) == 3
    assert audit_of(app, "claim.split") == []


def test_a_stale_split_is_refused(client, reviewer, app, story):
    claim = claim_row(app, story["exports"])
    assert reword(reviewer, claim.id, EXPORTS + " Really.", 1).status_code == 302
    at = story["body"].index(" exports", claim.start)
    response = client.post(f"/claims/{claim.id}/split", data={"at": at, "version": 1})
    assert response.status_code == 409
    assert "reviewer — claim.edit" in page_error(response)
    assert len(claims_of(app, story["article"])) == 3


# --- merging ---------------------------------------------------------------------------------


def test_merging_two_claims_keeps_the_earlier_spanning_both(reviewer, app, story):
    missile, housing = claim_row(app, story["missile"]), claim_row(app, story["housing"])
    assert missile.start < housing.start
    # Ticked in either order, the earlier claim is the one kept.
    response = reviewer.post(
        f"/articles/{story['article']}/merge",
        data={"claim_ids": [str(housing.id), str(missile.id)]},
    )
    redirected_to(response, f"/articles/{story['article']}#claim-{missile.id}")

    kept, dropped = claim_row(app, missile.id), claim_row(app, housing.id)
    assert (kept.start, kept.end) == (missile.start, housing.end)
    assert kept.text == f"{MISSILE} {HOUSING}"
    assert kept.status == "unreviewed" and kept.version == missile.version + 1
    assert kept.embedding == HashingEmbedder().encode([kept.text])[0].tobytes()
    assert dropped.status == "merged" and dropped.version == housing.version + 1
    assert (dropped.start, dropped.end, dropped.text) == (housing.start, housing.end, HOUSING)

    assert kept.id in index_ids(app) and dropped.id not in index_ids(app)
    assert dropped.id not in lexical_ids(app, HOUSING)
    assert dropped.id not in [claim_id for claim_id, _ in search(reviewer, HOUSING)]
    assert search(reviewer, HOUSING)[0][0] == kept.id
    assert_index_state_matches(app)

    (merge,) = audit_of(app, "claim.merge")
    assert merge.claim_id == kept.id and merge.actor == "reviewer"
    assert json.loads(merge.before)["end"] == missile.end
    assert json.loads(merge.after)["end"] == housing.end
    (merged_into,) = audit_of(app, "claim.merged_into")
    assert merged_into.claim_id == dropped.id and json.loads(merged_into.before)["into"] == kept.id

    page = text_of(reviewer.get(f"/articles/{story['article']}"))
    assert "Claims merged." in page
    assert f'id="claim-{dropped.id}"' not in page and f'id="hl-{dropped.id}"' not in page
    assert "2 claims" in page
    # A merged claim cannot be merged again, nor take a verdict.
    again = reviewer.post(
        f"/articles/{story['article']}/merge",
        data={"claim_ids": [str(dropped.id), str(story["exports"])]},
    )
    assert again.status_code == 400
    assert page_error(again) == "One of these claims was already merged into another."
    verdict = reviewer.post(
        f"/api/claims/{dropped.id}/verdicts", json={"rating": "true", "explanation": "Yes."}
    )
    assert verdict.status_code == 400


def test_a_merged_claim_is_no_longer_offered_as_a_near_duplicate(client, app):
    first = import_article(client, "Alpha", HOUSING, MISSILE)
    second = import_article(client, "Beta", SCHOOLS, MISSILE)
    housing, dropped = claim_of(first, HOUSING), claim_of(first, MISSILE)
    other = claim_of(second, MISSILE)
    assert (dropped, other) in links(app)
    response = client.post(
        f"/articles/{first['article']['id']}/merge",
        data={"claim_ids": [str(housing), str(dropped)]},
    )
    assert response.status_code == 302
    assert claim_row(app, dropped).status == "merged"
    similar = re.search(
        r'<section id="similar">(.*?)</section>', text_of(client.get(f"/claims/{other}")), re.DOTALL
    ).group(1)
    assert f'href="/claims/{dropped}"' not in similar
    assert all(link.state != "suggested" for pair, link in links(app).items() if dropped in pair)


def test_claims_of_different_articles_cannot_be_merged(reviewer, app, story):
    other = import_article(reviewer, "Beta", SCHOOLS)
    schools = claim_of(other, SCHOOLS)
    response = reviewer.post(
        f"/articles/{story['article']}/merge",
        data={"claim_ids": [str(story["missile"]), str(schools)]},
    )
    assert response.status_code == 400
    assert page_error(response) == "Both claims must belong to this article."
    assert {c.status for c in claims_of(app, story["article"])} == {"unreviewed"}
    assert claim_row(app, schools).status == "unreviewed"
    assert audit_of(app, "claim.merge") == []


@pytest.mark.parametrize(
    ("ticked", "words"),
    [
        (["missile"], "Tick exactly two claims to merge."),
        (["missile", "housing", "exports"], "Tick exactly two claims to merge."),
        ([], "Tick exactly two claims to merge."),
        (["missile", "missile"], "Only two different claims of the same article can be merged."),
    ],
    ids=["one", "three", "none", "the-same-twice"],
)
def test_merging_needs_two_different_claims(reviewer, app, story, ticked, words):
    data = {"claim_ids": [str(story[name]) for name in ticked]}
    response = reviewer.post(f"/articles/{story['article']}/merge", data=data)
    assert response.status_code == 400
    assert page_error(response) == words
    assert {(c.status, c.version) for c in claims_of(app, story["article"])} == {("unreviewed", 1)}


# --- deleting an article ---------------------------------------------------------------------


@pytest.fixture
def reviewed_pair(client, app) -> dict:
    """Two articles sharing a claim: link confirmed, verdict on one and reused on the other."""
    first = import_article(client, "Alpha", MISSILE, HOUSING, title="First")
    second = import_article(client, "Beta", SCHOOLS, MISSILE, title="Second")
    a, b = claim_of(first, MISSILE), claim_of(second, MISSILE)
    link = links(app)[(a, b)]
    assert client.post(f"/links/{link.id}", data={"state": "confirmed"}).status_code == 302
    verdict = client.post(
        f"/api/claims/{a}/verdicts", json={"rating": "false", "explanation": "No launch."}
    )
    assert verdict.status_code == 201
    source = verdict.get_json()["verdict"]["id"]
    reuse = client.post(f"/claims/{b}/verdicts/reuse", data={"verdict_id": source})
    assert reuse.status_code == 302
    assert client.post(f"/claims/{a}/comments", data={"body": "Done."}).status_code == 302
    return {
        "first": first["article"]["id"],
        "second": second["article"]["id"],
        "first_claims": [c["id"] for c in first["claims"]],
        "a": a,
        "b": b,
        "source": source,
    }


def test_deleting_an_article_removes_everything_hanging_off_it(client, app, reviewed_pair):
    ids = reviewed_pair
    gone = ids["first_claims"]
    assert set(gone) <= index_ids(app)

    response = client.post(f"/articles/{ids['first']}/delete")
    redirected_to(response, "/articles")
    assert "Article deleted." in text_of(client.get("/articles"))

    assert claims_of(app, ids["first"]) == []
    assert count(app, ClaimLink) == 0
    assert count(app, Verdict, Verdict.claim_id.in_(gone)) == 0
    assert count(app, Comment) == 0
    assert client.get(f"/articles/{ids['first']}").status_code == 404
    assert client.get(f"/claims/{ids['a']}").status_code == 404
    # The reused verdict elsewhere keeps its text but no longer points at the deleted one.
    with db(app) as session:
        (kept,) = session.exec(select(Verdict).where(Verdict.claim_id == ids["b"])).all()
    assert (kept.rating, kept.explanation, kept.reused_from_id) == ("false", "No launch.", None)
    assert client.get(f"/claims/{ids['b']}").status_code == 200

    assert not set(gone) & index_ids(app)
    assert index_ids(app) == {c.id for c in claims_of(app, ids["second"])}
    assert not set(gone) & {claim_id for claim_id, _ in search(client, HOUSING)}
    assert not set(gone) & lexical_ids(app, HOUSING)
    assert_index_state_matches(app)

    (entry,) = audit_of(app, "article.delete")
    assert (entry.actor, entry.entity, entry.entity_id) == ("admin", "article", ids["first"])
    assert json.loads(entry.before) == {"title": "First", "url": None, "claims": 2, "verdicts": 1}


def test_only_an_admin_may_delete_an_article(reviewer, app, reviewed_pair):
    article_id = reviewed_pair["first"]
    page = text_of(reviewer.get(f"/articles/{article_id}"))
    assert "Delete article" not in page
    assert reviewer.post(f"/articles/{article_id}/delete").status_code == 403
    assert reviewer.delete(f"/api/articles/{article_id}").status_code == 403
    assert len(claims_of(app, article_id)) == 2
    assert count(app, Verdict) == 2 and count(app, ClaimLink) == 1
    assert set(reviewed_pair["first_claims"]) <= index_ids(app)
    assert audit_of(app, "article.delete") == []


def test_deleting_through_the_api_is_audited_too(client, app, reviewed_pair):
    response = client.delete(f"/api/articles/{reviewed_pair['second']}")
    assert response.status_code == 204
    assert claims_of(app, reviewed_pair["second"]) == []
    assert count(app, Verdict) == 1 and count(app, ClaimLink) == 0
    assert reviewed_pair["b"] not in index_ids(app)
    assert_index_state_matches(app)
    (entry,) = audit_of(app, "article.delete")
    assert json.loads(entry.before)["title"] == "Second"


# --- with the real model ---------------------------------------------------------------------

DISCUSSIONS = "Ils ont mené des discussions officielles d'environ deux heures"
JAPAN = "Le gouvernement japonais a, de son côté, fait état de trois missiles balistiques"
TALKS = "Les deux hommes se sont ensuite entretenus pendant environ deux heures"
RESTATED = (
    "Selon Tokyo, trois missiles balistiques ont été tirés"
    " depuis le territoire de la Corée du Nord."
)


@pytest.mark.model
def test_rewording_with_the_real_model_refreshes_the_suggestions(model_app, model_client):
    seeds = [ROOT / "seeds" / "000_80195b25ecaf3ebc.txt", *(ROOT / "seeds").glob("001_*.md")]
    assert len(seeds) == 2
    result = model_app.test_cli_runner().invoke(args=["claims", "import", *map(str, seeds)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 new article(s)" in result.output

    def claim_with(fragment: str) -> Claim:
        with db(model_app) as session:
            return session.exec(select(Claim).where(Claim.text.contains(fragment))).one()

    claim, japan, talks = claim_with(DISCUSSIONS), claim_with(JAPAN), claim_with(TALKS)
    assert claim.article_id != japan.article_id == talks.article_id

    def pairs_of(claim_id: int) -> dict[int, ClaimLink]:
        found = links(model_app)
        return {
            (b if a == claim_id else a): link
            for (a, b), link in found.items()
            if claim_id in (a, b)
        }

    # At import the talks were matched with the other outlet's account of them.
    assert talks.id in pairs_of(claim.id) and japan.id not in pairs_of(claim.id)

    response = model_client.post(
        f"/claims/{claim.id}/text", data={"text": RESTATED, "version": claim.version}
    )
    redirected_to(response, f"/articles/{claim.article_id}#claim-{claim.id}")

    suggested = pairs_of(claim.id)
    assert japan.id in suggested and talks.id not in suggested
    assert suggested[japan.id].state == "suggested"
    assert suggested[japan.id].score >= model_app.config["SUGGEST_THRESHOLD"]
    similar = model_client.get(f"/api/claims/{claim.id}/similar?k=3").get_json()["similar"]
    assert similar[0]["claim"]["id"] == japan.id
    page = text_of(model_client.get(f"/claims/{claim.id}"))
    near = re.search(r'<section id="similar">(.*?)</section>', page, re.DOTALL).group(1)
    assert f'href="/claims/{japan.id}"' in near and f'href="/claims/{talks.id}"' not in near
