"""Fetching a web page for import, closed to the server's own network.

A multi-user app that fetches URLs for its users is an SSRF hole unless each hop is vetted:
every address a host resolves to must be public (not loopback, private, link-local such as
169.254.169.254, multicast or reserved), and the connection goes to the vetted address
itself, so a second DNS answer cannot swap in another. Operators open chosen internal hosts
or networks with CLAIMS_FETCH_ALLOW.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import certifi
import charset_normalizer
import urllib3
from urllib3 import HTTPHeaderDict
from urllib3.exceptions import HTTPError, NewConnectionError, TimeoutError

from claims.errors import N_, ClaimsError, InvalidInput, TooLarge

USER_AGENT = (
    "ClaimTracker/1.0 (fact-checking claim tracker; fetches one page a reader asked to import)"
)
HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECTS = (301, 302, 303, 307, 308)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)

Resolver = Callable[[str, int], list[str]]
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class FetchError(ClaimsError):
    """The page could not be fetched: the site is unreachable, slow or answered an error."""

    status = 422
    code = "fetch_failed"


class FetchRefused(ClaimsError):
    """The URL points where this server does not fetch (its own network, another scheme)."""

    status = 403
    code = "fetch_refused"


class NotAWebPage(ClaimsError):
    """The URL answered something other than an HTML page."""

    status = 415
    code = "not_a_web_page"


@dataclass(frozen=True)
class FetchSettings:
    """How pages are fetched: what is open beyond the public internet, and the limits."""

    allow: tuple[str, ...] = ()
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    # The whole download, however slowly the server drips it.
    total_timeout: float = 30.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5

    @classmethod
    def from_config(cls, config: dict) -> FetchSettings:
        """Read CLAIMS_FETCH_ALLOW (comma-separated hosts or networks) and the limits."""
        allow = str(config.get("FETCH_ALLOW") or "")
        return cls(
            allow=tuple(part.strip().lower() for part in allow.split(",") if part.strip()),
            max_bytes=int(config.get("FETCH_MAX_BYTES") or cls.max_bytes),
        )

    def opens(self, host: str, address: _Address | None = None) -> bool:
        """Return True if the operator allowed this host, or a network holding this address."""
        for entry in self.allow:
            if entry == host.lower():
                return True
            network = _network(entry)
            if address is not None and network is not None and address in network:
                return True
        return False


@dataclass(frozen=True)
class Page:
    """A fetched HTML page: where it ended up after redirects, and its decoded text."""

    url: str
    html: str


def _network(entry: str) -> _Network | None:
    """Parse an allow-list entry as a network ("10.1.0.0/16", "127.0.0.1"), else None."""
    try:
        return ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return None


def system_resolver(host: str, port: int) -> list[str]:
    """Return every address the system resolver gives for a host."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(
            N_("The host %(host)s could not be found (%(reason)s)."), host=host, reason=str(exc)
        ) from None
    return list(dict.fromkeys(info[4][0] for info in found))


def _public(address: _Address) -> bool:
    """Return True for an address on the public internet."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_global and not address.is_multicast


def vetted_address(host: str, port: int, settings: FetchSettings, resolve: Resolver) -> str:
    """Return the address to connect to for a host, refusing any that is not public."""
    addresses = resolve(host, port)
    if not addresses:
        raise FetchError(N_("The host %(host)s could not be found."), host=host)
    if settings.opens(host):
        return addresses[0]
    for text in addresses:
        address = ipaddress.ip_address(text.split("%")[0])
        if not _public(address) and not settings.opens(host, address):
            raise FetchRefused(
                N_(
                    "%(host)s resolves to %(address)s, an address on a private, local or reserved "
                    "network, which this server does not fetch. An operator can allow it with "
                    "CLAIMS_FETCH_ALLOW."
                ),
                host=host,
                address=str(address),
            )
    return addresses[0]


def _target(url: str) -> tuple[str, str, int, str]:
    """Split a URL into scheme, host, port and the request path, refusing other schemes."""
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1" and the like, from a user or a redirect
        raise InvalidInput(N_("%(url)r is not a valid web address."), url=url[:200]) from None
    if parts.scheme not in ("http", "https"):
        raise FetchRefused(
            N_("Only http and https links can be imported, not %(url)r."), url=url[:200]
        )
    if not parts.hostname:
        raise InvalidInput(N_("%(url)r has no host name."), url=url[:200])
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidInput(N_("%(url)r has an invalid port."), url=url[:200]) from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


@dataclass(frozen=True)
class Kind:
    """What a fetch expects: its content types, how to name it, and how to ask for it."""

    types: tuple[str, ...]
    name: str
    accept: str


WEB_PAGE = Kind(HTML_TYPES, "a web page", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1")
FEED = Kind(
    (
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "text/plain",
    ),
    "a feed",
    "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.8,*/*;q=0.1",
)


@dataclass(frozen=True)
class Fetched:
    """A final answer: where it came from after redirects, its status, headers and body.

    A 304 (not modified, after a conditional request) has an empty body.
    """

    url: str
    status: int
    headers: HTTPHeaderDict
    body: bytes


def fetch(
    url: str,
    settings: FetchSettings,
    resolve: Resolver = system_resolver,
    kind: Kind = WEB_PAGE,
    headers: dict[str, str] | None = None,
) -> Fetched:
    """GET a URL, following at most `max_redirects` redirects, each hop vetted.

    `headers` are sent too (If-None-Match, If-Modified-Since for a conditional request).
    """
    deadline = time.monotonic() + settings.total_timeout
    for _ in range(settings.max_redirects + 1):
        with _get(url, settings, resolve, kind, headers or {}) as response:
            location = response.headers.get("Location")
            if response.status in REDIRECTS and location:
                url = urljoin(url, location)
                continue
            answered = HTTPHeaderDict(response.headers)  # names compared in any case
            if response.status == 304:
                return Fetched(url, 304, answered, b"")
            _check(url, response, settings, kind)
            return Fetched(url, response.status, answered, _read(url, response, settings, deadline))
    raise FetchError(
        N_("%(url)s redirects more than %(n)s times."), url=url[:200], n=settings.max_redirects
    )


def fetch_page(url: str, settings: FetchSettings, resolve: Resolver = system_resolver) -> Page:
    """Fetch an HTML page and decode it."""
    fetched = fetch(url, settings, resolve)
    return Page(
        fetched.url, decode_html(fetched.body, _charset(fetched.headers.get("Content-Type", "")))
    )


@contextmanager
def _get(
    url: str, settings: FetchSettings, resolve: Resolver, kind: Kind, extra: dict[str, str]
) -> Iterator[urllib3.BaseHTTPResponse]:
    """Send one GET to the vetted address of the URL's host, without following redirects."""
    scheme, host, port, path = _target(url)
    address = vetted_address(host, port, settings, resolve)
    default_port = port == (443 if scheme == "https" else 80)
    headers = {
        "Host": host if default_port else f"{host}:{port}",
        "User-Agent": USER_AGENT,
        "Accept": kind.accept,
        "Accept-Language": "fr,en;q=0.8,*;q=0.5",
    } | extra
    options: dict = {
        "timeout": urllib3.Timeout(connect=settings.connect_timeout, read=settings.read_timeout),
        "retries": False,
        "maxsize": 1,
    }
    if scheme == "https":
        # Connect to the address, but check the certificate against the host name.
        options |= {"server_hostname": host, "assert_hostname": host}
        options |= {"cert_reqs": "CERT_REQUIRED", "ca_certs": certifi.where()}
        pool = urllib3.HTTPSConnectionPool(address, port, **options)
    else:
        pool = urllib3.HTTPConnectionPool(address, port, **options)
    with pool:
        try:
            response = pool.urlopen(
                "GET", path, headers=headers, redirect=False, preload_content=False, retries=False
            )
        except NewConnectionError:
            raise FetchError(N_("%(host)s could not be reached."), host=host) from None
        except TimeoutError:
            raise FetchError(N_("%(host)s did not answer in time."), host=host) from None
        except HTTPError as exc:
            raise FetchError(
                N_("%(host)s could not be reached (%(reason)s)."),
                host=host,
                reason=type(exc).__name__,
            ) from None
        try:
            yield response
        finally:
            # Closed, not returned to the pool: a body left half-read must not be reused.
            response.close()
            response.release_conn()


def _check(
    url: str, response: urllib3.BaseHTTPResponse, settings: FetchSettings, kind: Kind
) -> None:
    """Refuse an error answer, another content type, or an announced size over the cap."""
    if response.status >= 400:
        raise FetchError(
            N_("%(url)s answered %(status)s"),
            url=url[:200],
            status=f"{response.status} {response.reason or ''}".strip(),
        )
    mime = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if mime and mime not in kind.types:
        raise NotAWebPage(
            N_("%(url)s is %(mime)s, not %(kind)s: it cannot be imported."),
            url=url[:200],
            mime=mime,
            kind=kind.name,
        )
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > settings.max_bytes:
        raise TooLarge(
            N_("%(url)s is larger than %(n)s bytes."), url=url[:200], n=f"{settings.max_bytes:,}"
        )


def _read(
    url: str, response: urllib3.BaseHTTPResponse, settings: FetchSettings, deadline: float
) -> bytes:
    """Read the body in chunks, stopping at the size cap or the overall deadline."""
    chunks, size = [], 0
    try:
        for chunk in response.stream(65_536):
            size += len(chunk)
            if size > settings.max_bytes:
                raise TooLarge(
                    N_("%(url)s is larger than %(n)s bytes."),
                    url=url[:200],
                    n=f"{settings.max_bytes:,}",
                )
            if time.monotonic() > deadline:
                raise FetchError(
                    N_("%(url)s took longer than %(s)s s."),
                    url=url[:200],
                    s=f"{settings.total_timeout:.0f}",
                )
            chunks.append(chunk)
    except (TimeoutError, HTTPError):
        raise FetchError(
            N_("%(url)s stopped answering while it was read."), url=url[:200]
        ) from None
    return b"".join(chunks)


def _charset(content_type: str) -> str | None:
    """Return the charset an HTTP Content-Type names, if any."""
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def decode_html(data: bytes, declared: str | None = None) -> str:
    """Decode a page: the HTTP charset, else its meta charset, else UTF-8, else a sniffed one."""
    candidates = [declared]
    match = _META_CHARSET.search(data[:4096])
    if match:
        candidates.append(match.group(1).decode("ascii", "replace"))
    for name in candidates:
        if name:
            try:
                return data.decode(name)
            except (LookupError, UnicodeDecodeError):
                continue
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    # Unlabelled pages that are not UTF-8 are, per the HTML standard, windows-1252.
    return str(best) if best is not None else data.decode("windows-1252", "replace")
