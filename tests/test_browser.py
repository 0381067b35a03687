"""End to end in Debian's Chromium: import an article, review a claim, download the CSV.

Runs the real packaged model on a live server (werkzeug in a thread). Set
CLAIMS_REQUIRE_BROWSER=1 to fail instead of skipping when Chromium is missing, and
CLAIMS_SCREENSHOT=1 to rewrite docs/screenshot.png from the reviewed claim page.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import PASSWORDS, ROOT, make_app
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

pytestmark = [pytest.mark.browser, pytest.mark.model]

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
VIEWPORT = {"width": 1280, "height": 900}
SCREENSHOT = ROOT / "docs" / "screenshot.png"

SOURCE = "Test Gazette"
MISSILE = (
    "South Korea's military said North Korea fired a ballistic missile "
    "into the East Sea on Wednesday."
)
SATELLITES = "Vladimir Putin said Russia could help North Korea build satellites."
BODY = "\n\n".join(
    [
        MISSILE,
        "The launch came while Kim Jong-un was visiting Russia, according to Seoul's "
        "Joint Chiefs of Staff.",
        SATELLITES,
        "Kim Jong-un told Putin that Russia would win a great victory over its enemies.",
        "The town of Carrow will open a new public library branch next spring.",
    ]
)
# Distinctive, with non-ASCII text so the CSV encoding is exercised too.
EXPLANATION = "Browser-test verdict 7f3c: vérifié — the missile claim matches the JCS report."
EVIDENCE = "https://example.org/jcs-statement-2023-09-13"
REVIEWER = "reviewer"


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, or a skip (a failure when CLAIMS_REQUIRE_BROWSER=1)."""
    if not CHROMIUM.exists():
        if os.environ.get("CLAIMS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CLAIMS_REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
        pytest.skip("Debian's chromium is not installed: apt-get install chromium")
    return CHROMIUM


@pytest.fixture
def live_server(tmp_path, real_embedder) -> Iterator[str]:
    """The real-model app, CSRF on as in production, seeds imported, on a free port."""
    model_app = make_app(tmp_path, real_embedder, WTF_CSRF_ENABLED=True)
    result = model_app.test_cli_runner().invoke(args=["claims", "import", str(ROOT / "seeds")])
    assert result.exit_code == 0, result.output
    with serving(model_app) as base:
        yield base


@contextmanager
def serving(app) -> Iterator[str]:
    """Serve an app with werkzeug in a thread on a free port; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def browser(chromium: Path) -> Iterator[Browser]:
    """A headless Chromium driven by Playwright."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page at 1280x900 that accepts downloads."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(30_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page: Page, base: str, username: str) -> None:
    """Sign in through the form, as a newsroom reviewer would."""
    page.goto(f"{base}/claims")
    page.wait_for_url(re.compile(r"/login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("p.flash")).to_contain_text(f"Signed in as {username}")


def import_article(page: Page, base: str) -> None:
    """Fill and submit the import form, landing on the new article's page."""
    page.goto(f"{base}/articles/new")
    page.fill("input[name=title]", "Seoul reports missile launch during Kim's Russia visit")
    page.fill("input[name=source]", SOURCE)
    page.fill("input[name=url]", "https://test-gazette.example/2023/09/13/missile")
    page.fill("input[name=published_at]", "2023-09-13")
    page.fill("input[name=language]", "en")
    page.fill("textarea[name=body]", BODY)
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r"/articles/\d+$"))
    expect(page.locator("p.flash")).to_contain_text("Imported 1 new article;")


def open_claim(page: Page, text: str) -> int:
    """Click the highlighted claim with this text; return the claim's id."""
    highlight = page.locator("a.claim-hl", has_text=text)
    expect(highlight).to_have_count(1)
    highlight.click()
    page.wait_for_url(re.compile(r"/claims/\d+$"))
    expect(page.locator("h1.claim-text")).to_have_text(text)
    return int(page.url.rsplit("/", 1)[1])


def near_duplicate_sources(page: Page) -> list[tuple[str, str]]:
    """Return (claim text, source name) for each near-duplicate listed in #similar."""
    items = page.locator("#similar .similar")
    found = []
    for i in range(items.count()):
        item = items.nth(i)
        text = item.locator("p").first.locator("a").inner_text().strip()
        source = item.locator("p.meta").inner_text().split("·")[0].strip()
        found.append((text, source))
    return found


def record_verdict(page: Page) -> None:
    """Fill and submit the verdict form; the page reloads with the flash and the history."""
    form = page.locator("#verdict form")
    form.locator("select[name=rating]").select_option("false")
    form.locator("textarea[name=explanation]").fill(EXPLANATION)
    form.locator("textarea[name=evidence_urls]").fill(EVIDENCE)
    form.get_by_role("button", name="Save verdict", exact=True).click()
    expect(page.locator("p.flash")).to_have_text("Verdict recorded.")


def download_csv(page: Page, base: str, tmp_path: Path) -> bytes:
    """Click Download CSV on /export and return the file's bytes."""
    page.goto(f"{base}/export")
    with page.expect_download() as info:
        page.locator("#download-csv").click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == "verdicts.csv"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    return target.read_bytes()


def test_import_review_export(page: Page, live_server: str, tmp_path: Path) -> None:
    """A reviewer imports an article, checks a restated claim, and finds it in the report."""
    sign_in(page, live_server, REVIEWER)
    import_article(page, live_server)
    expect(page.locator("a.claim-hl", has_text=SATELLITES)).to_have_count(1)
    claim_id = open_claim(page, MISSILE)
    claim_url = page.url

    # The seeds' wire story says the same thing; it must be suggested from its own source.
    expect(page.locator("#similar .similar").first).to_be_visible()
    duplicates = near_duplicate_sources(page)
    others = [(text, source) for text, source in duplicates if source != SOURCE]
    assert others, f"no near-duplicate from another source: {duplicates}"
    assert any("missile" in text.lower() for text, _ in others), others

    expect(page.locator("#history")).to_contain_text("No verdict yet.")
    record_verdict(page)
    assert page.url == claim_url
    history = page.locator("#history .verdict-entry").first
    expect(history).to_contain_text(EXPLANATION)
    expect(history).to_contain_text(REVIEWER)
    expect(history.locator(".badge.verdict")).to_have_text("False")
    expect(history.locator(f'a[href="{EVIDENCE}"]')).to_have_count(1)

    data = download_csv(page, live_server, tmp_path)
    assert data.startswith(b"\xef\xbb\xbf"), data[:20]
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    row = next((r for r in rows if r["claim_id"] == str(claim_id)), None)
    assert row is not None, f"claim {claim_id} missing from the CSV: {rows}"
    assert row["claim"] == MISSILE
    assert row["source"] == SOURCE
    assert row["explanation"] == EXPLANATION
    assert row["rating"] == "False"
    assert row["rating_value"] == "1"
    assert row["evidence_urls"] == EVIDENCE
    assert row["reviewer"] == REVIEWER
    assert row["published_at"] == "2023-09-13"
    assert int(row["near_duplicates"]) >= 1

    if os.environ.get("CLAIMS_SCREENSHOT") == "1":
        save_screenshot(page, claim_url)


def save_screenshot(page: Page, claim_url: str) -> None:
    """Write a full-page screenshot of the reviewed claim page to docs/screenshot.png."""
    page.goto(claim_url)
    expect(page.locator("#history .verdict-entry")).to_have_count(1)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)


@pytest.fixture
def queued_server(tmp_path, real_embedder) -> Iterator[str]:
    """A live server whose batch imports go to a real queue, run by a real worker process."""
    queue_url = f"sqlite:///{tmp_path / 'queue.db'}"
    queued_app = make_app(tmp_path, real_embedder, WTF_CSRF_ENABLED=True, QUEUE_URL=queue_url)
    env = {
        **os.environ,
        "DATABASE_URL": queued_app.config["DATABASE_URL"],
        "CLAIMS_INDEX_PATH": queued_app.config["CLAIMS_INDEX_PATH"],
        "CLAIMS_QUEUE_URL": queue_url,
        "HF_HUB_OFFLINE": "1",
    }
    command = [sys.executable, "-m", "flask", "--app", "app", "claims", "worker"]
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        with serving(queued_app) as base:
            yield base
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def test_an_upload_runs_as_a_job_whose_page_follows_it_to_the_end(
    page: Page, queued_server: str, tmp_path: Path
) -> None:
    files = []
    for n, sentence in enumerate((MISSILE, SATELLITES)):
        path = tmp_path / f"story-{n}.md"
        path.write_text(f"---\ntitle: Story {n}\nsource: Wire\n---\n\n{sentence}\n")
        files.append(path)
    sign_in(page, queued_server, REVIEWER)
    page.goto(f"{queued_server}/articles/new")
    page.set_input_files("input[name=files]", [str(f) for f in files])
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    expect(page.locator("p.flash")).to_contain_text("Queued 2 articles as job")
    # The page refreshes itself until the worker has finished.
    expect(page.locator(".badge.status-done")).to_be_visible(timeout=180_000)
    expect(page.locator(".job-count")).to_have_text("2 of 2")
    expect(page.locator("progress")).to_have_attribute("value", "2")
    expect(page.locator("dl.counts")).to_contain_text(re.compile(r"New articles\s*2"))
    page.get_by_role("link", name="All jobs").click()
    expect(page.locator("table.jobs tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Articles", exact=True).first.click()
    expect(page.get_by_role("link", name="Story 0")).to_be_visible()
