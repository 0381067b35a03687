"""The interface in French (the default) and English: locale choice, catalogues, formats, API."""

from __future__ import annotations

import io
import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from jinja2 import Environment
from jinja2.ext import i18n
from sqlmodel import select

from claims.config import Config
from claims.errors import N_, InvalidInput
from claims.models import User, Verdict
from tests.conftest import PASSWORDS, HashingEmbedder, login, make_app
from tests.helpers import db, text_of

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "claims" / "translations"
TEMPLATES = ROOT / "templates"

FRENCH_BODY = (
    "Le chômage a baissé de 3 % en 2023, selon l'Insee.\n\n"
    "Emmanuel Macron a déclaré que 500 000 emplois ont été créés en France l'an dernier."
)
ENGLISH_BODY = (
    "Unemployment fell by 3 percent in 2023, the statistics office said.\n\n"
    "The minister said that 500,000 jobs were created in Britain last year."
)


@pytest.fixture
def french_app(tmp_path, monkeypatch):
    """An app with the configured default language (French unless CLAIMS_LOCALE says so)."""
    monkeypatch.delenv("CLAIMS_LOCALE", raising=False)
    default = Config(str(tmp_path)).CLAIMS_LOCALE
    assert default == "fr"
    return make_app(tmp_path, HashingEmbedder(), CLAIMS_LOCALE=default)


@pytest.fixture
def french(french_app):
    """A client of the French app, signed in as the reviewer, whose browser asks for nothing."""
    return login(french_app.test_client(), "reviewer")


def import_api(client, title: str, body: str, language: str, **extra) -> dict:
    """Import an article through the API and return its JSON."""
    payload = {"title": title, "source": "AFP", "body": body, "language": language, **extra}
    response = client.post("/api/articles", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def flashes(response) -> list[str]:
    """Return the flash messages of a page."""
    return re.findall(r'<p class="flash" role="status">(.*?)</p>', text_of(response))


def test_the_sign_in_page_is_french_by_default(french_app):
    page = text_of(french_app.test_client().get("/login"))
    assert '<html lang="fr">' in page
    assert "<h1>Se connecter</h1>" in page
    assert "Nom d’utilisateur" in page and "Mot de passe" in page
    assert "<title>Se connecter · Suivi des affirmations</title>" in page


def test_the_review_queue_speaks_french(french):
    import_api(french, "Chômage", FRENCH_BODY, "fr")
    page = text_of(french.get("/claims"))
    assert "<h1>File de relecture</h1>" in page
    assert "<th>Affirmation</th>" in page and "<th>Verdict</th>" in page
    assert ">Se déconnecter</button>" in page
    assert ">Importer</a>" in page
    # Scores are French decimals: 0,83 rather than 0.83.
    assert re.search(r'<span class="badge score" title="intérêt à vérifier">0,\d\d</span>', page)


def test_importing_flashes_in_french_with_plurals(french):
    one = french.post(
        "/articles/new",
        data={"title": "Chômage", "source": "AFP", "body": FRENCH_BODY},
        follow_redirects=True,
    )
    assert "1 nouvel article importé ; 0 déjà connu(s)." in flashes(one)
    files = [
        (io.BytesIO(text.encode()), name) for name, text in (("a.txt", "Un."), ("b.txt", "Deux."))
    ]
    two = french.post(
        "/articles/new",
        data={"source": "AFP", "files": files},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert any(re.fullmatch(r"2 articles mis en file dans la tâche \d+\.", f) for f in flashes(two))


def test_accept_language_english_gets_english(french_app):
    client = french_app.test_client()
    page = text_of(client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"}))
    assert '<html lang="en">' in page and "<h1>Sign in</h1>" in page
    page = text_of(client.get("/login", headers={"Accept-Language": "de-DE,fr;q=0.8"}))
    assert '<html lang="fr">' in page


def test_a_users_choice_beats_the_browser_and_is_kept_in_the_database(french_app):
    english_browser = {"Accept-Language": "en"}
    client = login(french_app.test_client(), "reviewer")
    assert "<h1>Review queue</h1>" in text_of(client.get("/claims", headers=english_browser))
    chosen = client.post("/language", data={"locale": "fr", "next": "/claims?page=1"})
    assert chosen.status_code == 302 and chosen.headers["Location"] == "/claims?page=1"
    with db(french_app) as session:
        user = session.exec(select(User).where(User.username == "reviewer")).one()
        assert user.locale == "fr"
    # A new session (another browser) signs in and still gets French.
    other = french_app.test_client()
    form = {"username": "reviewer", "password": PASSWORDS["reviewer"]}
    other.post("/login", data=form, headers=english_browser)
    page = text_of(other.get("/claims", headers=english_browser))
    assert "<h1>File de relecture</h1>" in page and '<html lang="fr">' in page
    audit = text_of(login(french_app.test_client(), "admin").get("/admin/audit"))
    assert "user.locale" in audit


def test_signed_out_visitors_switch_with_the_headers_form(tmp_path):
    app = make_app(tmp_path, HashingEmbedder(), CLAIMS_LOCALE="fr", WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = text_of(client.get("/login"))
    form = re.search(r'<form class="inline language".*?</form>', page, re.DOTALL).group()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    assert 'name="next" value="/login"' in form
    assert re.search(r'value="fr"[^>]*aria-current="true" disabled', form)
    refused = client.post("/language", data={"locale": "en"})
    assert refused.status_code == 400
    switched = client.post(
        "/language", data={"locale": "en", "next": "/login", "csrf_token": token}
    )
    assert switched.status_code == 302 and switched.headers["Location"] == "/login"
    page = text_of(client.get("/login"))
    assert '<html lang="en">' in page and "<h1>Sign in</h1>" in page
    unknown = client.post("/language", data={"locale": "de", "csrf_token": token})
    assert unknown.status_code == 400
    assert "Choose one of these languages: fr, en." in text_of(unknown)


def test_ratings_are_labelled_in_french_but_stored_by_key(french, french_app):
    claim_id = import_api(french, "Chômage", FRENCH_BODY, "fr")["claims"][0]["id"]
    saved = french.post(
        f"/claims/{claim_id}/verdicts",
        data={"rating": "mostly-true", "explanation": "Les chiffres de l'Insee le confirment."},
        follow_redirects=True,
    )
    assert "Verdict enregistré." in flashes(saved)
    page = text_of(saved)
    assert '<span class="badge verdict rating-mostly-true">Plutôt vrai</span>' in page
    assert "Mostly true" not in page
    with db(french_app) as session:
        assert session.exec(select(Verdict.rating)).one() == "mostly-true"


@pytest.mark.parametrize("interface", ["fr", "en"])
def test_claimreview_names_the_rating_in_the_claims_language(tmp_path, interface):
    app = make_app(tmp_path, HashingEmbedder(), CLAIMS_LOCALE=interface)
    client = login(app.test_client(), "reviewer")
    names = {}
    for language, body in (("fr", FRENCH_BODY), ("en", ENGLISH_BODY)):
        claim_id = import_api(client, f"Story {language}", body, language)["claims"][0]["id"]
        client.post(
            f"/claims/{claim_id}/verdicts", data={"rating": "mostly-true", "explanation": "x"}
        )
        review = client.get(f"/claims/{claim_id}/claimreview.json").get_json()
        names[language] = review["reviewRating"]["alternateName"]
        assert review["reviewRating"]["ratingValue"] == 4
    assert names == {"fr": "Plutôt vrai", "en": "Mostly true"}


def test_api_errors_stay_english_with_a_code(french):
    french_browser = {"Accept-Language": "fr-FR,fr"}
    missing = french.get("/api/claims/999999", headers=french_browser)
    assert missing.status_code == 404
    assert missing.get_json() == {"error": "There is no claim with id 999999.", "code": "not_found"}
    invalid = french.post(
        "/api/articles", json={"title": "", "source": "x"}, headers=french_browser
    )
    data = invalid.get_json()
    assert invalid.status_code == 400 and data["code"] == "invalid_input"
    assert data["error"].startswith(
        "Invalid input — title: String should have at least 1 character"
    )
    wrong_method = french.delete("/api/claims", headers=french_browser)
    assert (
        wrong_method.status_code == 405 and wrong_method.get_json()["code"] == "method_not_allowed"
    )
    anonymous = french.application.test_client().get("/api/claims", headers=french_browser)
    assert anonymous.get_json()["code"] == "not_signed_in"
    assert anonymous.get_json()["error"].startswith("Sign in, or send an API token")


def test_a_validation_error_on_the_import_form_is_french(french):
    page = french.post(
        "/articles/new",
        data={"title": "", "source": "AFP", "body": "Texte.", "published_at": "2026-13-01"},
    )
    assert page.status_code == 400
    text = text_of(page)
    assert "Saisie invalide — " in text
    assert "date de publication : doit être une date valide au format AAAA-MM-JJ" in text
    assert "titre : doit compter au moins 1 caractère" in text
    assert "Input should be" not in text


def test_a_service_error_is_french_on_the_page_and_english_elsewhere(french):
    page = french.post("/claims/999999/verdicts", data={"rating": "true", "explanation": "x"})
    assert page.status_code == 404
    assert "Introuvable : affirmation nº 999999." in text_of(page)
    error = InvalidInput(N_("%(name)s is empty."), name="notes.txt")
    assert error.message == str(error) == "notes.txt is empty."


def test_dates_follow_the_interface_language(tmp_path):
    for locale, expected in (("fr", "2 déc. 2026"), ("en", "Dec 2, 2026")):
        (tmp_path / locale).mkdir()
        app = make_app(tmp_path / locale, HashingEmbedder(), CLAIMS_LOCALE=locale)
        client = login(app.test_client(), "reviewer")
        import_api(client, "Chômage", FRENCH_BODY, "fr", published_at="2026-12-02")
        page = text_of(client.get("/articles"))
        assert f"<td>{expected}</td>" in page, page
        # The API keeps ISO dates.
        assert client.get("/api/articles").get_json()["articles"][0]["published_at"] == "2026-12-02"


def test_text_in_its_own_language_is_marked(tmp_path):
    app = make_app(tmp_path, HashingEmbedder(), CLAIMS_LOCALE="en")
    client = login(app.test_client(), "reviewer")
    data = import_api(client, "Chômage", FRENCH_BODY, "fr")
    page = text_of(client.get(f"/claims/{data['claims'][0]['id']}"))
    assert '<html lang="en">' in page
    assert '<h1 class="claim-text" lang="fr">' in page
    article = text_of(client.get(f"/articles/{data['article']['id']}"))
    assert '<h1 lang="fr">Chômage</h1>' in article
    assert '<article class="body" id="article-body" lang="fr">' in article


def test_a_missing_catalogue_leaves_the_interface_in_english(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="claims.web.i18n"):
        app = make_app(
            tmp_path,
            HashingEmbedder(),
            CLAIMS_LOCALE="fr",
            BABEL_TRANSLATION_DIRECTORIES=str(tmp_path),
        )
    assert "No compiled translations" in caplog.text
    page = text_of(app.test_client().get("/login"))
    assert page.count("<h1>Sign in</h1>") == 1


# -- The catalogues ---------------------------------------------------------------------------


def _ids(catalog) -> set[tuple[str | None, str]]:
    """Return (context, msgid) of every message of a catalogue, the header aside."""
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


def test_every_message_has_a_french_translation():
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        template = read_po(f)
    with open(TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po", "rb") as f:
        french = read_po(f, locale="fr")
    assert _ids(template) == _ids(french)
    for message in french:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s.strip() for s in strings), f"untranslated: {message.id!r}"
    problems = [(m.id, [str(e) for e in errors]) for m, errors in french.check()]
    assert problems == []


def test_the_template_catalogue_is_up_to_date(tmp_path):
    fresh = tmp_path / "fresh.pot"
    arguments = ["extract", "-F", str(ROOT / "babel.cfg"), "-o", str(fresh), str(ROOT)]
    CommandLineInterface().run(["pybabel", "-q", *arguments])
    with open(fresh, "rb") as f:
        extracted = read_po(f)
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        committed = read_po(f)
    assert _ids(extracted) == _ids(committed), (
        "claims/translations/messages.pot is stale: run the commands in the README, Language"
    )


# -- Templates: no English left outside _() ---------------------------------------------------

# Words that are the same in every language the interface speaks.
ALLOWED = {"FR", "EN", "JSON-LD", "ClaimReview", "CSV", "URL", "UTF-8", "https"}
SPOKEN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-confirm", "label"}


class _Text(HTMLParser):
    """Collect the words a reader sees: text nodes and spoken attributes, markup aside."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        """Note attributes read out to people; skip scripts and styles."""
        if tag in ("script", "style"):
            self._skip += 1
        self.found += [value for name, value in attrs if name in SPOKEN_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        """Leave a script or style."""
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        """Note visible text."""
        if not self._skip:
            self.found.append(data)


def bare_words(source: str) -> list[str]:
    """Return English words a template shows outside {{ ... }} and {% ... %}."""
    env = Environment(extensions=[i18n])
    # Jinja's own syntax becomes a space, so only the template's literal text remains.
    pieces = [
        value if kind == "data" else " "
        for _, kind, value in env.lex(source)
        if kind == "data" or kind.endswith("_begin")
    ]
    parser = _Text()
    parser.feed("".join(pieces))
    words = []
    for text in parser.found:
        for word in re.findall(r"[A-Za-z][A-Za-z'-]*", text):
            if word not in ALLOWED:
                words.append(word)
    return words


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_templates_show_no_text_outside_gettext(template):
    assert bare_words(template.read_text(encoding="utf-8")) == []


def test_the_template_check_finds_bare_text():
    assert bare_words('<p class="x">Hello {{ name }}</p>') == ["Hello"]
    assert bare_words('<input placeholder="e.g. AFP" value="{{ v }}">') == ["e", "g", "AFP"]
    assert bare_words('<p title="{{ _(\'Score\') }}">{{ _("Score") }} · CSV</p>') == []
