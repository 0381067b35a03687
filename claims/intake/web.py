"""An article from a web page: its main text and metadata (trafilatura), its canonical URL."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml import html as lxml_html

from claims.errors import N_, InvalidInput
from claims.intake.fetch import FetchSettings, Page, fetch_page
from claims.intake.urls import canonical_url
from claims.schemas import ArticleIn, ArticleLink, parse

_CANONICAL = "//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href"
_LANG = re.compile(r"^[a-z]{2}")


@dataclass(frozen=True)
class WebArticle:
    """What a page says about its article."""

    url: str
    title: str | None
    author: str | None
    site_name: str | None
    published_at: str | None
    language: str | None
    body: str


def _declared_canonical(tree: lxml_html.HtmlElement, base: str) -> str | None:
    """Return the page's <link rel="canonical">, made absolute, if it is an http(s) URL."""
    for href in tree.xpath(_CANONICAL):
        absolute = urljoin(base, str(href).strip())
        if urlsplit(absolute).scheme in ("http", "https"):
            return absolute
    return None


def _page_language(tree: lxml_html.HtmlElement) -> str | None:
    """Return the two-letter code of <html lang>, if any."""
    declared = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    match = _LANG.match(declared.strip().lower())
    return match.group() if match else None


def extract(page: Page) -> WebArticle:
    """Extract a page's main text (no menus, banners, related links or comments) and metadata."""
    try:
        tree = lxml_html.document_fromstring(page.html)
    except (ValueError, lxml_html.etree.ParserError):
        raise InvalidInput(N_("%(url)s is not a readable HTML page."), url=page.url[:200]) from None
    found = trafilatura.bare_extraction(
        page.html,
        url=page.url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
    )
    text = (found.text if found is not None else "") or ""
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    if not paragraphs:
        raise InvalidInput(N_("No article text was found on %(url)s."), url=page.url[:200])
    canonical = _declared_canonical(tree, page.url) or page.url
    return WebArticle(
        url=canonical_url(canonical),
        title=found.title or None,
        author=found.author or None,
        site_name=found.sitename or urlsplit(page.url).hostname,
        published_at=found.date or None,
        language=_page_language(tree),
        body="\n\n".join(paragraphs),
    )


def is_link_only(record: object) -> bool:
    """Return True for a record that names a URL and brings no body to import."""
    if not isinstance(record, dict):
        return False
    body = record.get("body")
    return bool(record.get("url")) and not (isinstance(body, str) and body.strip())


def article_from_link(
    link: ArticleLink,
    settings: FetchSettings,
    fetch: Callable[[str, FetchSettings], Page] = fetch_page,
) -> ArticleIn:
    """Fetch the page a link names; the fields the link gives win over the page's."""
    article = extract(fetch(link.url, settings))
    found = {
        "title": article.title,
        "source": article.site_name,
        "body": article.body,
        "published_at": article.published_at,
        "language": article.language,
        "author": article.author,
    }
    given = link.model_dump(exclude_none=True, exclude={"url"})
    merged = {k: v for k, v in found.items() if v} | given
    # Duplicates are found on the canonical address, not on the tracking link that was shared.
    merged["url"] = article.url
    if not merged.get("title"):
        raise InvalidInput(N_("%(url)s has no title; give one with the link."), url=link.url[:200])
    return parse(ArticleIn, merged)
