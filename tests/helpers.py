"""Helpers shared by the workflow and correction tests: requests, rows and page parts."""

from __future__ import annotations

from sqlmodel import Session, func, select

from claims.models import Claim


def text_of(response) -> str:
    """Return a response body as text."""
    return response.get_data(as_text=True)


def db(app) -> Session:
    """Open a session on the app's database (use it in a `with`)."""
    return Session(app.extensions["claims"].engine, expire_on_commit=False)


def import_article(client, source: str, *sentences: str, title: str = "Story") -> dict:
    """Import an article of one-sentence paragraphs through the API; return the response."""
    payload = {"title": title, "source": source, "body": "\n\n".join(sentences)}
    response = client.post("/api/articles", json=payload)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert [c["text"] for c in data["claims"]] == list(sentences)
    return data


def claim_of(data: dict, text: str) -> int:
    """Return the id of the claim with this text in an import response."""
    return next(c["id"] for c in data["claims"] if c["text"] == text)


def claim_row(app, claim_id: int) -> Claim | None:
    """Read a claim from the database."""
    with db(app) as session:
        return session.get(Claim, claim_id)


def count(app, model, *conditions) -> int:
    """Count the rows of a table, optionally narrowed."""
    with db(app) as session:
        query = select(func.count()).select_from(model)
        if conditions:
            query = query.where(*conditions)
        return int(session.exec(query).one())


def redirected_to(response, location: str) -> None:
    """Check a response is a redirect to `location`."""
    assert response.status_code == 302, text_of(response)[:2000]
    assert response.headers["Location"] == location
