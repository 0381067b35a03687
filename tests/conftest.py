"""Shared fixtures: a fresh app and migrated database per test, the real model once per session."""

from __future__ import annotations

import gc
import hashlib
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from sqlmodel import Session

from claims import create_app
from claims.config import PACKAGED_MODEL
from claims.db import engine_url
from claims.migrate import upgrade
from claims.models import Role
from claims.search.embedder import Embedder
from claims.services.calibration import NEVER
from claims.services.users import create_user, find_user

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


class HashingEmbedder(Embedder):
    """A fast stand-in for unit tests: bag-of-words vectors hashed into 64 dimensions."""

    def __init__(self) -> None:
        super().__init__("test-hashing-embedder")

    @property
    def dimension(self) -> int:
        """Return the fixed dimension."""
        return 64

    def encode(self, texts: list[str]) -> np.ndarray:
        """Hash each lower-cased word into a bucket, then L2-normalise."""
        vectors = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % 64
                vectors[row, bucket] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


@pytest.fixture(scope="session", autouse=True)
def onnx_cache(tmp_path_factory) -> Iterator[None]:
    """Keep the query model's ONNX export (apps and subprocesses share it) out of ~/.cache."""
    before = os.environ.get("CLAIMS_ONNX_DIR")
    os.environ["CLAIMS_ONNX_DIR"] = str(tmp_path_factory.mktemp("onnx-cache"))
    yield
    if before is None:
        del os.environ["CLAIMS_ONNX_DIR"]
    else:
        os.environ["CLAIMS_ONNX_DIR"] = before


@pytest.fixture(scope="session")
def real_embedder() -> Embedder:
    """The packaged all-MiniLM-L6-v2, loaded once for the whole test session."""
    embedder = Embedder(PACKAGED_MODEL)
    assert embedder.dimension == 384
    return embedder


PASSWORDS = {role: f"{role}-password-123" for role in Role}


def make_app(tmp_path: Path, embedder: Embedder, **overrides):
    """Build an app on a fresh, migrated SQLite database in tmp_path, with one user per role.

    CSRF is off here so tests can post forms directly; tests of CSRF itself turn it back on.
    The interface is in English, which most tests read; tests/test_i18n.py checks French.
    """
    url = f"sqlite:///{tmp_path / 'test.db'}"
    upgrade(url)
    config = {
        "TESTING": True,
        "SECRET_KEY": "test",
        "WTF_CSRF_ENABLED": False,
        "DATABASE_URL": url,
        "CLAIMS_INDEX_PATH": str(tmp_path / "claims.faiss"),
        "CLAIMS_EMBEDDER": embedder,
        # Auto-linking has its own tests; elsewhere every link waits for a reviewer.
        "AUTOLINK_THRESHOLD": NEVER,
        # Queued jobs run at once, in-process; tests/test_jobs.py runs a real worker.
        "QUEUE_URL": "immediate",
        "CLAIMS_LOCALE": "en",
        **overrides,
    }
    app = create_app(config)
    with Session(app.extensions["claims"].engine) as session:
        for role in Role:
            if find_user(session, role) is None:
                create_user(session, role, PASSWORDS[role], role, actor="test")
    return app


def login(client, username: str = "admin"):
    """Sign a test client in as one of the fixture users (named after their roles)."""
    response = client.post("/login", data={"username": username, "password": PASSWORDS[username]})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def app(tmp_path):
    """An app with the fast hashing embedder."""
    return make_app(tmp_path, HashingEmbedder())


# A server where tests may create and drop databases, e.g. postgresql://postgres@127.0.0.1/postgres
POSTGRES = os.environ.get("CLAIMS_TEST_POSTGRES", "")


def require_postgres() -> None:
    """Skip the test when no PostgreSQL server is configured (fail in CI, which has one)."""
    if POSTGRES:
        return
    if os.environ.get("CLAIMS_REQUIRE_POSTGRES") == "1":
        pytest.fail("CLAIMS_TEST_POSTGRES is not set, and CI requires PostgreSQL.")
    pytest.skip("PostgreSQL not configured: set CLAIMS_TEST_POSTGRES to a server URL")


@contextmanager
def postgres_database() -> Iterator[str]:
    """Create a throwaway PostgreSQL database, yield its URL, then drop it."""
    name = f"claims_test_{uuid.uuid4().hex[:12]}"
    server = sa.create_engine(engine_url(POSTGRES), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(engine_url(POSTGRES)).set(database=name).render_as_string(False)
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_app(request, tmp_path):
    """The fast app on SQLite, then on PostgreSQL (skipped when no server is configured)."""
    if request.param == "sqlite":
        yield make_app(tmp_path, HashingEmbedder())
        return
    require_postgres()
    with postgres_database() as url:
        upgrade(url)
        app = make_app(tmp_path, HashingEmbedder(), DATABASE_URL=url)
        yield app
        # Sessions a test left for the garbage collector give their connections back now: a
        # connection finalised after the drop logs an error mid-parse, which trips CPython 3.11.
        gc.collect()
        app.extensions["claims"].engine.dispose()


@pytest.fixture
def model_app(tmp_path, real_embedder):
    """An app with the real packaged model."""
    return make_app(tmp_path, real_embedder)


@pytest.fixture
def reviewer(app):
    """A client signed in as the reviewer."""
    return login(app.test_client(), "reviewer")


@pytest.fixture
def viewer(app):
    """A client signed in as the viewer."""
    return login(app.test_client(), "viewer")


@pytest.fixture
def client(app):
    """A test client for the fast app, signed in as an admin."""
    return login(app.test_client())


@pytest.fixture
def anonymous(app):
    """A test client that is not signed in."""
    return app.test_client()


@pytest.fixture
def model_client(model_app):
    """A test client for the real-model app, signed in as an admin."""
    return login(model_app.test_client())


@pytest.fixture
def runner(app):
    """A CLI runner for the fast app."""
    return app.test_cli_runner()


@pytest.fixture
def shared_bench() -> Path:
    """The shared benchmark folder, or a skip when this checkout has none beside it."""
    bench = SHARED / "bench"
    if not bench.is_dir():
        pytest.skip(f"benchmark data not found at {bench} (it lives in ../shared/bench)")
    return bench


@pytest.fixture(scope="module")
def site():
    """The team's web pages, feeds and misbehaving routes, served on 127.0.0.1."""
    from tests.webserver import serve

    yield from serve()


@pytest.fixture
def loopback_only(monkeypatch):
    """Fail the test if anything connects beyond 127.0.0.0/8 (use it in fetching tests)."""
    from tests.webserver import only_loopback

    only_loopback(monkeypatch)
