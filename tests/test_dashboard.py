"""The dashboard: each number from the service, conflict detection, and the page under the CSP."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import PASSWORDS, login
from sqlmodel import Session, select
from werkzeug.serving import make_server

from claims.models import Claim, ClaimLink, Verdict
from claims.ratings import SCALE
from claims.services.dashboard import (
    Count,
    dashboard_stats,
    linked_groups,
    median_hours_to_first_verdict,
    rating_counts,
    review_backlog,
    verdicts_per_week,
)


@pytest.fixture
def app(any_db_app):
    """Run this module on SQLite and, when configured, on PostgreSQL."""
    return any_db_app


HOMES = "The mayor said 300 new homes were built in the city during 2023."
MISSILE = "The defence ministry said North Korea fired two ballistic missiles on Wednesday."
EXPORTS = "Finance minister Jane Doe claimed that exports rose by 12 percent last year."
FR_TRADE = "Le ministre a déclaré que les exportations ont progressé de 12 % l'an dernier."
HOSTILE = 'The mayor said 3 < 5 & "</script>" homes cost 300 in 2023.'
JSON_BLOCK = re.compile(
    r'<script type="application/json" id="dashboard-data">(.*?)</script>', re.DOTALL
)


def import_claims(client, source: str, *sentences: str, **fields) -> list[int]:
    """Import an article of one-sentence paragraphs; return its claim ids in sentence order."""
    payload = {"title": "Story", "source": source, "body": "\n\n".join(sentences), **fields}
    response = client.post("/api/articles", json=payload)
    assert response.status_code == 201, response.get_json()
    claims = response.get_json()["claims"]
    assert [c["text"] for c in claims] == list(sentences)
    return [c["id"] for c in claims]


def duplicates(client, text: str, sources: list[str]) -> list[int]:
    """Import `text` once per source (each article unique), return the ids of those claims."""
    return [
        import_claims(client, source, text, f"Officials in {source} gave a briefing on it.")[0]
        for source in sources
    ]


def give_verdict(client, claim_id: int, rating: str) -> int:
    """Record a verdict through the API and return its id."""
    response = client.post(
        f"/api/claims/{claim_id}/verdicts", json={"rating": rating, "explanation": "Checked."}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["verdict"]["id"]


def decide(client, app, a: int, b: int, state: str = "confirmed") -> None:
    """Confirm (or reject) the suggested link between two claims through the claim page form."""
    with Session(app.extensions["claims"].engine) as session:
        link = session.exec(
            select(ClaimLink).where(
                ClaimLink.claim_a_id == min(a, b), ClaimLink.claim_b_id == max(a, b)
            )
        ).one()
    response = client.post(f"/links/{link.id}", data={"state": state, "claim_id": a})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def set_status(client, claim_id: int, status: str) -> None:
    """Move a claim along the workflow through the claim page form."""
    response = client.post(f"/claims/{claim_id}/status", data={"status": status})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def backdate(app, claims: dict[int, datetime], verdicts: dict[int, datetime]) -> None:
    """Set when claims were imported and verdicts recorded, so durations are known."""
    with Session(app.extensions["claims"].engine) as session:
        for model, stamps in ((Claim, claims), (Verdict, verdicts)):
            for row_id, moment in stamps.items():
                row = session.get(model, row_id)
                row.created_at = moment
                session.add(row)
        session.commit()


def stats(app):
    """Compute the dashboard numbers straight from the service."""
    with Session(app.extensions["claims"].engine) as session:
        return dashboard_stats(session)


def call(app, service, *args):
    """Run one service function on a fresh session."""
    with Session(app.extensions["claims"].engine) as session:
        return service(session, *args)


def at(day: str, hour: int = 12) -> datetime:
    """Return an aware UTC moment on an ISO date."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def data_block(page: str) -> dict:
    """Return the dashboard's JSON block, parsed."""
    blocks = JSON_BLOCK.findall(page)
    assert len(blocks) == 1, page[-2000:]
    return json.loads(blocks[0])


# Service numbers


def test_ratings_count_each_claims_latest_verdict_in_scale_order(client, app):
    ids = import_claims(client, "Alpha", HOMES, MISSILE, EXPORTS, "It rained all week in town.")
    give_verdict(client, ids[0], "true")
    give_verdict(client, ids[1], "false")
    give_verdict(client, ids[1], "mostly-true")  # the later verdict replaces the earlier one
    give_verdict(client, ids[2], "false")

    counts = call(app, rating_counts)
    assert counts == tuple(
        Count(r.key, r.alternate_name, {"true": 1, "mostly-true": 1, "false": 1}.get(r.key, 0))
        for r in SCALE
    )
    assert [c.key for c in counts] == [r.key for r in SCALE]
    result = stats(app)
    assert (result.total_claims, result.without_verdict) == (4, 1)


def test_claims_are_counted_by_source_and_by_language(client, app):
    import_claims(client, "Alpha", HOMES, MISSILE)
    import_claims(client, "Alpha", EXPORTS)
    import_claims(client, "Le Matin", FR_TRADE, language="fr")

    result = stats(app)
    assert result.by_source == (Count("Alpha", "Alpha", 3), Count("Le Matin", "Le Matin", 1))
    assert result.by_language == (Count("en", "en", 3), Count("fr", "fr", 1))


def test_verdicts_are_counted_per_iso_week_with_empty_weeks_as_zero(client, app):
    ids = import_claims(client, "Alpha", HOMES, MISSILE, EXPORTS)
    first = give_verdict(client, ids[0], "true")
    second = give_verdict(client, ids[1], "false")
    third = give_verdict(client, ids[2], "false")
    fourth = give_verdict(client, ids[2], "misleading")
    # 27 Dec 2024 is in ISO week 2024-W52; 30 Dec 2024 starts ISO week 2025-W01.
    backdate(
        app,
        {},
        {
            first: at("2024-12-27"),
            second: at("2024-12-30", 0),
            third: at("2025-01-05", 23),
            fourth: at("2025-01-13"),
        },
    )

    assert [(w.week, w.starts, w.count) for w in call(app, verdicts_per_week)] == [
        ("2024-W52", "2024-12-23", 1),
        ("2025-W01", "2024-12-30", 2),
        ("2025-W02", "2025-01-06", 0),
        ("2025-W03", "2025-01-13", 1),
    ]


def test_verdicts_per_week_keeps_only_the_last_weeks(client, app):
    ids = import_claims(client, "Alpha", HOMES, MISSILE, EXPORTS)
    old = give_verdict(client, ids[0], "true")
    recent = give_verdict(client, ids[1], "false")
    latest = give_verdict(client, ids[2], "false")
    backdate(app, {}, {old: at("2023-12-31"), recent: at("2024-06-12"), latest: at("2024-06-26")})

    # 26 weeks end with 2024-W26 and start with 2024-W01; 31 Dec 2023 falls just before.
    weeks = call(app, verdicts_per_week)
    assert len(weeks) == 26
    assert (weeks[0].week, weeks[0].starts, weeks[0].count) == ("2024-W01", "2024-01-01", 0)
    assert (weeks[-1].week, weeks[-1].starts, weeks[-1].count) == ("2024-W26", "2024-06-24", 1)
    assert sum(w.count for w in weeks) == 2
    assert [(w.week, w.count) for w in call(app, verdicts_per_week, 3)] == [
        ("2024-W24", 1),
        ("2024-W25", 0),
        ("2024-W26", 1),
    ]


def test_median_time_to_first_verdict_ignores_later_verdicts(client, app):
    ids = import_claims(client, "Alpha", HOMES, MISSILE, EXPORTS, "It rained all week in town.")
    fast = give_verdict(client, ids[0], "true")
    redone = give_verdict(client, ids[0], "false")
    middle = give_verdict(client, ids[1], "false")
    slow = give_verdict(client, ids[2], "half-true")
    imported = at("2024-03-01", 8)
    backdate(
        app,
        dict.fromkeys(ids, imported),
        {
            fast: imported + timedelta(hours=1),
            redone: imported + timedelta(hours=500),
            middle: imported + timedelta(hours=3, minutes=30),
            slow: imported + timedelta(hours=10),
        },
    )

    assert call(app, median_hours_to_first_verdict) == pytest.approx(3.5)


def test_with_no_verdicts_there_is_no_median_and_no_weeks(client, app):
    import_claims(client, "Alpha", HOMES)

    assert call(app, median_hours_to_first_verdict) is None
    assert call(app, verdicts_per_week) == ()
    page = client.get("/dashboard").get_data(as_text=True)
    assert re.search(r'<td id="median-hours">\s*no verdicts yet\s*</td>', page)


def test_backlog_counts_statuses_and_what_is_left_to_review(client, app):
    ids = import_claims(
        client, "Alpha", HOMES, MISSILE, EXPORTS, "It rained all week in town.", FR_TRADE
    )
    give_verdict(client, ids[0], "true")
    set_status(client, ids[1], "in_review")
    set_status(client, ids[2], "in_review")
    set_status(client, ids[3], "not_claim")

    backlog = call(app, review_backlog)
    counts = {c.key: c.count for c in backlog.by_status}
    assert counts == {
        "unreviewed": 1,
        "in_review": 2,
        "published": 1,
        "not_claim": 1,
        "merged": 0,
    }
    assert [c.key for c in backlog.by_status][:4] == [
        "unreviewed",
        "in_review",
        "published",
        "not_claim",
    ]
    assert backlog.to_review == 3


# Conflicting verdicts


def test_linked_groups_are_connected_components():
    pairs = [(5, 6), (1, 2), (3, 4), (2, 3), (9, 9)]
    assert linked_groups(pairs) == [[1, 2, 3, 4], [5, 6], [9]]
    assert linked_groups([]) == []


def test_confirmed_duplicates_with_different_ratings_form_a_conflict(client, app):
    a, b = duplicates(client, HOMES, ["Alpha", "Beta"])
    give_verdict(client, a, "true")
    give_verdict(client, b, "false")
    decide(client, app, a, b)

    conflicts = stats(app).conflicts
    assert len(conflicts) == 1
    members = [(m.claim_id, m.text, m.source, m.rating) for m in conflicts[0].claims]
    assert members == [(a, HOMES, "Alpha", "true"), (b, HOMES, "Beta", "false")]
    assert conflicts[0].ratings == ("true", "false")


def test_confirmed_duplicates_with_the_same_rating_do_not_conflict(client, app):
    a, b = duplicates(client, HOMES, ["Alpha", "Beta"])
    give_verdict(client, a, "false")
    give_verdict(client, b, "true")
    give_verdict(client, a, "true")  # the current verdicts now agree
    decide(client, app, a, b)

    assert stats(app).conflicts == ()


@pytest.mark.parametrize("state", ["suggested", "rejected"])
def test_only_confirmed_links_can_conflict(client, app, state):
    a, b = duplicates(client, HOMES, ["Alpha", "Beta"])
    give_verdict(client, a, "true")
    give_verdict(client, b, "false")
    if state == "rejected":
        decide(client, app, a, b, "rejected")

    assert stats(app).conflicts == ()


@pytest.mark.parametrize("middle", [None, "true"])
def test_a_chain_of_confirmed_links_is_one_group(client, app, middle):
    a, b, c = duplicates(client, HOMES, ["Alpha", "Beta", "Gamma"])
    give_verdict(client, a, "true")
    if middle:
        give_verdict(client, b, middle)
    give_verdict(client, c, "false")
    # A–B and B–C only: A and C meet through B, never directly.
    decide(client, app, a, b)
    decide(client, app, b, c)

    conflicts = stats(app).conflicts
    assert len(conflicts) == 1
    assert [(m.claim_id, m.rating) for m in conflicts[0].claims] == [
        (a, "true"),
        (b, middle),
        (c, "false"),
    ]


# The page


def test_the_page_renders_for_a_viewer_with_data_matching_the_service(app, client):
    a, b = duplicates(client, HOMES, ["Alpha", "Beta"])
    give_verdict(client, a, "true")
    give_verdict(client, b, "false")
    decide(client, app, a, b)
    viewer = login(app.test_client(), "viewer")

    response = viewer.get("/dashboard")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    expected = json.loads(json.dumps(asdict(stats(app))))
    assert data_block(page) == expected
    assert data_block(page)["conflicts"][0]["claims"][1]["rating"] == "false"


def test_the_page_flags_conflicts_with_links_to_the_claims(app, client):
    a, b = duplicates(client, HOMES, ["Alpha", "Beta"])
    give_verdict(client, a, "true")
    give_verdict(client, b, "misleading")
    decide(client, app, a, b)

    page = client.get("/dashboard").get_data(as_text=True)
    flagged = re.search(
        r'<section id="conflicts" class="error" role="alert">(.*?)</section>', page, re.DOTALL
    )
    assert flagged, page[:3000]
    assert "1 group of confirmed duplicates disagree" in flagged.group(1)
    assert f'href="/claims/{a}"' in flagged.group(1)
    assert f'href="/claims/{b}"' in flagged.group(1)
    assert "Misleading" in flagged.group(1) and "Beta" in flagged.group(1)


def test_without_conflicts_nothing_is_flagged(client):
    import_claims(client, "Alpha", HOMES)

    page = client.get("/dashboard").get_data(as_text=True)
    assert 'role="alert"' not in page
    assert "No conflicting verdicts" in page


def test_the_tables_hold_the_numbers_without_javascript(client, app):
    ids = import_claims(client, "Alpha", HOMES, MISSILE, EXPORTS)
    give_verdict(client, ids[0], "half-true")
    set_status(client, ids[1], "in_review")

    page = client.get("/dashboard").get_data(as_text=True)
    ratings = re.search(r'<section id="ratings">(.*?)</section>', page, re.DOTALL).group(1)
    rows = re.findall(r'rating-([\w-]+)">([^<]+)</span></td>\s*<td>(\d+)</td>', ratings)
    assert rows == [(r.key, r.alternate_name, "1" if r.key == "half-true" else "0") for r in SCALE]
    assert re.search(r'<td id="to-review">2</td>', page)
    assert re.search(r"<td>Alpha</td>\s*<td>3</td>", page)


def test_the_page_runs_no_inline_script_and_loads_chart_js(client, app):
    a, b = duplicates(client, HOSTILE, ["Alpha", "Beta"])
    give_verdict(client, a, "true")
    give_verdict(client, b, "false")
    decide(client, app, a, b)

    response = client.get("/dashboard")
    page = response.get_data(as_text=True)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.DOTALL)
    inline = [(attrs, body) for attrs, body in scripts if "src=" not in attrs]
    assert [attrs for attrs, _ in inline] == [' type="application/json" id="dashboard-data"']
    # The claim text holds "</script>", yet the block stays one JSON value with the text intact.
    assert data_block(page)["conflicts"][0]["claims"][0]["text"] == HOSTILE
    assert page.count("</script>") == len(scripts)
    outside_json = JSON_BLOCK.sub("", page)
    assert not re.search(r"\son[a-z]+\s*=", outside_json, re.IGNORECASE)
    assert not re.search(r"\sstyle\s*=", outside_json, re.IGNORECASE)
    sources = [
        re.search(r'src="([^"]+)"', attrs).group(1) for attrs, _ in scripts if "src=" in attrs
    ]
    chart, mine = "/static/vendor/chart-4.6.1.umd.min.js", "/static/dashboard.js"
    assert chart in sources and mine in sources
    assert sources.index(chart) < sources.index(mine)
    for path in (chart, mine):
        served = client.get(path)
        assert served.status_code == 200 and len(served.data) > 1000
        served.close()


def test_the_navigation_links_to_the_dashboard(client):
    page = client.get("/export").get_data(as_text=True)
    assert '<a href="/dashboard">Dashboard</a>' in page


def test_anonymous_visitors_are_sent_to_sign_in(anonymous):
    response = anonymous.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# In the browser

CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.browser
def test_the_charts_draw_in_chromium_under_the_csp(app, client):
    """Chart.js draws every chart from the JSON block, and the browser reports no CSP breach."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    a, b = duplicates(client, HOMES, ["Alpha", "Beta"])
    give_verdict(client, a, "true")
    give_verdict(client, b, "false")
    decide(client, app, a, b)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="dashboard-server", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            try:
                page = browser.new_page()
                page.goto(f"{base}/login")
                page.fill("input[name=username]", "viewer")
                page.fill("input[name=password]", PASSWORDS["viewer"])
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url(f"{base}/claims")
                problems: list[tuple[str, str]] = []
                page.on("console", lambda m: problems.append((m.location["url"], m.text)))
                page.on("pageerror", lambda exc: problems.append(("", str(exc))))
                page.goto(f"{base}/dashboard")
                page.wait_for_function(
                    "() => window.Chart && Object.keys(Chart.instances).length", timeout=10_000
                )
                drawn = page.evaluate(
                    """() => Object.values(Chart.instances).map((chart) => [
                        chart.canvas.id, chart.width > 0, chart.data.datasets[0].data])"""
                )
            finally:
                browser.close()
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()

    # Every page has these two (htmx's indicator <style>, no favicon); nothing else may appear.
    ignored = ("/htmx-2.0.11.min.js", "/favicon.ico")
    assert [p for p in problems if not p[0].endswith(ignored)] == []
    by_id = {canvas: (visible, values) for canvas, visible, values in drawn}
    assert set(by_id) == {
        "chart-ratings",
        "chart-backlog",
        "chart-weeks",
        "chart-sources",
        "chart-languages",
    }
    assert all(visible for visible, _ in by_id.values())
    assert by_id["chart-ratings"][1] == [1, 0, 0, 0, 1, 0, 0]
    assert by_id["chart-sources"][1] == [2, 2]
