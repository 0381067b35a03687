"""Crash safety under SIGKILL: an importer killed halfway through 500 articles leaves no
half-stored article and resumes without duplicates; a request killed between its commit and
the index update, or a snapshot writer killed halfway, leaves an index that the next start
catches up from the log, with nothing lost, nothing doubled and no replay from scratch."""

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

from claims.models import Article, Claim, ClaimLink, PendingLink
from claims.search.index import ClaimIndex
from claims.services.calibration import Thresholds
from claims.services.upkeep import keep_up
from tests.conftest import ROOT, HashingEmbedder, login, make_app
from tests.helpers import import_article

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


# --- the index after a kill ----------------------------------------------------------------

SENTENCE = "The city council approved a budget of 12 million euros for new cycle lanes."
OTHER = "Residents of the old town asked for the works to start before the summer."
LIMITS = Thresholds(0.45, 2.0, "test")

# A child process on the test's database and index folder, killed by SIGKILL at one point.
_CHILD = """
import os, pydoc, signal, sys
from pathlib import Path
from sqlmodel import Session
from claims.search import index as index_module
from claims.search.changes import last_change
from tests.conftest import HashingEmbedder, login, make_app
from tests.helpers import import_article

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

app = make_app(Path(sys.argv[1]), HashingEmbedder())
index = app.extensions["claims"].index
if sys.argv[2] == "import":
    catch_up = index_module.ClaimIndex.catch_up

    def killed_after_commit(self, session):
        # The request's own catch-up, before anything is stored, finds the log where it was.
        if last_change(session) > self.position:
            die()
        return catch_up(self, session)

    index_module.ClaimIndex.catch_up = killed_after_commit
    import_article(login(app.test_client()), "Beta", *sys.argv[3:], title="Second")
else:
    with Session(app.extensions["claims"].engine) as session:
        index.ensure_fresh(session)
    owner, name = sys.argv[2].rsplit(".", 1)
    setattr(pydoc.locate(owner), name, die)
    index.write_snapshot()
raise SystemExit("the child was not killed")
"""


def _killed_child(tmp_path: Path, *args: str) -> None:
    """Run the child script on this test's folder and check SIGKILL ended it."""
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path), *args],
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr[-3000:]


def _reopened(app) -> tuple[ClaimIndex, Session]:
    """Open the folder's index as a new process would, caught up with the log."""
    index = ClaimIndex(app.extensions["claims"].index.path, app.extensions["claims"].index.model)
    session = Session(app.extensions["claims"].engine)
    index.ensure_fresh(session)
    return index, session


def _snapshot_of_first_article(tmp_path: Path):
    """Import one article and write a snapshot of it; return the app and that position."""
    app = make_app(tmp_path, HashingEmbedder())
    import_article(login(app.test_client()), "Alpha", SENTENCE, title="First")
    index = app.extensions["claims"].index
    assert index.write_snapshot()
    return app, index.position


def test_a_kill_between_the_commit_and_the_index_update_is_caught_up_and_linked(tmp_path):
    app, position = _snapshot_of_first_article(tmp_path)
    _killed_child(tmp_path, "import", OTHER, SENTENCE)

    index, session = _reopened(app)
    with session:
        # The committed claim is found from the log, after the snapshot, not by a replay.
        claims = session.exec(select(Claim.id).order_by(Claim.id)).all()
        assert len(claims) == 3 and sorted(index.dense.ids()) == claims
        assert len(index.lexical) == 3
        assert index.snapshot_position == position and index.full_replays == 0
        # Its linking was left pending in the same transaction; upkeep finishes it once.
        assert session.exec(select(PendingLink.claim_id)).all() == claims[1:]
        done = keep_up(session, index, LIMITS, snapshot_after=10**9, pending_age=0)
        assert done.linked == 1 and session.exec(select(PendingLink)).all() == []
        twin = session.exec(select(Claim.id).where(Claim.text == SENTENCE, Claim.id != claims[0]))
        pairs = session.exec(select(ClaimLink.claim_a_id, ClaimLink.claim_b_id)).all()
        assert pairs == [(claims[0], twin.one())]


@pytest.mark.parametrize(
    "point",
    [
        # After the vectors are written into the snapshot being made, before it is named.
        "claims.search.vectors.VectorIndex.save",
        # After the snapshot folder is in place, before CURRENT names it.
        "claims.search.index._write_atomically",
    ],
)
def test_a_snapshot_writer_killed_halfway_leaves_the_last_snapshot_to_open(tmp_path, point):
    app, position = _snapshot_of_first_article(tmp_path)
    import_article(login(app.test_client()), "Beta", OTHER, title="Second")
    _killed_child(tmp_path, point)
    folder = app.extensions["claims"].index.path
    # The kill landed halfway: a second, unfinished snapshot sits beside the one CURRENT names.
    assert len([p for p in folder.iterdir() if "snapshot-" in p.name]) == 2

    index, session = _reopened(app)
    with session:
        claims = session.exec(select(Claim.id).order_by(Claim.id)).all()
        assert sorted(index.dense.ids()) == claims and len(index.lexical) == 2
        assert index.snapshot_position == position and index.full_replays == 0
        # The killed writer's lock died with it; the next writer replaces its leftovers.
        assert index.write_snapshot()
        snapshots = sorted(p.name for p in folder.iterdir() if "snapshot-" in p.name)
        assert len(snapshots) == 2 and not any(name.startswith(".") for name in snapshots)
        latest, _ = _reopened(app)
        assert latest.snapshot_position == index.position > position
        assert sorted(latest.dense.ids()) == claims
