"""Crash safety: an importer killed with SIGKILL halfway through 500 articles leaves no
half-stored article, the index agrees with the database once reopened, and re-running the
import finishes the rest without duplicates."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from claims.models import Article, Claim, PendingLink
from claims.search.index import ClaimIndex
from tests.conftest import ROOT, make_app

ARTICLES = 500
TOWNS = ["Lyon", "Nantes", "Lille", "Rennes", "Dijon", "Metz", "Reims", "Brest", "Tours", "Caen"]


def _write_articles(folder: Path) -> None:
    """Write 500 short articles, each with two check-worthy sentences of its own."""
    folder.mkdir()
    for n in range(ARTICLES):
        town = TOWNS[n % len(TOWNS)]
        body = (
            f"Le conseil municipal de {town} a voté {n + 3} millions d'euros pour le tramway "
            f"en {2000 + n % 25}.\n\nSelon la mairie, {n * 7 + 11} logements seront "
            f"rénovés dans le quartier numéro {n}."
        )
        text = f"---\ntitle: Article {n}\nsource: Journal {n % 7}\nlanguage: fr\n---\n\n{body}\n"
        (folder / f"{n:03d}.md").write_text(text, encoding="utf-8")


def _environment(tmp_path: Path) -> dict[str, str]:
    """Point the importer at a database and an index of its own."""
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'crash.db'}",
        "CLAIMS_INDEX_PATH": str(tmp_path / "crash.faiss"),
        "HF_HUB_OFFLINE": "1",
    }


def _flask(env: dict[str, str], *args: str, **kwargs) -> subprocess.Popen:
    """Start `flask --app app claims ...` in the project root."""
    command = [sys.executable, "-m", "flask", "--app", "app", "claims", *args]
    return subprocess.Popen(command, cwd=ROOT, env=env, **kwargs)


def _stored_articles(db_file: Path) -> int:
    """Count the committed articles, tolerating a database that is not created yet."""
    try:
        with sqlite3.connect(db_file, timeout=5) as connection:
            return connection.execute("select count(*) from article").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _kill_midway(env: dict[str, str], folder: Path, db_file: Path) -> int:
    """Start the import, SIGKILL it once a fifth of the articles are in; return that count."""
    errors = db_file.with_name("importer.err")
    # A file, not a pipe: nobody reads while it runs, and a full pipe would stall it.
    with errors.open("wb") as stderr:
        importer = _flask(env, "import", str(folder), stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.monotonic() + 600
        while _stored_articles(db_file) < ARTICLES // 5:
            assert importer.poll() is None, errors.read_text()
            assert time.monotonic() < deadline, "the import did not progress"
            time.sleep(0.05)
        importer.send_signal(signal.SIGKILL)
        importer.wait()
    return _stored_articles(db_file)


@pytest.mark.model
def test_a_killed_import_leaves_everything_consistent_and_resumes(tmp_path, real_embedder):
    folder, env = tmp_path / "articles", _environment(tmp_path)
    _write_articles(folder)
    assert _flask(env, "init-db", stdout=subprocess.DEVNULL).wait() == 0
    stored = _kill_midway(env, folder, tmp_path / "crash.db")
    assert ARTICLES // 5 <= stored < ARTICLES, "the kill must land in the middle of the import"

    (tmp_path / "check").mkdir()
    app = make_app(tmp_path / "check", real_embedder, DATABASE_URL=env["DATABASE_URL"])
    with Session(app.extensions["claims"].engine) as session:
        # No article is half-stored: each committed article has both of its claims.
        per_article = session.exec(
            select(Article.id, func.count(Claim.id)).join(Claim, isouter=True).group_by(Article.id)
        ).all()
        assert len(per_article) == stored and {count for _, count in per_article} == {2}
        # The index, reopened, agrees with the database whatever the kill interrupted.
        index = ClaimIndex(env["CLAIMS_INDEX_PATH"], real_embedder.name)
        index.ensure_fresh(session)
        assert sorted(index.dense.ids()) == sorted(session.exec(select(Claim.id)))

    finished = _flask(env, "import", str(folder), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    output, _ = finished.communicate(timeout=900)
    assert finished.returncode == 0
    assert (
        f"{ARTICLES - stored} new article(s), {stored} already known, 0 failed" in output.decode()
    )
    with Session(app.extensions["claims"].engine) as session:
        assert session.exec(select(func.count()).select_from(Article)).one() == ARTICLES
        assert session.exec(select(func.count()).select_from(Claim)).one() == 2 * ARTICLES
        index = ClaimIndex(env["CLAIMS_INDEX_PATH"], real_embedder.name)
        index.ensure_fresh(session)
        assert len(index) == 2 * ARTICLES
        # Linking the killed run left pending was finished when its articles came back known.
        assert session.exec(select(func.count()).select_from(PendingLink)).one() == 0
