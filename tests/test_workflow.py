"""The review workflow: status, assignment, comments, the audit trail, append-only verdicts,
optimistic concurrency (409 on a stale save) and reusing a confirmed duplicate's verdict."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlmodel import func, select

from claims.models import AuditEntry, Claim, ClaimLink, Comment, Verdict
from claims.schemas import VerdictIn
from claims.search.changes import last_change
from claims.search.index import ClaimIndex
from claims.services.users import find_user
from claims.services.verdicts import record_verdict
from claims.services.versions import Conflict
from tests.conftest import login
from tests.helpers import claim_of, claim_row, count, db, import_article, redirected_to, text_of


@pytest.fixture
def app(any_db_app):
    """Run this module on SQLite and, when configured, on PostgreSQL."""
    return any_db_app


MISSILE = "The defence ministry said North Korea fired two ballistic missiles on Wednesday."
HOUSING = "The mayor said 300 new homes were built in the city during 2023."
EXPORTS = "Finance minister Jane Doe claimed that exports rose by 12 percent last year."
SCHOOLS = "Officials gave a press conference on Monday about school budgets."


# --- helpers ---------------------------------------------------------------------------------


def verdicts_of(app, claim_id: int) -> list[Verdict]:
    """Return a claim's verdict rows, oldest first."""
    with db(app) as session:
        query = select(Verdict).where(Verdict.claim_id == claim_id).order_by(Verdict.id)
        return list(session.exec(query))


def audit_of(app, *conditions) -> list[AuditEntry]:
    """Return audit entries, oldest first, optionally narrowed."""
    with db(app) as session:
        return list(session.exec(select(AuditEntry).where(*conditions).order_by(AuditEntry.id)))


def section(page: str, section_id: str) -> str:
    """Return the inside of `<section id=...>` (sections of the claim page do not nest)."""
    match = re.search(rf'<section id="{section_id}">(.*?)</section>', page, re.DOTALL)
    assert match, f"no section {section_id!r}"
    return match.group(1)


def error_of(page: str) -> str:
    """Return the refusal shown on a claim page (unescaped)."""
    match = re.search(r'<p class="error" role="alert" id="error">(.*?)</p>', page, re.DOTALL)
    assert match, "the page shows no error"
    return html.unescape(match.group(1))


def page_version(page: str, form: str = "verdict") -> int:
    """Return the claim version a section's form was rendered with."""
    found = re.findall(r'name="version" value="(\d+)"', section(page, form))
    assert found, f"no version in the {form} form"
    return int(found[0])


def search_ids(client, q: str) -> list[int]:
    """Return the ids of the claims the API search finds, best first."""
    response = client.get("/api/search", query_string={"q": q, "k": 50})
    assert response.status_code == 200, response.get_json()
    return [r["claim"]["id"] for r in response.get_json()["results"]]


def index_of(app) -> ClaimIndex:
    """Return the app's claim index (the one requests use)."""
    return app.extensions["claims"].index


def log_position(app) -> int:
    """Return the newest change in the search change log."""
    with db(app) as session:
        return last_change(session)


def post_verdict(client, claim_id: int, rating: str, explanation: str, version=None):
    """Submit the claim page's verdict form."""
    data = {"rating": rating, "explanation": explanation, "evidence_urls": ""}
    if version is not None:
        data["version"] = str(version)
    return client.post(f"/claims/{claim_id}/verdicts", data=data)


def set_status(client, claim_id: int, status: str, version=None, **extra):
    """Submit the claim page's workflow form."""
    data = {"status": status, **extra}
    if version is not None:
        data["version"] = str(version)
    return client.post(f"/claims/{claim_id}/status", data=data)


def assign(client, claim_id: int, assignee: str, version=None):
    """Submit the claim page's assignment form."""
    data = {"assignee": assignee}
    if version is not None:
        data["version"] = str(version)
    return client.post(f"/claims/{claim_id}/assign", data=data)


@pytest.fixture
def story(client) -> dict:
    """One article with three claims."""
    data = import_article(client, "Alpha", MISSILE, HOUSING, EXPORTS)
    return {
        "article": data["article"]["id"],
        "missile": claim_of(data, MISSILE),
        "housing": claim_of(data, HOUSING),
        "exports": claim_of(data, EXPORTS),
    }


@pytest.fixture
def pair(client, app) -> dict:
    """The same sentence in two articles from different sources, linked as a near-duplicate."""
    first = import_article(client, "Alpha", MISSILE, HOUSING)
    second = import_article(client, "Beta", SCHOOLS, MISSILE)
    a, b = claim_of(first, MISSILE), claim_of(second, MISSILE)
    with db(app) as session:
        links = list(session.exec(select(ClaimLink)))
    assert len(links) == 1
    link = links[0]
    assert (link.claim_a_id, link.claim_b_id) == (a, b)
    assert link.state == "suggested" and link.score == pytest.approx(1.0, abs=0.01)
    return {
        "a": a,
        "b": b,
        "link": link.id,
        "first": first["article"]["id"],
        "second": second["article"]["id"],
    }


def confirm(client, pair: dict, state: str = "confirmed") -> None:
    """Decide the pair's link from claim b's page."""
    response = client.post(f"/links/{pair['link']}", data={"state": state, "claim_id": pair["b"]})
    redirected_to(response, f"/claims/{pair['b']}")


# --- status ----------------------------------------------------------------------------------


def test_start_review_then_a_verdict_publishes_the_claim(client, app, story):
    claim_id = story["missile"]
    page = text_of(client.get(f"/claims/{claim_id}"))
    workflow = section(page, "workflow")
    assert '<button name="status" value="in_review" data-key="s">Start review</button>' in workflow
    assert '<button name="status" value="not_claim">Not a claim</button>' in workflow
    assert 'class="badge status-unreviewed"' in page

    redirected_to(
        set_status(client, claim_id, "in_review", page_version(page, "workflow")),
        f"/claims/{claim_id}",
    )
    claim = claim_row(app, claim_id)
    assert (claim.status, claim.version) == ("in_review", 2)
    page = text_of(client.get(f"/claims/{claim_id}"))
    assert "Claim marked in review." in page
    assert 'class="badge status-in_review"' in page
    workflow = section(page, "workflow")
    assert "Back to unreviewed" in workflow and "Start review" not in workflow

    redirected_to(
        post_verdict(client, claim_id, "false", "No launch took place.", page_version(page)),
        f"/claims/{claim_id}",
    )
    assert claim_row(app, claim_id).status == "published"
    api = client.get(f"/api/claims/{claim_id}").get_json()["claim"]
    assert api["status"] == "published" and api["verdict"]["rating"] == "false"
    # Published is left only by going back into review.
    workflow = section(text_of(client.get(f"/claims/{claim_id}")), "workflow")
    assert re.findall(r'<button name="status" value="(\w+)"', workflow) == ["in_review"]


@pytest.mark.parametrize(
    ("setup", "target", "allowed"),
    [
        ([], "published", "in_review, not_claim"),
        ([], "unreviewed", "in_review, not_claim"),
        ([], "merged", "in_review, not_claim"),
        ([], "deleted", "in_review, not_claim"),
        (["in_review"], "in_review", "not_claim, unreviewed"),
        (["verdict"], "not_claim", "in_review"),
        (["verdict"], "unreviewed", "in_review"),
        (["not_claim"], "in_review", "unreviewed"),
        (["not_claim"], "published", "unreviewed"),
    ],
)
def test_disallowed_transitions_are_refused_with_a_sentence(
    client, app, story, setup, target, allowed
):
    claim_id = story["missile"]
    for step in setup:
        if step == "verdict":
            response = post_verdict(client, claim_id, "true", "Confirmed.")
        else:
            response = set_status(client, claim_id, step)
        assert response.status_code == 302, text_of(response)[:2000]
    before = claim_row(app, claim_id)
    audited = count(app, AuditEntry)

    response = set_status(client, claim_id, target, before.version)
    assert response.status_code == 400
    current = before.status.replace("_", " ")
    assert error_of(text_of(response)) == (
        f"This claim is {current}; it cannot become {target}. Allowed: {allowed}."
    )
    after = claim_row(app, claim_id)
    assert (after.status, after.version) == (before.status, before.version)
    assert count(app, AuditEntry) == audited


def test_not_a_claim_leaves_the_index_and_restore_brings_it_back(client, app, story):
    housing = story["housing"]
    index = index_of(app)
    everything = {story["missile"], story["housing"], story["exports"]}
    assert set(index.dense.ids()) == everything
    assert search_ids(client, HOUSING)[0] == housing

    redirected_to(set_status(client, housing, "not_claim", 1), f"/claims/{housing}")
    assert claim_row(app, housing).status == "not_claim"
    assert housing not in search_ids(client, HOUSING)
    assert housing not in search_ids(client, "300 new homes built by the mayor")
    assert set(index.dense.ids()) == everything - {housing}
    assert housing not in index.lexical.score_all(HOUSING, "en").as_dict()
    assert len(index.dense.ids()) == len(index.lexical) == 2
    assert index.position == log_position(app)
    # The article page no longer highlights it but offers to restore it.
    article = text_of(client.get(f"/articles/{story['article']}"))
    assert f'id="hl-{housing}"' not in article
    assert '<span class="badge muted">not a claim</span>' in article
    assert '<button name="status" value="unreviewed">Restore as a claim</button>' in article
    # No verdict on something that is not a claim.
    refused = post_verdict(client, housing, "true", "Fine.", 2)
    assert refused.status_code == 400
    assert "restore it first" in error_of(text_of(refused))
    assert verdicts_of(app, housing) == []

    # Restored from the article page, which it returns to.
    back = f"/articles/{story['article']}#claim-{housing}"
    redirected_to(set_status(client, housing, "unreviewed", 2, next=back), back)
    assert claim_row(app, housing).status == "unreviewed"
    assert search_ids(client, HOUSING)[0] == housing
    assert set(index.dense.ids()) == everything
    assert housing in index.lexical.score_all(HOUSING, "en").as_dict()
    assert len(index.dense.ids()) == len(index.lexical) == 3
    assert index.position == log_position(app)


def test_a_new_process_opens_the_snapshot_and_applies_the_claim_set_aside(client, app, story):
    assert index_of(app).write_snapshot()
    redirected_to(
        set_status(client, story["housing"], "not_claim", 1), f"/claims/{story['housing']}"
    )
    other_process = ClaimIndex(app.config["CLAIMS_INDEX_PATH"], index_of(app).model)
    with db(app) as session:
        # Only the one change made after the snapshot is read, not the whole log.
        assert other_process.ensure_fresh(session) == 1
    assert other_process.full_replays == 0
    assert sorted(other_process.dense.ids()) == sorted(index_of(app).dense.ids())
    assert story["housing"] not in other_process.dense.ids()


# --- assignment ------------------------------------------------------------------------------


def test_assigning_a_reviewer_puts_the_claim_in_review(client, app, story):
    claim_id = story["exports"]
    page = text_of(client.get(f"/claims/{claim_id}"))
    options = re.findall(r"<option\s*(?:selected)?\s*>(\w+)</option>", section(page, "workflow"))
    assert options == ["admin", "reviewer"]  # the viewer cannot be picked

    response = assign(client, claim_id, " Reviewer ", page_version(page, "workflow"))
    redirected_to(response, f"/claims/{claim_id}")
    claim = claim_row(app, claim_id)
    assert (claim.assignee, claim.status, claim.version) == ("reviewer", "in_review", 2)
    page = text_of(client.get(f"/claims/{claim_id}"))
    assert "Assigned to reviewer." in page
    assert '<span class="speaker">Assigned to reviewer</span>' in page
    assert "<option selected>reviewer</option>" in section(page, "workflow")

    # Unassigning keeps the claim in review.
    redirected_to(assign(client, claim_id, "", 2), f"/claims/{claim_id}")
    claim = claim_row(app, claim_id)
    assert (claim.assignee, claim.status, claim.version) == (None, "in_review", 3)
    assert "Unassigned." in text_of(client.get(f"/claims/{claim_id}"))


def test_assigning_a_published_claim_keeps_it_published(client, app, story):
    claim_id = story["exports"]
    assert post_verdict(client, claim_id, "true", "Right.").status_code == 302
    redirected_to(assign(client, claim_id, "admin"), f"/claims/{claim_id}")
    claim = claim_row(app, claim_id)
    assert (claim.assignee, claim.status) == ("admin", "published")


@pytest.mark.parametrize("assignee", ["viewer", "nobody-here", "<script>"])
def test_assigning_to_a_viewer_or_an_unknown_user_is_refused(client, app, story, assignee):
    claim_id = story["exports"]
    response = assign(client, claim_id, assignee, 1)
    assert response.status_code == 400
    assert error_of(text_of(response)) == f"{assignee!r} is not an active reviewer or admin."
    claim = claim_row(app, claim_id)
    assert (claim.assignee, claim.status, claim.version) == (None, "unreviewed", 1)
    assert audit_of(app, AuditEntry.action == "claim.assign") == []


def test_a_disabled_reviewer_can_no_longer_be_assigned(client, app, story):
    with db(app) as session:
        user_id = find_user(session, "reviewer").id
    assert client.post(f"/admin/users/{user_id}", data={"action": "disable"}).status_code == 302
    page = text_of(client.get(f"/claims/{story['exports']}"))
    assert re.findall(r"<option\s*(?:selected)?\s*>(\w+)</option>", section(page, "workflow")) == [
        "admin"
    ]
    response = assign(client, story["exports"], "reviewer", 1)
    assert response.status_code == 400
    assert error_of(text_of(response)) == "'reviewer' is not an active reviewer or admin."
    assert claim_row(app, story["exports"]).assignee is None


def test_a_viewer_cannot_change_the_workflow(viewer, app, story):
    claim_id = story["exports"]
    page = text_of(viewer.get(f"/claims/{claim_id}"))
    assert 'id="workflow"' not in page and 'id="verdict"' not in page
    for response in (
        set_status(viewer, claim_id, "in_review"),
        assign(viewer, claim_id, "reviewer"),
        viewer.post(f"/claims/{claim_id}/comments", data={"body": "Hello"}),
        post_verdict(viewer, claim_id, "true", "Fine."),
    ):
        assert response.status_code == 403
    claim = claim_row(app, claim_id)
    assert (claim.status, claim.assignee, claim.version) == ("unreviewed", None, 1)
    assert count(app, Comment) == count(app, Verdict) == 0


# --- comments --------------------------------------------------------------------------------


def comment_thread(page: str) -> list[tuple[str, str]]:
    """Return (author, body) of each comment on a claim page, top to bottom."""
    found = re.findall(
        r'<div class="comment"><p class="meta"><strong>(.*?)</strong> · [^<]*</p><p>(.*?)</p>',
        section(page, "comments"),
        re.DOTALL,
    )
    return [(html.unescape(who), html.unescape(body)) for who, body in found]


def test_the_comment_thread_reads_in_order(client, reviewer, app, story):
    claim_id = story["housing"]
    assert "No comments yet." in section(text_of(client.get(f"/claims/{claim_id}")), "comments")
    messages = [
        (client, "admin", "Who has the city's building permits?"),
        (reviewer, "reviewer", "  I asked the press office; <b>waiting</b>.  "),
        (client, "admin", "Thanks & keep me posted."),
    ]
    for who, _, body in messages:
        redirected_to(
            who.post(f"/claims/{claim_id}/comments", data={"body": body}), f"/claims/{claim_id}"
        )
    page = text_of(reviewer.get(f"/claims/{claim_id}"))
    assert comment_thread(page) == [(name, body.strip()) for _, name, body in messages]
    assert "<b>waiting</b>" not in page  # shown as text, not markup
    assert "No comments yet." not in section(page, "comments")
    # A comment is not a change to the claim itself.
    assert claim_row(app, claim_id).version == 1


@pytest.mark.parametrize("body", ["", "   \n\t "])
def test_an_empty_comment_is_refused(client, app, story, body):
    claim_id = story["housing"]
    response = client.post(f"/claims/{claim_id}/comments", data={"body": body})
    assert response.status_code == 400
    assert error_of(text_of(response)) == "The comment is empty."
    assert count(app, Comment) == 0
    assert audit_of(app, AuditEntry.action == "comment.create") == []


def test_an_overlong_comment_is_refused(client, app, story):
    response = client.post(f"/claims/{story['housing']}/comments", data={"body": "x" * 10_001})
    assert response.status_code == 400
    assert "at most 10,000 characters" in error_of(text_of(response))
    assert count(app, Comment) == 0


# --- the audit trail -------------------------------------------------------------------------


@pytest.fixture
def busy_day(client, reviewer, app) -> dict:
    """Every kind of change, by two people, through the HTML routes and the API."""
    first = import_article(client, "Alpha", MISSILE, HOUSING, EXPORTS, title="First")
    second = import_article(client, "Beta", SCHOOLS, MISSILE, title="Second")
    a, b = claim_of(first, MISSILE), claim_of(second, MISSILE)
    housing, exports = claim_of(first, HOUSING), claim_of(first, EXPORTS)
    with db(app) as session:
        link = session.exec(select(ClaimLink)).one()
    article_id = first["article"]["id"]
    body = client.get(f"/api/articles/{article_id}").get_json()["article"]["body"]
    back = f"/articles/{article_id}"

    steps = [
        (reviewer, f"/links/{link.id}", {"state": "confirmed", "claim_id": a}),
        (reviewer, f"/claims/{a}/status", {"status": "in_review", "version": 1}),
        (client, f"/claims/{a}/assign", {"assignee": "reviewer", "version": 2}),
        (reviewer, f"/claims/{a}/comments", {"body": "Checking the ministry's statement."}),
        (reviewer, f"/claims/{a}/verdicts", {"rating": "false", "explanation": "No launch."}),
    ]
    for who, url, data in steps:
        assert who.post(url, data=data).status_code == 302, url
    verdict_id = verdicts_of(app, a)[0].id
    reuse = reviewer.post(f"/claims/{b}/verdicts/reuse", data={"verdict_id": verdict_id})
    assert reuse.status_code == 302
    edit = reviewer.post(f"/claims/{housing}/text", data={"text": "The mayor built 300 homes."})
    assert edit.status_code == 302
    start = body.index("North Korea")
    added = reviewer.post(
        f"/articles/{article_id}/claims", data={"start": start, "end": start + 11}
    )
    assert added.status_code == 302
    added_id = int(added.headers["Location"].rsplit("#claim-", 1)[1])
    at = body.index(" exports", body.index(EXPORTS))
    assert reviewer.post(f"/claims/{exports}/split", data={"at": at}).status_code == 302
    with db(app) as session:
        split_off = session.exec(select(func.max(Claim.id))).one()
    merge = reviewer.post(
        f"/articles/{article_id}/merge", data={"claim_ids": [str(housing), str(exports)]}
    )
    assert merge.status_code == 302 and merge.headers["Location"].startswith(back)
    deleted = client.post(f"/articles/{second['article']['id']}/delete")
    assert deleted.status_code == 302
    return {
        "a": a,
        "b": b,
        "link": link.id,
        "verdict": verdict_id,
        "housing": housing,
        "exports": exports,
        "added": added_id,
        "split_off": split_off,
        "first": article_id,
        "second": second["article"]["id"],
    }


def test_every_change_is_audited_with_actor_action_and_states(app, busy_day):
    ids = busy_day
    entries = audit_of(app, AuditEntry.actor.in_(["admin", "reviewer"]))
    by_action: dict[str, list[AuditEntry]] = {}
    for entry in entries:
        by_action.setdefault(entry.action, []).append(entry)

    def one(action: str, claim_id=None) -> tuple[str, dict, dict]:
        found = [e for e in by_action.get(action, []) if claim_id is None or e.claim_id == claim_id]
        assert len(found) == 1, (action, claim_id, [(e.action, e.claim_id) for e in entries])
        entry = found[0]
        return entry.actor, json.loads(entry.before or "null"), json.loads(entry.after or "null")

    imports = by_action["article.import"]
    assert [(e.actor, e.entity_id, e.before) for e in imports] == [
        ("admin", ids["first"], None),
        ("admin", ids["second"], None),
    ]
    assert [json.loads(e.after)["title"] for e in imports] == ["First", "Second"]
    assert json.loads(imports[0].after)["claims"] == 3

    for claim_id in (ids["a"], ids["b"]):
        actor, before, after = one("link.confirmed", claim_id)
        assert actor == "reviewer"
        assert before == {"state": "suggested", "decided_by": None}
        assert after["state"] == "confirmed" and after["score"] == pytest.approx(1.0, abs=0.01)

    actor, before, after = one("claim.in_review", ids["a"])
    assert actor == "reviewer"
    assert (before["status"], after["status"]) == ("unreviewed", "in_review")
    assert (before["version"], after["version"]) == (1, 2)

    actor, before, after = one("claim.assign", ids["a"])
    assert actor == "admin" and (before["assignee"], after["assignee"]) == (None, "reviewer")

    actor, before, after = one("comment.create", ids["a"])
    assert (actor, before, after) == (
        "reviewer",
        None,
        {"body": "Checking the ministry's statement."},
    )

    actor, before, after = one("verdict.create", ids["a"])
    assert actor == "reviewer" and before["status"] == "in_review"
    assert (after["status"], after["rating"], after["verdict_id"]) == (
        "published",
        "false",
        ids["verdict"],
    )

    actor, before, after = one("verdict.reuse", ids["b"])
    assert actor == "reviewer" and (before["status"], after["status"]) == (
        "unreviewed",
        "published",
    )
    assert after["rating"] == "false"

    actor, before, after = one("claim.edit", ids["housing"])
    assert actor == "reviewer"
    assert (before["text"], after["text"]) == (HOUSING, "The mayor built 300 homes.")

    actor, before, after = one("claim.add", ids["added"])
    assert (actor, before, after["text"]) == ("reviewer", None, "North Korea")

    actor, before, after = one("claim.split", ids["exports"])
    assert actor == "reviewer" and before["text"] == EXPORTS
    assert after["text"] == "Finance minister Jane Doe claimed that"
    actor, before, after = one("claim.split_from", ids["split_off"])
    assert (actor, before) == ("reviewer", None)
    assert after["text"] == "exports rose by 12 percent last year."

    actor, before, after = one("claim.merge", ids["housing"])
    assert actor == "reviewer" and before["text"] == "The mayor built 300 homes."
    assert after["end"] > before["end"]
    actor, before, after = one("claim.merged_into", ids["exports"])
    assert actor == "reviewer" and before["into"] == ids["housing"]
    assert (before["status"], after["status"]) == ("unreviewed", "merged")

    (deleted,) = by_action["article.delete"]
    assert (deleted.actor, deleted.entity, deleted.entity_id) == ("admin", "article", ids["second"])
    assert json.loads(deleted.before) == {
        "title": "Second",
        "url": None,
        "claims": 2,
        "verdicts": 1,
    }
    assert deleted.after is None
    assert set(by_action) == {
        "article.import",
        "link.confirmed",
        "claim.in_review",
        "claim.assign",
        "comment.create",
        "verdict.create",
        "verdict.reuse",
        "claim.edit",
        "claim.add",
        "claim.split",
        "claim.split_from",
        "claim.merge",
        "claim.merged_into",
        "article.delete",
    }


def audit_table(page: str) -> list[tuple[str, str, str, str, str]]:
    """Return (who, what, record, before, after) of each row of an audit table.

    Who and what are the row's data attributes; before and after are the raw records the
    admin's log shows (empty on a claim page, which says the change in words instead).
    """
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.DOTALL).group(1)
    rows = re.findall(r'<tr data-actor="(.*?)" data-action="(.*?)">(.*?)</tr>', body, re.DOTALL)
    found = []
    for who, what, inner in rows:
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td>(.*?)</td>", inner, re.DOTALL)
        ]
        before, after = (cells[3], cells[4]) if len(cells) == 5 else ("", "")
        found.append((html.unescape(who), html.unescape(what), cells[2], before, after))
    return found


def words_of(page: str, action: str) -> str:
    """Return what the audit table says, in words, of the newest entry with this action."""
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.DOTALL).group(1)
    row = re.search(rf'data-action="{re.escape(action)}">(.*?)</tr>', body, re.DOTALL).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row, re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cells[1])).split())


def test_the_claim_page_shows_its_changes_newest_first(client, app, busy_day):
    rows = audit_table(section(text_of(client.get(f"/claims/{busy_day['a']}")), "trail"))
    assert [(who, what) for who, what, *_ in rows] == [
        ("reviewer", "verdict.create"),
        ("reviewer", "comment.create"),
        ("admin", "claim.assign"),
        ("reviewer", "claim.in_review"),
        ("reviewer", "link.confirmed"),
    ]
    assert all(record == f"claim {busy_day['a']}" for _, _, record, _, _ in rows)
    trail = section(text_of(client.get(f"/claims/{busy_day['a']}")), "trail")
    # In words, not records: no JSON reaches the claim page.
    assert '{"' not in trail
    assert words_of(trail, "verdict.create") == (
        "verdict recorded by reviewer status: in review → published rating: False"
    )
    assert words_of(trail, "claim.assign").startswith("assignment changed by admin")
    assert words_of(trail, "link.confirmed") == "link confirmed by reviewer"
    # The reworded claim keeps its original wording in the trail.
    edits = section(text_of(client.get(f"/claims/{busy_day['housing']}")), "trail")
    assert f"text: {HOUSING} →" in words_of(edits, "claim.edit")


def test_the_audit_log_lists_every_change_for_admins(client, app, busy_day):
    response = client.get("/admin/audit")
    assert response.status_code == 200
    rows = audit_table(text_of(response))
    stored = audit_of(app)
    assert len(rows) == len(stored)
    assert [what for _, what, *_ in rows] == [e.action for e in reversed(stored)]
    assert rows[0][:3] == ("admin", "article.delete", f"article {busy_day['second']}")
    assert json.loads(rows[0][3])["title"] == "Second"
    assert {"article.import", "claim.split_from", "claim.merged_into"} <= {r[1] for r in rows}

    mine = audit_table(text_of(client.get("/admin/audit", query_string={"actor": "admin"})))
    assert {who for who, *_ in mine} == {"admin"}
    assert [what for _, what, *_ in mine] == ["article.delete", "claim.assign"] + [
        "article.import"
    ] * 2


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
def test_the_audit_log_is_for_admins_only(app, story, role):
    response = login(app.test_client(), role).get("/admin/audit")
    assert response.status_code == 403
    page = text_of(response)
    assert "This needs the admin role" in page and "article.import" not in page


# --- verdicts are append-only ----------------------------------------------------------------


def test_verdicts_are_appended_never_replaced(client, reviewer, app, story):
    claim_id = story["exports"]
    sizes = [count(app, Verdict)]
    assert post_verdict(reviewer, claim_id, "mostly-true", "Customs say 11.8%.").status_code == 302
    sizes.append(count(app, Verdict))
    first = verdicts_of(app, claim_id)[0]
    assert post_verdict(client, claim_id, "false", "Revised: exports fell.").status_code == 302
    sizes.append(count(app, Verdict))
    api = client.post(
        f"/api/claims/{claim_id}/verdicts",
        json={"rating": "half-true", "explanation": "Partly.", "version": 3},
    )
    assert api.status_code == 201, api.get_json()
    sizes.append(count(app, Verdict))
    assert sizes == [0, 1, 2, 3]

    stored = verdicts_of(app, claim_id)
    assert [(v.rating, v.reviewer) for v in stored] == [
        ("mostly-true", "reviewer"),
        ("false", "admin"),
        ("half-true", "admin"),
    ]
    assert (stored[0].rating, stored[0].explanation, stored[0].created_at) == (
        first.rating,
        first.explanation,
        first.created_at,
    )
    listed = client.get(f"/api/claims/{claim_id}/verdicts").get_json()["verdicts"]
    assert [v["rating"] for v in listed] == ["half-true", "false", "mostly-true"]
    history = section(text_of(client.get(f"/claims/{claim_id}")), "history")
    assert history.count('<div class="verdict-entry">') == 3
    assert history.index("Partly.") < history.index("Revised: exports fell.")
    assert history.index("Revised: exports fell.") < history.index("Customs say 11.8%.")
    # There is no way to change or remove a verdict.
    for method in (client.put, client.patch, client.delete):
        assert method(f"/api/claims/{claim_id}/verdicts", json={}).status_code == 405
    assert count(app, Verdict) == 3


# --- optimistic concurrency ------------------------------------------------------------------


def test_a_verdict_saved_over_a_newer_one_is_refused_and_says_what_changed(
    client, reviewer, app, story
):
    claim_id = story["missile"]
    mine = text_of(reviewer.get(f"/claims/{claim_id}"))
    theirs = text_of(client.get(f"/claims/{claim_id}"))
    version = page_version(mine)
    assert version == page_version(theirs) == 1

    first = post_verdict(reviewer, claim_id, "false", "No missile was fired.", version)
    redirected_to(first, f"/claims/{claim_id}")
    second = post_verdict(client, claim_id, "true", "Two missiles were fired.", version)
    assert second.status_code == 409
    page = text_of(second)
    message = error_of(page)
    assert message.startswith("This claim changed after you opened it, so your change was not")
    assert "reviewer — verdict.create" in message
    assert "rating: false" in message and "status: published" in message
    assert "Reload the page" in message
    # Nothing of the second save was stored; the page shows the new state and keeps the input.
    assert [(v.rating, v.reviewer) for v in verdicts_of(app, claim_id)] == [("false", "reviewer")]
    assert claim_row(app, claim_id).version == version + 1
    assert "No missile was fired." in section(page, "history")
    assert "Two missiles were fired." in section(page, "verdict")
    assert count(app, AuditEntry, AuditEntry.action == "verdict.create") == 1


def test_a_stale_verdict_through_the_api_gets_409_json(client, reviewer, app, story):
    claim_id = story["missile"]
    version = client.get(f"/api/claims/{claim_id}").get_json()["claim"]["version"]
    first = reviewer.post(
        f"/api/claims/{claim_id}/verdicts",
        json={"rating": "mostly-false", "explanation": "One missile.", "version": version},
    )
    assert first.status_code == 201, first.get_json()
    second = client.post(
        f"/api/claims/{claim_id}/verdicts",
        json={"rating": "true", "explanation": "Two missiles.", "version": version},
    )
    assert second.status_code == 409
    assert second.is_json
    error = second.get_json()["error"]
    assert "not saved" in error and "reviewer" in error and "rating: mostly-false" in error
    assert [v.rating for v in verdicts_of(app, claim_id)] == ["mostly-false"]

    # A client that does not send a version still saves (last writer wins).
    unversioned = client.post(
        f"/api/claims/{claim_id}/verdicts", json={"rating": "true", "explanation": "Two."}
    )
    assert unversioned.status_code == 201, unversioned.get_json()
    assert [v.rating for v in verdicts_of(app, claim_id)] == ["mostly-false", "true"]
    # And so does a form without one.
    assert post_verdict(client, claim_id, "half-true", "Half.").status_code == 302
    assert claim_row(app, claim_id).version == 4


def test_a_current_version_saves(client, app, story):
    claim_id = story["missile"]
    response = client.post(
        f"/api/claims/{claim_id}/verdicts",
        json={"rating": "true", "explanation": "Yes.", "version": 1},
    )
    assert response.status_code == 201
    assert claim_row(app, claim_id).version == 2


def test_stale_status_changes_and_assignments_are_refused(client, reviewer, app, story):
    claim_id = story["housing"]
    stale = page_version(text_of(client.get(f"/claims/{claim_id}")), "workflow")
    redirected_to(set_status(reviewer, claim_id, "in_review", stale), f"/claims/{claim_id}")

    status = set_status(client, claim_id, "not_claim", stale)
    assert status.status_code == 409
    message = error_of(text_of(status))
    assert "reviewer — claim.in_review" in message and "status: in_review" in message
    claim = claim_row(app, claim_id)
    assert (claim.status, claim.version) == ("in_review", stale + 1)
    assert claim_id in index_of(app).dense.ids()

    assignment = assign(client, claim_id, "admin", stale)
    assert assignment.status_code == 409
    assert "reviewer — claim.in_review" in error_of(text_of(assignment))
    claim = claim_row(app, claim_id)
    assert (claim.assignee, claim.version) == (None, stale + 1)
    assert audit_of(app, AuditEntry.action.in_(["claim.not_claim", "claim.assign"])) == []

    # The refusal page carries the current version, so acting from it works.
    page = text_of(assignment)
    assert page_version(page, "workflow") == stale + 1
    redirected_to(assign(client, claim_id, "admin", stale + 1), f"/claims/{claim_id}")
    assert claim_row(app, claim_id).assignee == "admin"


def test_a_stale_reuse_is_refused(client, reviewer, app, pair):
    confirm(client, pair)
    assert post_verdict(client, pair["a"], "false", "No.").status_code == 302
    stale = page_version(text_of(reviewer.get(f"/claims/{pair['b']}")), "workflow")
    redirected_to(set_status(client, pair["b"], "in_review", stale), f"/claims/{pair['b']}")
    verdict_id = verdicts_of(app, pair["a"])[0].id
    response = reviewer.post(
        f"/claims/{pair['b']}/verdicts/reuse", data={"verdict_id": verdict_id, "version": stale}
    )
    assert response.status_code == 409
    assert "admin — claim.in_review" in error_of(text_of(response))
    assert verdicts_of(app, pair["b"]) == []


def test_a_writer_who_commits_between_read_and_save_is_caught(app, story):
    claim_id = story["missile"]
    with db(app) as slow, db(app) as fast:
        loaded = slow.get(Claim, claim_id)
        assert loaded.version == 1
        record_verdict(
            fast, claim_id, VerdictIn(rating="false", explanation="First."), actor="reviewer"
        )
        # No version given, but the compare-and-set still sees the claim moved on.
        with pytest.raises(Conflict) as refused:
            record_verdict(
                slow, claim_id, VerdictIn(rating="true", explanation="Second."), actor="admin"
            )
    assert refused.value.status == 409
    assert "reviewer — verdict.create" in refused.value.message
    assert [v.explanation for v in verdicts_of(app, claim_id)] == ["First."]
    assert claim_row(app, claim_id).version == 2


def test_the_conflict_names_the_verdict_even_after_a_later_comment(client, reviewer, app, story):
    claim_id = story["missile"]
    stale = page_version(text_of(client.get(f"/claims/{claim_id}")))
    assert post_verdict(reviewer, claim_id, "false", "No launch.", stale).status_code == 302
    comment = reviewer.post(f"/claims/{claim_id}/comments", data={"body": "See the verdict."})
    assert comment.status_code == 302

    response = post_verdict(client, claim_id, "true", "Launch.", stale)
    assert response.status_code == 409
    message = error_of(text_of(response))
    assert "reviewer — verdict.create" in message and "rating: false" in message


# --- reusing a verdict from a confirmed near-duplicate ---------------------------------------

OFFER = "A verdict exists on this matching claim"


def test_a_confirmed_duplicates_verdict_can_be_applied(client, reviewer, app, pair):
    similar = section(text_of(client.get(f"/claims/{pair['b']}")), "similar")
    assert "link suggested" in similar and OFFER not in similar
    confirm(reviewer, pair)
    assert OFFER not in section(text_of(client.get(f"/claims/{pair['b']}")), "similar")

    redirected_to(
        post_verdict(client, pair["a"], "mostly-false", "One missile, not two.", 1),
        f"/claims/{pair['a']}",
    )
    (source,) = verdicts_of(app, pair["a"])
    page = text_of(reviewer.get(f"/claims/{pair['b']}"))
    similar = section(page, "similar")
    assert f"{OFFER} (Mostly false)." in similar
    assert '<button type="submit">Apply this verdict</button>' in similar
    offer = re.search(
        r'<form method="post" action="([^"]+)" class="inline reuse">(.*?)</form>',
        similar,
        re.DOTALL,
    )
    assert offer.group(1) == f"/claims/{pair['b']}/verdicts/reuse"
    fields = dict(re.findall(r'name="(verdict_id|version)" value="(\d+)"', offer.group(2)))
    assert fields == {"verdict_id": str(source.id), "version": "1"}
    # The claim that holds the verdict is not offered its own verdict back.
    assert OFFER not in section(text_of(client.get(f"/claims/{pair['a']}")), "similar")

    response = reviewer.post(f"/claims/{pair['b']}/verdicts/reuse", data=fields)
    redirected_to(response, f"/claims/{pair['b']}")
    (reused,) = verdicts_of(app, pair["b"])
    assert reused.reused_from_id == source.id
    assert (reused.rating, reused.explanation, reused.reviewer) == (
        "mostly-false",
        "One missile, not two.",
        "reviewer",
    )
    assert claim_row(app, pair["b"]).status == "published"
    (entry,) = audit_of(app, AuditEntry.action == "verdict.reuse")
    assert (entry.actor, entry.entity, entry.entity_id, entry.claim_id) == (
        "reviewer",
        "verdict",
        reused.id,
        pair["b"],
    )
    page = text_of(reviewer.get(f"/claims/{pair['b']}"))
    assert "Verdict applied from the matching claim." in page
    assert "reused from a matching claim" in section(page, "history")
    api = client.get(f"/api/claims/{pair['b']}").get_json()["claim"]["verdict"]
    assert (api["rating"], api["reused_from_id"]) == ("mostly-false", source.id)


def test_once_applied_the_offer_is_withdrawn(client, reviewer, app, pair):
    confirm(client, pair)
    assert post_verdict(client, pair["a"], "false", "No.").status_code == 302
    (source,) = verdicts_of(app, pair["a"])
    response = reviewer.post(f"/claims/{pair['b']}/verdicts/reuse", data={"verdict_id": source.id})
    assert response.status_code == 302
    assert OFFER not in section(text_of(reviewer.get(f"/claims/{pair['b']}")), "similar")


@pytest.mark.parametrize("state", ["suggested", "rejected"])
def test_only_a_confirmed_duplicates_verdict_can_be_reused(client, app, pair, state):
    if state != "suggested":
        confirm(client, pair, state)
    assert post_verdict(client, pair["a"], "false", "No.").status_code == 302
    (source,) = verdicts_of(app, pair["a"])
    assert OFFER not in section(text_of(client.get(f"/claims/{pair['b']}")), "similar")
    response = client.post(
        f"/claims/{pair['b']}/verdicts/reuse", data={"verdict_id": source.id, "version": 1}
    )
    assert response.status_code == 400
    assert error_of(text_of(response)) == (
        "Only a verdict on a confirmed near-duplicate of this claim can be reused."
    )
    assert verdicts_of(app, pair["b"]) == []
    claim = claim_row(app, pair["b"])
    assert (claim.status, claim.version) == ("unreviewed", 1)
    assert audit_of(app, AuditEntry.action == "verdict.reuse") == []


@pytest.mark.parametrize("which", ["unlinked", "missing", "blank"])
def test_a_verdict_from_outside_the_confirmed_links_cannot_be_reused(client, app, pair, which):
    confirm(client, pair)
    # A verdict on a claim of the same article as a, but not linked to b.
    housing = next(
        c["id"]
        for c in client.get(f"/api/articles/{pair['first']}").get_json()["claims"]
        if c["text"] == HOUSING
    )
    assert post_verdict(client, housing, "true", "Homes were built.").status_code == 302
    verdict_id = {"unlinked": str(verdicts_of(app, housing)[0].id), "missing": "999", "blank": ""}
    response = client.post(
        f"/claims/{pair['b']}/verdicts/reuse", data={"verdict_id": verdict_id[which]}
    )
    assert response.status_code == 400
    assert verdicts_of(app, pair["b"]) == []


def test_a_verdict_cannot_be_reused_on_a_claim_set_aside(client, app, pair):
    confirm(client, pair)
    assert post_verdict(client, pair["a"], "false", "No.").status_code == 302
    (source,) = verdicts_of(app, pair["a"])
    redirected_to(set_status(client, pair["b"], "not_claim"), f"/claims/{pair['b']}")
    response = client.post(f"/claims/{pair['b']}/verdicts/reuse", data={"verdict_id": source.id})
    assert response.status_code == 400
    assert "restore it first" in error_of(text_of(response))
    assert claim_row(app, pair["b"]).status == "not_claim"
    assert verdicts_of(app, pair["b"]) == []
