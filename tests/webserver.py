"""A local web server for the import tests: the team's pages, feeds and misbehaving sites.

Serves tests/data/web on 127.0.0.1, substituting {PORT} in every file, plus routes that
misbehave the way real sites do: redirect chains, redirects into private networks, a slow
answer, a 50 MB body, a PDF, a 404, a page in windows-1252 with no charset anywhere.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import urllib3.util.connection

WEB = Path(__file__).resolve().parent / "data" / "web"
HUGE = 50 * 1024 * 1024
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml",
    ".json": "application/json",
}


@dataclass
class Site:
    """The running server: its base URL, and what it was asked."""

    port: int
    # (path, User-Agent) of every request.
    requests: list[tuple[str, str]] = field(default_factory=list)
    # Served instead of the file of the same name: lets a test change a feed between polls.
    overrides: dict[str, bytes] = field(default_factory=dict)

    def url(self, path: str) -> str:
        """Return the absolute URL of a path on this server."""
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    """Build the request handler class bound to one site."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args) -> None:  # quiet test output
            pass

        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            site.requests.append((self.path, self.headers.get("User-Agent", "")))
            path = urlsplit(self.path).path
            route = re.match(r"^/(\w[\w-]*)", path)
            special = (
                getattr(self, f"route_{route.group(1).replace('-', '_')}", None) if route else None
            )
            if special is not None:
                special(path)
            else:
                self.serve_file(path.lstrip("/"))

        def send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            # The client may give up first (a timeout test), as browsers do.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def serve_file(self, name: str) -> None:
            file = (WEB / name).resolve()
            if name in site.overrides:
                data = site.overrides[name]
            elif file.is_file() and WEB in file.parents:
                data = file.read_bytes()
            else:
                self.send(404, b"<h1>Not found</h1>", "text/html; charset=utf-8")
                return
            data = data.replace(b"{PORT}", str(site.port).encode())
            etag = f'"{hash(data) & 0xFFFFFFFF:x}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send(200, data, TYPES.get(file.suffix, "text/html"), ETag=etag)

        def route_redirect(self, path: str) -> None:
            """/redirect/N/<target>: N more hops, then /<target>."""
            _, _, hops, target = path.split("/", 3)
            left = int(hops)
            location = f"/redirect/{left - 1}/{target}" if left > 1 else f"/{target}"
            self.send(302, b"", "text/html", Location=location)

        def route_away(self, path: str) -> None:
            """/away/<host>: a redirect to http://<host>/ (a private or local address)."""
            host = path.split("/", 2)[2]
            self.send(302, b"", "text/html", Location=f"http://{host}/latest/meta-data/")

        def route_slow(self, path: str) -> None:
            """Answers after 3 s."""
            time.sleep(3)
            self.send(200, b"<html><body><p>Late.</p></body></html>", "text/html")

        def route_huge(self, path: str) -> None:
            """A 50 MB page, announced in Content-Length."""
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(HUGE))
            self.end_headers()
            chunk = b"<p>" + b"x" * 65_000 + b"</p>"
            try:
                for _ in range(HUGE // len(chunk)):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def route_endless(self, path: str) -> None:
            """A page of unknown length that never stops (no Content-Length)."""
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"<p>" + b"y" * 65_000 + b"</p>")
            except (BrokenPipeError, ConnectionResetError):
                pass

        def route_pdf(self, path: str) -> None:
            self.send(
                200, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "application/pdf"
            )

        def route_cp1252(self, path: str) -> None:
            """The windows-1252 page, with a Content-Type that names no charset."""
            self.send(200, (WEB / "article_cp1252.html").read_bytes(), "text/html")

    return Handler


def start() -> tuple[Site, ThreadingHTTPServer]:
    """Start the server on a free port, in a daemon thread."""
    site = Site(port=0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return site, server


def serve() -> Iterator[Site]:
    """Run the site for a test module (a fixture body: `yield from serve()`)."""
    served, server = start()
    yield served
    server.shutdown()
    server.server_close()


def only_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any connection beyond 127.0.0.0/8 fail the test (an autouse fixture's body)."""
    connect = urllib3.util.connection.create_connection

    def guarded(address, *args, **kwargs):
        host = address[0]
        if not ipaddress.ip_address(host).is_loopback:
            pytest.fail(f"a connection to {host} was attempted")
        return connect(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", guarded)
