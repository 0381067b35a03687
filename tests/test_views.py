"""The HTML views: importing (fields and files), the article and claim pages, the review
queue, verdicts, link decisions and the CSV export."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date

import pytest
from sqlmodel import Session

from claims.models import ClaimLink
from claims.ratings import SCALE
from tests.conftest import login

MISSILE = "The defence ministry said North Korea fired two ballistic missiles on Wednesday."
HOUSING = "The mayor said 300 new homes were built in the city during 2023."
EXPORTS = "Finance minister Jane Doe claimed that exports rose by 12 percent last year."
WEATHER = "It was a sunny day in the capital."
FR_JOBS = "Le gouvernement a annoncé mercredi que le chômage a baissé de 3 % selon l'Insee."
FR_TRADE = "Le ministre a déclaré que les exportations ont progressé de 12 % l'an dernier."
CSV_HEADER = [
    "claim_id",
    "claim",
    "article_title",
    "source",
    "url",
    "published_at",
    "language",
    "rating",
    "rating_value",
    "explanation",
    "evidence_urls",
    "reviewer",
    "reviewed_at",
    "near_duplicates",
]


def text_of(response) -> str:
    """Return a response body as text."""
    return response.get_data(as_text=True)


def highlights(page: str) -> list[tuple[int, str]]:
    """Return (claim id, text) of each `a.claim-hl` on an article page."""
    found = re.findall(
        r'<a class="claim-hl"[^>]* href="/claims/(\d+)"[^>]*>(.*?)</a>', page, flags=re.DOTALL
    )
    return [(int(claim_id), html.unescape(text)) for claim_id, text in found]


def queue_rows(page: str) -> list[tuple[int, float]]:
    """Return (claim id, score) of each row of the review queue, in order."""
    table = re.search(r'<table class="list queue">(.*?)</table>', page, re.DOTALL)
    assert table, page[:1000]
    rows = re.findall(
        r'<span class="badge score"[^>]*>([\d.]+)</span></td>\s*<td><a href="/claims/(\d+)"[^>]*>',
        table.group(1),
    )
    return [(int(claim_id), float(score)) for score, claim_id in rows]


def section(page: str, section_id: str) -> str:
    """Return the inside of `<section id=...>`."""
    match = re.search(rf'<section id="{section_id}">(.*?)</section>', page, re.DOTALL)
    assert match, section_id
    return match.group(1)


def history(page: str) -> list[tuple[str, str, str]]:
    """Return (rating class, reviewer, explanation) of each verdict in the history, in order."""
    entries = re.findall(
        r'<div class="verdict-entry">\s*<p><span class="badge verdict rating-([\w-]+)">.*?'
        r"<strong>(.*?)</strong>.*?</p>\s*<p>(.*?)</p>",
        section(page, "history"),
        re.DOTALL,
    )
    return [(rating, html.unescape(who), html.unescape(why)) for rating, who, why in entries]


def import_article(client, **fields) -> dict:
    """Import an article through the API and return the response JSON."""
    payload = {"title": "Wire story", "source": "Wire", **fields}
    response = client.post("/api/articles", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def api_article(client, article_id: int) -> dict:
    """Return an article (with body) from the API."""
    return client.get(f"/api/articles/{article_id}").get_json()["article"]


def api_claim(client, claim_id: int) -> dict:
    """Return a claim with its article from the API."""
    return client.get(f"/api/claims/{claim_id}").get_json()["claim"]


def upload(client, files: list[tuple[str, str | bytes]], **fields):
    """POST the import form with files."""
    data = {
        **fields,
        "files": [
            (io.BytesIO(content.encode() if isinstance(content, str) else content), name)
            for name, content in files
        ],
    }
    return client.post("/articles/new", data=data, content_type="multipart/form-data")


def article_id_from(response) -> int:
    """Return the article id a redirect to its page points to."""
    assert response.status_code == 302, text_of(response)[:1000]
    match = re.fullmatch(r"/articles/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def record(client, claim_id: int, rating: str, explanation: str, **extra):
    """Record a verdict through the HTML form (as whoever the client is signed in as)."""
    form = {"rating": rating, "explanation": explanation, **extra}
    return client.post(f"/claims/{claim_id}/verdicts", data=form)


# --- importing through the form --------------------------------------------------------------


def test_the_import_form_has_every_field(client):
    response = client.get("/articles/new")
    assert response.status_code == 200
    page = text_of(response)
    assert 'action="/articles/new"' in page and 'enctype="multipart/form-data"' in page
    for name in ("title", "source", "url", "published_at", "language"):
        assert f'<input name="{name}"' in page, name
    assert '<textarea name="body"' in page
    assert '<input type="file" name="files" multiple' in page


def test_importing_fields_redirects_to_the_article_with_its_claims_highlighted(client):
    body = f"{MISSILE}\n\n{WEATHER}\n\n{EXPORTS}"
    response = client.post(
        "/articles/new",
        data={
            "title": "Missiles and trade",
            "source": "Form Wire",
            "url": "https://form.example/story",
            "published_at": "2024-05-02",
            "language": "",
            "body": body,
        },
    )
    article_id = article_id_from(response)
    stored = api_article(client, article_id)
    assert stored["title"] == "Missiles and trade"
    assert stored["url"] == "https://form.example/story"
    assert stored["published_at"] == "2024-05-02"
    assert stored["language"] == "en"

    page = client.get(f"/articles/{article_id}")
    assert page.status_code == 200
    text = text_of(page)
    assert "Imported 1 new article; 0 already known." in text
    assert '<h1 lang="en">Missiles and trade</h1>' in text
    marked = highlights(text)
    assert [t for _, t in marked] == [MISSILE, WEATHER, EXPORTS]
    for claim_id, claim_text in marked:
        assert claim_text in stored["body"]
        claim = api_claim(client, claim_id)
        assert claim["article_id"] == article_id and claim["text"] == claim_text
        assert stored["body"][claim["start"] : claim["end"]] == claim_text


def test_importing_the_same_fields_twice_says_it_is_already_known(client):
    data = {"title": "T", "source": "S", "body": HOUSING}
    first = article_id_from(client.post("/articles/new", data=data))
    second = article_id_from(client.post("/articles/new", data=data))
    assert first == second
    page = text_of(client.get(f"/articles/{second}"))
    assert "Imported 0 new articles; 1 already known." in page
    assert client.get("/api/articles").get_json()["total"] == 1


def test_uploading_text_with_front_matter_uses_its_fields(client):
    content = (
        "---\n"
        "title: Front matter title\n"
        "source: Matter Wire\n"
        "url: https://matter.example/a\n"
        "date: 2024-04-01\n"
        "lang: en\n"
        "---\n"
        f"{HOUSING}\n\n{EXPORTS}\n"
    )
    response = upload(client, [("housing.txt", content)], source="Form source")
    article_id = article_id_from(response)
    stored = api_article(client, article_id)
    assert stored["title"] == "Front matter title"
    assert stored["url"] == "https://matter.example/a"
    assert stored["published_at"] == "2024-04-01"
    assert stored["language"] == "en"
    assert stored["body"] == f"{HOUSING}\n\n{EXPORTS}"
    claims = client.get(f"/api/articles/{article_id}").get_json()["claims"]
    assert [c["text"] for c in claims] == [HOUSING, EXPORTS]
    assert api_claim(client, claims[0]["id"])["article"]["source"] == "Matter Wire"
    assert [t for _, t in highlights(text_of(client.get(f"/articles/{article_id}")))] == [
        HOUSING,
        EXPORTS,
    ]


def test_uploading_markdown_takes_the_form_defaults(client):
    content = f"# Housing notes\n\n{HOUSING}\n\n**{EXPORTS}**\n"
    response = upload(
        client,
        [("housing-notes.md", content)],
        source="Form source",
        published_at="2024-06-30",
    )
    article_id = article_id_from(response)
    stored = api_article(client, article_id)
    assert stored["title"] == "housing-notes"
    assert stored["published_at"] == "2024-06-30"
    claims = client.get(f"/api/articles/{article_id}").get_json()["claims"]
    assert claims[0]["text"] == HOUSING
    assert all("Housing notes" not in c["text"] for c in claims)
    assert api_claim(client, claims[0]["id"])["article"]["source"] == "Form source"


def test_uploading_html_takes_the_title_and_strips_scripts(client):
    content = (
        "<!doctype html><html><head><title>Port &amp; harbour news</title>"
        '<script>var tracker = "SECRET-TOKEN";</script><style>p { color: red }</style>'
        "</head><body><h1>Harbour</h1>"
        "<p>The port authority said cargo volumes rose 8 percent in 2023.</p>"
        "<script>alert('injected')</script>"
        f"<p>{HOUSING}</p></body></html>"
    )
    article_id = article_id_from(upload(client, [("port.html", content)], source="Harbour"))
    stored = api_article(client, article_id)
    assert stored["title"] == "Port & harbour news"
    body = stored["body"]
    assert "The port authority said cargo volumes rose 8 percent in 2023." in body
    assert HOUSING in body
    for leaked in ("SECRET-TOKEN", "alert", "injected", "color: red", "<p>", "<script"):
        assert leaked not in body, leaked
    page = text_of(client.get(f"/articles/{article_id}"))
    assert '<h1 lang="en">Port &amp; harbour news</h1>' in page
    assert "SECRET-TOKEN" not in page and "injected" not in page


def test_uploading_a_json_object_maps_its_field_aliases(client):
    content = (
        '{"headline": "JSON headline", "outlet": "JSON Wire", "text": "'
        + HOUSING
        + '", "date": "2024-02-02", "url": "https://json.example/1"}'
    )
    article_id = article_id_from(upload(client, [("one.json", content)]))
    stored = api_article(client, article_id)
    assert (stored["title"], stored["published_at"], stored["url"]) == (
        "JSON headline",
        "2024-02-02",
        "https://json.example/1",
    )
    claims = client.get(f"/api/articles/{article_id}").get_json()["claims"]
    assert [c["text"] for c in claims] == [HOUSING]
    assert api_claim(client, claims[0]["id"])["article"]["source"] == "JSON Wire"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "many.json",
            f'[{{"title": "First", "body": "{HOUSING}"}}, '
            f'{{"title": "Second", "body": "{EXPORTS}", "source": "Own source"}}]',
        ),
        (
            "many.jsonl",
            f'{{"title": "First", "body": "{HOUSING}"}}\n\n'
            f'{{"title": "Second", "body": "{EXPORTS}", "source": "Own source"}}\n',
        ),
    ],
    ids=["json-array", "jsonl"],
)
def test_uploading_several_records_imports_each(client, name, content):
    response = upload(client, [(name, content)], source="Default source")
    # Several articles run as a job (at once here: tests queue in-process).
    assert response.status_code == 302
    assert response.headers["Location"] == "/jobs/1"
    job = client.get("/api/jobs/1").get_json()["job"]
    assert (job["status"], job["created"], job["known"], job["failed"]) == ("done", 2, 0, 0)
    articles = client.get("/api/articles").get_json()
    assert articles["total"] == 2
    assert {a["title"] for a in articles["articles"]} == {"First", "Second"}
    claims = client.get("/api/claims").get_json()["claims"]
    assert {(c["text"], c["article"]["source"]) for c in claims} == {
        (HOUSING, "Default source"),
        (EXPORTS, "Own source"),
    }


def test_uploading_several_files_at_once_imports_them_all(client):
    files = [("a.txt", f"{HOUSING}\n"), ("b.md", f"{EXPORTS}\n")]
    response = upload(client, files, source="Batch")
    assert response.status_code == 302 and response.headers["Location"] == "/jobs/1"
    assert "a.txt, b.md" in text_of(client.get("/jobs/1"))
    page = text_of(client.get("/articles"))
    assert ">a</a>" in page and ">b</a>" in page
    assert client.get("/api/articles").get_json()["total"] == 2


# --- the review queue ------------------------------------------------------------------------


@pytest.fixture
def corpus(client) -> dict:
    """An English article (Alpha, Jan 2024) and a French one (Beta, Mar 2024)."""
    english = import_article(
        client,
        title="English story",
        source="Alpha",
        body=f"{MISSILE}\n\n{WEATHER}\n\n{EXPORTS}\n\n{HOUSING}",
        published_at="2024-01-05",
        url="https://alpha.example/1",
    )
    french = import_article(
        client,
        title="Histoire française",
        source="Beta",
        body=f"{FR_JOBS}\n\n{FR_TRADE}",
        published_at="2024-03-10",
    )
    return {"en": english, "fr": french}


def ids_of(data: dict) -> set[int]:
    """Return the claim ids of an import response."""
    return {c["id"] for c in data["claims"]}


def test_the_queue_lists_unreviewed_claims_highest_score_first(client, corpus):
    response = client.get("/claims")
    assert response.status_code == 200
    rows = queue_rows(text_of(response))
    assert {claim_id for claim_id, _ in rows} == ids_of(corpus["en"]) | ids_of(corpus["fr"])
    scores = [score for _, score in rows]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]
    weather = next(c["id"] for c in corpus["en"]["claims"] if c["text"] == WEATHER)
    assert rows[-1][0] == weather
    assert "page 1 of 1 · 6 in all" in text_of(response)

    top = rows[0][0]
    assert record(client, top, "false", "Wrong.").status_code == 302
    after = queue_rows(text_of(client.get("/claims")))
    assert [claim_id for claim_id, _ in after] == [claim_id for claim_id, _ in rows[1:]]
    published = queue_rows(text_of(client.get("/claims?status=published")))
    assert [claim_id for claim_id, _ in published] == [top]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"source": "Beta"}, "fr"),
        ({"language": "fr"}, "fr"),
        ({"language": "en"}, "en"),
        ({"date_from": "2024-02-01"}, "fr"),
        ({"date_to": "2024-02-01"}, "en"),
        ({"date_from": "2024-01-06", "date_to": "2024-03-09"}, "none"),
    ],
    ids=lambda v: "&".join(f"{k}={x}" for k, x in v.items()) if isinstance(v, dict) else v,
)
def test_the_queue_honours_its_filters(client, corpus, params, expected):
    rows = queue_rows(text_of(client.get("/claims", query_string=params)))
    wanted = set() if expected == "none" else ids_of(corpus[expected])
    assert {claim_id for claim_id, _ in rows} == wanted


def test_the_queue_honours_the_minimum_score_and_keeps_it_in_the_form(client, corpus):
    page = text_of(client.get("/claims", query_string={"min_score": "0.5"}))
    rows = queue_rows(page)
    everything = client.get("/api/claims", query_string={"per_page": 200}).get_json()["claims"]
    assert {claim_id for claim_id, _ in rows} == {
        c["id"] for c in everything if c["checkworthiness"] >= 0.5
    }
    assert 0 < len(rows) < len(everything)
    assert 'name="min_score" min="0" max="1" step="0.05" value="0.5"' in page
    source_page = text_of(client.get("/claims", query_string={"source": "Beta"}))
    assert "<option selected>Beta</option>" in source_page


def test_the_queue_paginates(client, corpus):
    first = queue_rows(text_of(client.get("/claims?per_page=4")))
    second_page = text_of(client.get("/claims?per_page=4&page=2"))
    second = queue_rows(second_page)
    assert len(first) == 4 and len(second) == 2
    assert not {c for c, _ in first} & {c for c, _ in second}
    assert "page 2 of 2 · 6 in all" in second_page


# --- the claim page and verdicts -------------------------------------------------------------


def test_the_claim_page_highlights_the_claim_and_offers_the_verdict_form(client, corpus):
    claim = next(c for c in corpus["en"]["claims"] if c["text"] == EXPORTS)
    response = client.get(f"/claims/{claim['id']}")
    assert response.status_code == 200
    page = text_of(response)
    marks = re.findall(r"<mark[^>]*>(.*?)</mark>", page, re.DOTALL)
    assert [html.unescape(m) for m in marks] == [EXPORTS]
    assert f'<h1 class="claim-text" lang="en">{EXPORTS}</h1>' in page
    excerpt = re.search(r'<article class="body excerpt"[^>]*>(.*?)</article>', page, re.DOTALL)
    assert MISSILE in html.unescape(excerpt.group(1))  # the rest of the body, unmarked
    form = section(page, "verdict")
    assert f'action="/claims/{claim["id"]}/verdicts"' in form
    options = re.findall(r'<option value="([\w-]+)"', form)
    assert options == [r.key for r in SCALE]
    assert '<textarea name="explanation"' in form
    assert '<textarea name="evidence_urls"' in form
    # No reviewer field: the verdict is saved as the signed-in account.
    assert 'name="reviewer"' not in form
    assert "Saved as admin." in form
    assert "No verdict yet." in section(page, "history")
    assert "English story" in page and "Alpha" in page


def test_a_verdict_from_the_form_shows_in_the_history_newest_first(client, app, corpus):
    claim_id = next(c["id"] for c in corpus["en"]["claims"] if c["text"] == EXPORTS)
    first = record(
        client,
        claim_id,
        "mostly-true",
        "Customs data show 11.8 percent.",
        evidence_urls="https://customs.example/2023\nhttps://stats.example/trade",
    )
    assert first.status_code == 302
    assert first.headers["Location"] == f"/claims/{claim_id}"
    page = text_of(client.get(f"/claims/{claim_id}"))
    assert "Verdict recorded." in page
    assert history(page) == [("mostly-true", "admin", "Customs data show 11.8 percent.")]
    assert 'href="https://customs.example/2023"' in section(page, "history")
    assert 'href="https://stats.example/trade"' in section(page, "history")

    # Another account's verdict is credited to that account; a posted name is ignored.
    other = login(app.test_client(), "reviewer")
    second = record(other, claim_id, "false", "Revised: exports fell.", reviewer="Ben")
    assert second.status_code == 302
    page = text_of(client.get(f"/claims/{claim_id}"))
    assert history(page) == [
        ("false", "reviewer", "Revised: exports fell."),
        ("mostly-true", "admin", "Customs data show 11.8 percent."),
    ]
    # The badge at the top shows the latest verdict.
    top = page.split('<div class="layout">')[0]
    assert 'class="badge verdict rating-false"' in top and "rating-mostly-true" not in top
    api = client.get(f"/api/claims/{claim_id}/verdicts").get_json()["verdicts"]
    assert [v["rating"] for v in api] == ["false", "mostly-true"]


def test_the_article_page_links_each_highlight_to_its_claim_page(client, corpus):
    article_id = corpus["fr"]["article"]["id"]
    marked = highlights(text_of(client.get(f"/articles/{article_id}")))
    assert [t for _, t in marked] == [FR_JOBS, FR_TRADE]
    for claim_id, claim_text in marked:
        page = text_of(client.get(f"/claims/{claim_id}"))
        assert [html.unescape(m) for m in re.findall(r"<mark[^>]*>(.*?)</mark>", page)] == [
            claim_text
        ]


# --- link decisions --------------------------------------------------------------------------


@pytest.fixture
def linked(client, app) -> dict:
    """Two articles from different sources sharing MISSILE, so a link is suggested."""
    first = import_article(
        client, source="Alpha", body=f"{MISSILE}\n\n{HOUSING}", published_at="2024-01-05"
    )
    second = import_article(
        client,
        source="Beta",
        body=f"Officials gave a press conference on Monday about school budgets.\n\n{MISSILE}",
        published_at="2024-01-06",
    )
    a = next(c["id"] for c in first["claims"] if c["text"] == MISSILE)
    b = next(c["id"] for c in second["claims"] if c["text"] == MISSILE)
    page = text_of(client.get(f"/claims/{a}"))
    link_ids = re.findall(r'<form method="post" action="/links/(\d+)"', page)
    assert len(link_ids) == 1, page
    return {"a": a, "b": b, "link": int(link_ids[0]), "first": first, "second": second}


def link_row(app, link_id: int) -> ClaimLink:
    """Read a link from the database."""
    with Session(app.extensions["claims"].engine) as session:
        return session.get(ClaimLink, link_id)


def test_a_suggested_link_shows_on_both_claim_pages(client, app, linked):
    link = link_row(app, linked["link"])
    assert {link.claim_a_id, link.claim_b_id} == {linked["a"], linked["b"]}
    assert link.state == "suggested" and link.score == pytest.approx(1.0, abs=0.01)
    for mine, other in ((linked["a"], linked["b"]), (linked["b"], linked["a"])):
        similar = section(text_of(client.get(f"/claims/{mine}")), "similar")
        assert f'href="/claims/{other}" lang="en">{MISSILE}</a>' in similar
        assert "link suggested" in similar
        assert f'action="/links/{linked["link"]}"' in similar


def test_confirming_then_rejecting_a_link_changes_its_state(client, app, linked):
    # decided_by is the signed-in account; a posted reviewer name is ignored.
    response = client.post(
        f"/links/{linked['link']}",
        data={"state": "confirmed", "reviewer": " Ana ", "claim_id": linked["b"]},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/claims/{linked['b']}"
    link = link_row(app, linked["link"])
    assert (link.state, link.decided_by) == ("confirmed", "admin")
    assert link.decided_at is not None
    page = text_of(client.get(f"/claims/{linked['b']}"))
    assert "Link confirmed." in page
    similar = section(page, "similar")
    assert "link confirmed" in similar and "by admin" in similar
    assert '<button name="state" value="confirmed" disabled' in similar

    other = login(app.test_client(), "reviewer")
    response = other.post(f"/links/{linked['link']}", data={"state": "rejected", "reviewer": "Ben"})
    assert response.status_code == 302
    # Without claim_id it returns to the link's first claim.
    assert response.headers["Location"] == f"/claims/{min(linked['a'], linked['b'])}"
    link = link_row(app, linked["link"])
    assert (link.state, link.decided_by) == ("rejected", "reviewer")
    similar = section(text_of(client.get(f"/claims/{linked['a']}")), "similar")
    assert "link rejected" in similar and "by reviewer" in similar
    assert '<button name="state" value="rejected" disabled' in similar


# --- the CSV export --------------------------------------------------------------------------


def read_csv(response) -> tuple[list[str], list[dict[str, str]]]:
    """Check the CSV is UTF-8 with a BOM and return its header and rows."""
    assert response.status_code == 200, text_of(response)[:500]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8")[1:])))
    header = rows[0]
    return header, [dict(zip(header, row, strict=True)) for row in rows[1:]]


@pytest.fixture
def reviewed(client, linked) -> dict:
    """Verdicts on four claims (one twice) in two sources and two languages."""
    french = import_article(
        client,
        title="Histoire",
        source="Gamma",
        body=f"{FR_JOBS}\n\n{FR_TRADE}",
        published_at="2024-03-10",
    )
    by_text = {c["text"]: c["id"] for c in linked["first"]["claims"] + french["claims"]}
    missile, housing = linked["a"], by_text[HOUSING]
    jobs, trade = by_text[FR_JOBS], by_text[FR_TRADE]
    formula = '=HYPERLINK("http://evil.example","click")'
    verdicts = [
        (missile, "true", "First look.", ""),
        (missile, "false", formula, "https://a.example/1 https://b.example/2"),
        (housing, "mostly-true", "+1 more than reported", ""),
        (jobs, "half-true", "-1 point, d'après l'Insee", "https://insee.example/é"),
        (trade, "misleading", "@x spreadsheet", ""),
    ]
    for claim_id, rating, explanation, evidence in verdicts:
        response = client.post(
            f"/api/claims/{claim_id}/verdicts",
            json={
                "rating": rating,
                "explanation": explanation,
                "evidence_urls": evidence.split(),
            },
        )
        assert response.status_code == 201, response.get_json()
    return {"missile": missile, "housing": housing, "jobs": jobs, "trade": trade}


def test_the_export_page_offers_the_filters(client, reviewed):
    page = text_of(client.get("/export"))
    assert 'action="/export/verdicts.csv"' in page
    assert re.findall(r'<option value="([\w-]+)">', page) == [r.key for r in SCALE]
    for name in ("Alpha", "Beta", "Gamma"):
        assert f"<option>{name}</option>" in page
    assert 'name="date_from"' in page and 'name="date_to"' in page


def test_the_export_has_one_row_per_reviewed_claim_with_its_latest_verdict(client, reviewed):
    response = client.get("/export/verdicts.csv")
    assert response.is_streamed
    header, rows = read_csv(response)
    assert response.mimetype == "text/csv"
    assert response.mimetype_params["charset"] == "utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="verdicts.csv"'
    assert header == CSV_HEADER
    ids = [int(row["claim_id"]) for row in rows]
    assert ids == sorted(reviewed.values())
    by_id = {int(row["claim_id"]): row for row in rows}
    missile = by_id[reviewed["missile"]]
    assert missile["claim"] == MISSILE
    assert missile["article_title"] == "Wire story"
    assert missile["source"] == "Alpha"
    assert missile["url"] == ""
    assert missile["published_at"] == "2024-01-05"
    assert missile["language"] == "en"
    assert (missile["rating"], missile["rating_value"]) == ("False", "1")
    assert missile["evidence_urls"] == "https://a.example/1 https://b.example/2"
    assert missile["reviewer"] == "admin"  # the account that recorded it
    assert date.fromisoformat(missile["reviewed_at"][:10])
    assert missile["near_duplicates"] == "1"
    assert by_id[reviewed["housing"]]["near_duplicates"] == "0"
    jobs = by_id[reviewed["jobs"]]
    assert (jobs["rating"], jobs["rating_value"], jobs["language"]) == ("Half true", "3", "fr")
    assert jobs["claim"] == FR_JOBS and jobs["evidence_urls"] == "https://insee.example/é"
    trade = by_id[reviewed["trade"]]
    assert (trade["rating"], trade["rating_value"]) == ("Misleading", "")


def test_the_export_content_type_names_the_charset_once(client):
    response = client.get("/export/verdicts.csv")
    read_csv(response)  # consume the stream before asserting
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_the_export_neutralises_formula_cells(client, reviewed):
    _, rows = read_csv(client.get("/export/verdicts.csv"))
    explanations = {int(row["claim_id"]): row["explanation"] for row in rows}
    assert explanations == {
        reviewed["missile"]: '\'=HYPERLINK("http://evil.example","click")',
        reviewed["housing"]: "'+1 more than reported",
        reviewed["jobs"]: "'-1 point, d'après l'Insee",
        reviewed["trade"]: "'@x spreadsheet",
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"rating": "false"}, ["missile"]),
        ({"rating": "true"}, []),  # only the missile's superseded verdict was "true"
        ({"rating": "misleading"}, ["trade"]),
        ({"source": "Gamma"}, ["jobs", "trade"]),
        ({"source": "Alpha"}, ["missile", "housing"]),
        ({"language": "fr"}, ["jobs", "trade"]),
        ({"language": "en", "rating": "mostly-true"}, ["housing"]),
        ({"date_from": "2024-02-01"}, ["jobs", "trade"]),
        ({"date_to": "2024-02-01"}, ["missile", "housing"]),
        ({"date_from": "2024-01-06", "date_to": "2024-03-09"}, []),
        ({"status": "unreviewed", "min_score": "1"}, ["missile", "housing", "jobs", "trade"]),
    ],
    ids=lambda v: "&".join(f"{k}={x}" for k, x in v.items()) if isinstance(v, dict) else None,
)
def test_the_export_honours_its_filters(client, reviewed, params, expected):
    header, rows = read_csv(client.get("/export/verdicts.csv", query_string=params))
    assert header == CSV_HEADER
    assert sorted(int(row["claim_id"]) for row in rows) == sorted(reviewed[k] for k in expected)


def test_rejecting_a_link_removes_it_from_the_near_duplicate_count(client, linked, reviewed):
    client.post(f"/links/{linked['link']}", data={"state": "rejected"})
    _, rows = read_csv(client.get("/export/verdicts.csv", query_string={"rating": "false"}))
    assert [(int(r["claim_id"]), r["near_duplicates"]) for r in rows] == [
        (reviewed["missile"], "0")
    ]


def test_an_empty_export_still_has_the_bom_and_header(client):
    header, rows = read_csv(client.get("/export/verdicts.csv"))
    assert header == CSV_HEADER and rows == []
