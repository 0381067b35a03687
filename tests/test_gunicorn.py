"""Several processes: gunicorn with two workers, each loading the model after the fork and
reloading its index when another worker's import moves IndexState on."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.conftest import ROOT

STORIES = [
    ("Volcano", "The Etna volcano erupted on Sunday and covered Catania airport with ash."),
    ("Tram", "Montpellier opened its fifth tram line on Monday after three years of works."),
    ("Whales", "Scientists counted 214 humpback whales off the coast of Iceland in June."),
    ("Wheat", "Egypt bought 300,000 tonnes of wheat from Romania at a public tender."),
    ("Bridge", "The new Danube bridge at Braila cost 435 million euros to build."),
    ("Chess", "A 12-year-old from Chennai won the national chess championship on Friday."),
]


def _free_port() -> int:
    """Return a TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(env: dict[str, str], *args: str) -> str:
    """Run a `flask claims` command and return its output."""
    command = [sys.executable, "-m", "flask", "--app", "app", "claims", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def _call(url: str, token: str, payload: dict | None = None) -> dict:
    """GET, or POST a JSON payload, with the bearer token; return the JSON answer."""
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def _wait_until_up(base: str, server: subprocess.Popen) -> None:
    """Poll the login page until the server answers."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited"
        try:
            urllib.request.urlopen(f"{base}/login", timeout=5).close()
            return
        except OSError:  # refused, reset or timed out while it starts
            time.sleep(0.3)
    raise AssertionError("gunicorn did not start")


@pytest.fixture
def served(tmp_path):
    """A two-worker gunicorn on a fresh database, with an admin API token."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "CLAIMS_INDEX_PATH": str(tmp_path / "served.faiss"),
        "SECRET_KEY": "gunicorn-test",
        "HF_HUB_OFFLINE": "1",
        "CLAIMS_NEW_PASSWORD": "a long enough password",
    }
    _run(env, "init-db")
    _run(env, "users", "create", "chief", "--role", "admin")
    token = _run(env, "tokens", "create", "chief").strip().splitlines()[-1]
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "app:app"]
    log = tmp_path / "gunicorn.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as log_file:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=log_file)
        try:
            _wait_until_up(base, server)
            yield base, token
        finally:
            server.terminate()
            server.wait(timeout=60)
    print(log.read_text()[-20_000:])  # pytest shows it when a test fails


@pytest.mark.model
def test_every_worker_finds_what_any_worker_imported(served):
    base, token = served
    imported = {}
    for title, sentence in STORIES:
        answer = _call(
            f"{base}/api/articles", token, {"title": title, "source": title, "body": sentence}
        )
        imported[sentence] = answer["claims"][0]["id"]
    # Twelve rounds of searches spread over both workers: each must see every import.
    for _ in range(12):
        for sentence, claim_id in imported.items():
            query = urllib.parse.quote(sentence)
            results = _call(f"{base}/api/search?q={query}&k=1", token)["results"]
            assert results[0]["claim"]["id"] == claim_id
