"""An article's canonical address: the same page however it was shared."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url


def canonical_url(url: str) -> str:
    """Return a URL without tracking parameters (utm_*, fbclid, gclid…) or fragment."""
    try:
        cleaned = normalize_url(url, strict=False)
    except ValueError:
        cleaned = url
    parts = urlsplit(cleaned)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
