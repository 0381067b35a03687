"""The review desk in Chromium: a French reviewer works a claim with the keyboard alone, and
the interface switches to English.

Reuses test_browser's Chromium fixtures and live server; skipped the same way when Chromium
is missing (failed when CLAIMS_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from conftest import PASSWORDS, ROOT, make_app
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, select
from test_browser import VIEWPORT, browser, chromium, serving  # noqa: F401

from claims.models import Claim, ClaimLink, ClaimStatus, LinkState, Verdict

pytestmark = [pytest.mark.browser, pytest.mark.model]

EXPLANATION = "Vérifié au clavier : les chiffres du ministère ne disent pas cela."


@pytest.fixture
def french_desk(tmp_path, real_embedder) -> Iterator[tuple[str, object]]:
    """The real-model app in French (its default), CSRF on, seeds imported; (URL, app)."""
    app = make_app(tmp_path, real_embedder, WTF_CSRF_ENABLED=True, CLAIMS_LOCALE="fr")
    result = app.test_cli_runner().invoke(args=["claims", "import", str(ROOT / "seeds")])
    assert result.exit_code == 0, result.output
    with serving(app) as base:
        yield base, app


def open_page(chrome: Browser, locale: str) -> Page:
    """A fresh context whose browser asks for this language (Accept-Language)."""
    context = chrome.new_context(viewport=VIEWPORT, locale=locale)
    context.set_default_timeout(30_000)
    return context.new_page()


def sign_in_by_keyboard(page: Page, base: str, username: str) -> None:
    """Sign in typing only: the name, Tab, the password, Enter."""
    page.goto(f"{base}/claims")
    page.wait_for_url(re.compile(r"/login"))
    page.locator("input[name=username]").focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORDS[username])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/claims"))


def linked_french_claim(app) -> Claim:
    """A French seed claim with a suggested near-duplicate in French (the pools articles)."""
    with Session(app.extensions["claims"].engine) as session:
        for link in session.exec(select(ClaimLink).where(ClaimLink.state == LinkState.SUGGESTED)):
            claim, other = session.get(Claim, link.claim_a_id), session.get(Claim, link.claim_b_id)
            if claim.language == other.language == "fr":
                return claim
    raise AssertionError("the seeds give no French claim a French near-duplicate")


def test_a_claim_is_worked_from_the_queue_to_a_verdict_with_the_keyboard_alone(
    browser: Browser,  # noqa: F811
    french_desk,
) -> None:
    base, app = french_desk
    claim = linked_french_claim(app)
    page = open_page(browser, "fr-FR")
    sign_in_by_keyboard(page, base, "reviewer")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_text("File de relecture")

    # The queue, narrowed to this claim's words: j focuses the row, Enter opens it.
    page.goto(f"{base}/claims?status=all&text={quote(claim.text[:60])}")
    page.keyboard.press("?")
    expect(page.locator("dialog#shortcuts")).to_be_visible()
    expect(page.locator("dialog#shortcuts")).to_contain_text("Raccourcis clavier")
    page.keyboard.press("Escape")
    expect(page.locator("dialog#shortcuts")).to_be_hidden()
    page.keyboard.press("j")
    expect(page.locator("tr[data-row].focused")).to_have_count(1)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/claims/{claim.id}")
    expect(page.locator("h1.claim-text")).to_have_text(claim.text)

    # j focuses the first near-duplicate, c confirms it.
    page.keyboard.press("j")
    expect(page.locator("#similar [data-row].focused")).to_have_count(1)
    page.keyboard.press("c")
    expect(page.locator("p.flash")).to_have_text("Lien confirmé.")

    # s starts the review.
    page.keyboard.press("s")
    expect(page.locator("p.flash")).to_contain_text("en relecture")

    # v goes to the verdict form: the rating by its first letters, Tab, the explanation,
    # then Ctrl+Shift+Enter saves and goes to the next claim (none: back to the queue).
    page.keyboard.press("v")
    expect(page.locator("select[name=rating]")).to_be_focused()
    page.keyboard.type("Faux")
    expect(page.locator("select[name=rating]")).to_have_value("false")
    page.keyboard.press("Tab")
    expect(page.locator("textarea[name=explanation]")).to_be_focused()
    page.keyboard.type(EXPLANATION)
    page.keyboard.press("Control+Shift+Enter")
    page.wait_for_url(re.compile(r"/claims\?"))
    flashes = page.locator("p.flash")
    expect(flashes.first).to_have_text("Verdict enregistré.")
    expect(flashes.last).to_have_text("C'était la dernière affirmation de cette file.")

    with Session(app.extensions["claims"].engine) as session:
        stored = session.get(Claim, claim.id)
        verdict = session.exec(select(Verdict).where(Verdict.claim_id == claim.id)).one()
        link = session.exec(
            select(ClaimLink).where(
                (ClaimLink.claim_a_id == claim.id) | (ClaimLink.claim_b_id == claim.id),
                ClaimLink.state == LinkState.CONFIRMED,
            )
        ).first()
    assert stored.status == ClaimStatus.PUBLISHED
    assert (verdict.rating, verdict.explanation, verdict.reviewer) == (
        "false",
        EXPLANATION,
        "reviewer",
    )
    assert link is not None and link.decided_by == "reviewer"
    page.context.close()


def test_the_interface_switches_to_english_and_remembers_it(
    browser: Browser,  # noqa: F811
    french_desk,
) -> None:
    base, _app = french_desk
    page = open_page(browser, "fr-FR")
    sign_in_by_keyboard(page, base, "viewer")
    expect(page.locator("nav a").first).to_have_text("File de relecture")
    page.locator("form.language button[name=locale][value=en]").click()
    page.wait_for_url(re.compile(r"/claims"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Review queue")
    expect(page.locator("nav a").first).to_have_text("Review queue")
    # A viewer is offered nothing it may not do.
    expect(page.locator("form#bulk")).to_have_count(0)
    expect(page.locator("input[name=claim_ids]")).to_have_count(0)
    page.context.close()

    # The choice is the account's: a new browser asking for French still gets English.
    again = open_page(browser, "fr-FR")
    sign_in_by_keyboard(again, base, "viewer")
    expect(again.locator("html")).to_have_attribute("lang", "en")
    expect(again.locator("h1")).to_have_text("Review queue")
    again.context.close()
