"""Many hands at once, against a served app: storms of identical imports, several instances."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from claims.serving import gunicorn
from tests.conftest import ROOT, postgres_database, require_postgres

pytestmark = pytest.mark.model

BASE = [
    "The regional council voted on Tuesday to spend 48 million euros on rural bus lines.",
    "According to the transport office, 112 villages have no bus service at all this year.",
    "Ticket prices for students will fall by 30 % from September, the council said.",
]
CLIENTS = 50
ROUNDS = 10


def run(env: dict[str, str], *args: str) -> str:
    """Run a `flask claims` command and return its output."""
    command = [sys.executable, "-m", "flask", "--app", "app", "claims", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def call(url: str, token: str, payload: dict | None = None) -> tuple[int, dict]:
    """GET, or POST a JSON payload, with the bearer token; return the status and the JSON."""
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {"error": error.read().decode(errors="replace")[:500]}


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """Yield a fresh database URL: a SQLite file, or a throwaway PostgreSQL database."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'claims.db'}"
        return
    require_postgres()
    with postgres_database() as url:
        yield url


def environment(url: str, instance: Path) -> dict[str, str]:
    """The environment of one app instance: shared database, its own index folder and queue."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "CLAIMS_INDEX_PATH": str(instance / "index"),
        "CLAIMS_QUEUE_URL": f"sqlite:///{instance / 'queue.db'}",
        "SECRET_KEY": "concurrency-test",
        "HF_HUB_OFFLINE": "1",
        "CLAIMS_NEW_PASSWORD": "a long enough password",
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request, tmp_path):
    """A two-worker gunicorn on a fresh database holding one base article; yields url, token."""
    with database(request.param, tmp_path) as url:
        env = environment(url, tmp_path / "one")
        run(env, "init-db")
        run(env, "users", "create", "chief", "--role", "admin")
        token = run(env, "tokens", "create", "chief").strip().splitlines()[-1]
        log = tmp_path / "gunicorn.log"
        try:
            with gunicorn(env, workers=2, log=log) as (base, _):
                status, _ = call(
                    f"{base}/api/articles",
                    token,
                    {"title": "Buses", "source": "Base Gazette", "body": " ".join(BASE)},
                )
                assert status == 201
                # Processes started from now on open this instead of replaying the log.
                run(env, "upkeep", "--snapshot")
                yield base, token, url
        finally:
            print(log.read_text()[-20_000:])  # pytest shows it when a test fails


def storm(base: str, token: str, payload: dict) -> Counter[int]:
    """POST the same article from CLIENTS threads at once; count the answers' statuses."""
    with ThreadPoolExecutor(CLIENTS) as pool:
        calls = [pool.submit(call, f"{base}/api/articles", token, payload) for _ in range(CLIENTS)]
        answers = [future.result() for future in calls]
    return Counter(status for status, _ in answers)


def twins_linked(base: str, token: str, article_id: int) -> bool:
    """Tell whether each base sentence the article repeats is linked to the base article's."""
    _, article = call(f"{base}/api/articles/{article_id}", token)
    repeated = [claim for claim in article["claims"] if claim["text"] in BASE]
    for claim in repeated:
        _, links = call(f"{base}/api/claims/{claim['id']}/links", token)
        twins = [link for link in links["links"] if link["claim"]["text"] == claim["text"]]
        if not any(link["article"]["title"] == "Buses" for link in twins):
            return False
    return len(repeated) == len(BASE)


def test_identical_imports_at_once_store_one_article_with_all_its_links(served):
    base, token, _ = served
    for number in range(ROUNDS):
        body = f"Round {number}: the desk checked these figures again today. " + " ".join(BASE)
        payload = {"title": f"Buses, round {number}", "source": "Echo Daily", "body": body}
        statuses = storm(base, token, payload)
        assert statuses == Counter({201: 1, 200: CLIENTS - 1}), (number, statuses)
        _, listing = call(f"{base}/api/articles?per_page=200", token)
        stored = [a for a in listing["articles"] if a["title"] == payload["title"]]
        assert len(stored) == 1
        assert twins_linked(base, token, stored[0]["id"]), number


def test_a_second_instance_finds_what_the_first_imported_without_a_rebuild(served, tmp_path):
    """Two app instances, each with its own index folder, follow one database's change log."""
    base, token, url = served
    env = environment(url, tmp_path / "two")
    run(env, "upkeep", "--snapshot")  # the second machine starts from a snapshot of its own
    log = tmp_path / "second.log"
    with gunicorn(env, workers=1, log=log) as (other, _):
        sentence = "The harbour authority counted 7,400 container ships in Le Havre last year."
        article = {"title": "Port", "source": "Quay", "body": sentence}
        status, _ = call(f"{base}/api/articles", token, article)
        assert status == 201
        deadline = time.monotonic() + 2.0
        while True:
            _, found = call(f"{other}/api/search?q={urllib.parse.quote(sentence)}&k=1", token)
            if found["results"] and found["results"][0]["claim"]["text"] == sentence:
                break
            assert time.monotonic() < deadline, "the second instance did not catch up within 2 s"
            time.sleep(0.1)
    assert "replaying the log" not in log.read_text()


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start a `claims worker` process writing to a log file (a full pipe would stall it)."""
    command = [sys.executable, "-m", "flask", "--app", "app", "claims", "worker"]
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)


def wait_for_job(base: str, token: str, job_id: int) -> dict:
    """Follow a queued import until it finishes; return the job."""
    deadline = time.monotonic() + 300
    while True:
        _, answer = call(f"{base}/api/jobs/{job_id}", token)
        if answer["job"]["status"] in ("done", "failed"):
            return answer["job"]
        assert time.monotonic() < deadline, answer
        time.sleep(0.2)


def linked_to(base: str, token: str, title: str, sentence: str) -> set[str]:
    """Return the titles of the articles whose claims the given article's sentence links to."""
    _, listing = call(f"{base}/api/articles?per_page=200", token)
    (article,) = [a for a in listing["articles"] if a["title"] == title]
    _, stored = call(f"{base}/api/articles/{article['id']}", token)
    (claim,) = [c for c in stored["claims"] if c["text"] == sentence]
    _, links = call(f"{base}/api/claims/{claim['id']}/links", token)
    return {link["article"]["title"] for link in links["links"]}


def test_a_web_process_and_two_workers_each_see_what_the_others_imported(served, tmp_path):
    """Each article repeats a sentence another process imported just before: linking it proves
    the importing process had caught up with the other's change, without replaying the log."""
    base, token, url = served
    env = environment(url, tmp_path / "one")
    logs = [tmp_path / f"worker-{n}.log" for n in (1, 2)]
    workers = [start_worker(env, log) for log in logs]
    try:
        for number in range(6):
            shared = f"Inspectors found {number + 3} unsafe bridges on the A{number + 7} motorway."
            web_title, job_title = f"Web {number}", f"Queued {number}"
            body = f"{shared} The ministry published the list on Friday morning."
            status, _ = call(
                f"{base}/api/articles", token, {"title": web_title, "source": "W", "body": body}
            )
            assert status == 201
            # A worker imports the same sentence: it must find the web process's claim.
            article = {"title": job_title, "source": "Q", "body": f"{shared} Repairs start soon."}
            status, queued = call(f"{base}/api/imports", token, {"articles": [article]})
            assert status == 202
            assert wait_for_job(base, token, queued["job"]["id"])["created"] == 1
            assert web_title in linked_to(base, token, job_title, shared), number
            # And the web process finds the worker's claim at once.
            _, found = call(f"{base}/api/search?q={urllib.parse.quote(shared)}&k=5", token)
            assert {r["article"]["title"] for r in found["results"]} >= {web_title, job_title}
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=60)
    texts = [log.read_text() for log in logs]
    assert sum("claims.import" in text for text in texts) >= 1
    assert not any("replaying the log" in text for text in texts), texts
