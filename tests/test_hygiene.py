"""Input hygiene: invisible characters, NUL bytes, tracking parameters, bodies without letters."""

from __future__ import annotations

import pytest
from sqlmodel import select

from claims.models import Article, Claim, Comment, Verdict
from claims.text.normalise import FORMAT_CHARS, normalise
from tests.conftest import PASSWORDS, login
from tests.helpers import count, db, text_of

BODY = (
    "Le chômage a baissé de 3 % en 2024 selon l'Insee.\n\n"
    "Le gouvernement affirme que 62 départements sont en vigilance sécheresse."
)
INVISIBLE = "\u200b\u200c\u200d\ufeff\u00ad\u200e\u202e\u2066\u2060"


def post_article(client, **fields):
    """Import an article through the API with defaults for the required fields."""
    payload = {"title": "Sécheresse", "source": "AFP", "body": BODY, "language": "fr", **fields}
    return client.post("/api/articles", json=payload)


def test_the_invisible_characters_are_the_unicode_format_category() -> None:
    assert set(INVISIBLE) <= set(FORMAT_CHARS)
    assert normalise(f"a{INVISIBLE}b\x00c") == "abc"
    # Visible characters and ordinary whitespace stay.
    assert normalise("é à\nñ 🙂") == "é à\nñ 🙂"


@pytest.mark.parametrize("inserted", list(INVISIBLE))
def test_one_invisible_character_does_not_make_an_article_new(client, inserted: str) -> None:
    first = post_article(client)
    assert first.status_code == 201
    body = BODY.replace("baissé", f"bais{inserted}sé", 1)
    again = post_article(client, body=body)
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["article"]["id"] == first.get_json()["article"]["id"]
    assert count(client.application, Article) == 1


def test_a_shared_link_with_tracking_parameters_is_the_same_article(client) -> None:
    url = "https://news.example/2026/secheresse"
    first = post_article(client, url=f"{url}?id=7")
    assert first.status_code == 201
    assert first.get_json()["article"]["url"] == f"{url}?id=7"
    # Another body too: the address alone identifies the article.
    tracked = f"{url}?utm_source=twitter&id=7&fbclid=abc#comments"
    again = post_article(client, url=tracked, body=BODY + "\n\nUne phrase de plus.")
    assert again.status_code == 200
    assert again.get_json()["article"]["id"] == first.get_json()["article"]["id"]
    # A different real parameter is a different page.
    other = post_article(client, url=f"{url}?id=8", body=BODY + "\n\nAutre.")
    assert other.status_code == 201


def test_nul_bytes_are_removed_from_every_text_field(client) -> None:
    response = post_article(
        client, title="Séche\x00resse\u200b", source="A\x00FP", author="Jean\x00 Dupont"
    )
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["article"]["title"] == "Sécheresse"
    claim_id = data["claims"][0]["id"]
    verdict = {"rating": "false", "explanation": "Faux\x00 : l'Insee dit\r\nautre chose."}
    assert client.post(f"/api/claims/{claim_id}/verdicts", json=verdict).status_code == 201
    form = {"body": "Vu\x00 avec\u200b ana"}
    assert client.post(f"/claims/{claim_id}/comments", data=form).status_code == 302
    page = text_of(client.get(f"/claims/{claim_id}"))
    assert "\x00" not in page
    with db(client.application) as session:
        article = session.exec(select(Article)).one()
        assert (article.title, article.author) == ("Sécheresse", "Jean Dupont")
        assert session.exec(select(Verdict)).one().explanation == (
            "Faux : l'Insee dit\nautre chose."
        )
        assert session.exec(select(Comment)).one().body == "Vu avec ana"


def test_nul_in_a_query_or_filter_is_not_an_error(client) -> None:
    post_article(client)
    assert client.get("/api/search?q=ch%C3%B4mage%00").status_code == 200
    assert client.get("/api/claims?source=AF%00P").status_code == 200
    assert client.get("/claims?source=%00&language=f%00r").status_code == 200


@pytest.mark.parametrize(
    "body",
    [INVISIBLE * 3, "🙂🙂 🔥", "12 345 — 67 %", "<p>\u200b</p><p>🙂</p>"],
    ids=["invisible", "emoji", "digits", "html-emoji"],
)
def test_a_body_without_letters_is_refused_with_a_sentence(client, body: str) -> None:
    response = post_article(client, body=body)
    assert response.status_code == 400
    message = response.get_json()["error"]
    # Only invisible characters: nothing is left once they are removed.
    assert "letters" in message or "body" in message
    assert count(client.application, Article) == 0
    assert count(client.application, Claim) == 0


@pytest.mark.parametrize("language", ["xx", "sv", "klingon", "f"])
def test_an_unsupported_language_is_refused(client, language: str) -> None:
    response = post_article(client, language=language)
    assert response.status_code == 400
    assert "language" in response.get_json()["error"]
    assert count(client.application, Article) == 0


@pytest.mark.parametrize("tag", ["fr", "FR", "fr-FR", "fr_CA"])
def test_a_language_tag_names_its_language(client, tag: str) -> None:
    response = post_article(client, language=tag)
    assert response.status_code == 201
    assert response.get_json()["article"]["language"] == "fr"


def test_the_import_form_refuses_a_body_without_letters_in_a_sentence(client) -> None:
    form = {"title": "Vide", "source": "AFP", "body": "\u200b\u200b 🙂"}
    response = client.post("/articles/new", data=form)
    assert response.status_code == 400
    assert "letters" in text_of(response)


def test_a_password_is_compared_as_typed(app) -> None:
    client = app.test_client()
    password = PASSWORDS["admin"]
    typed = password[:2] + "\u200b" + password[2:]
    response = client.post("/login", data={"username": "admin", "password": typed})
    assert response.status_code == 401
    login(client)


def test_nul_and_invisible_characters_on_postgresql(any_db_app) -> None:
    client = any_db_app.test_client()
    login(client)
    response = post_article(client, title="T\x00itre\u200b", source="A\x00FP")
    assert response.status_code == 201, response.get_json()
    again = post_article(client, body=BODY.replace("e", "e\u200b", 3))
    assert again.status_code == 200
    assert count(any_db_app, Article) == 1
