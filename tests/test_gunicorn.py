"""Several processes: gunicorn with two workers, each loading the model after the fork and
reloading its index when another worker's import moves IndexState on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest

from claims.serving import gunicorn
from tests.conftest import ROOT

STORIES = [
    ("Volcano", "The Etna volcano erupted on Sunday and covered Catania airport with ash."),
    ("Tram", "Montpellier opened its fifth tram line on Monday after three years of works."),
    ("Whales", "Scientists counted 214 humpback whales off the coast of Iceland in June."),
    ("Wheat", "Egypt bought 300,000 tonnes of wheat from Romania at a public tender."),
    ("Bridge", "The new Danube bridge at Braila cost 435 million euros to build."),
    ("Chess", "A 12-year-old from Chennai won the national chess championship on Friday."),
]


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
    log = tmp_path / "gunicorn.log"
    try:
        with gunicorn(env, workers=2, log=log) as (base, _):
            yield base, token
    finally:
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
