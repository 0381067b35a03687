"""The app's collaborators: engine, embedder and index once per process; a session per request."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlmodel import Session

from claims.db import make_engine
from claims.search.embedder import Embedder
from claims.search.index import ClaimIndex
from claims.text.cwmodel import CheckworthinessModel

log = logging.getLogger(__name__)

QUERY_ENGINES = ("onnx", "torch")


@dataclass
class Services:
    """What services need besides the session; held in app.extensions["claims"]."""

    engine: sa.Engine
    embedder: Embedder
    index: ClaimIndex
    # None when the weights were trained on another embedding model: the heuristic alone.
    checkworthiness: CheckworthinessModel | None = None


def load_checkworthiness(path: str, embedder: Embedder) -> CheckworthinessModel | None:
    """Load the learned check-worthiness weights if they fit this embedder."""
    model = CheckworthinessModel.load(path or None)
    return model if model.model_name == embedder.name else None


def make_embedder(config: dict) -> Embedder:
    """Build the configured embedder; single texts go through ONNX unless told torch."""
    engine = config["QUERY_ENGINE"].strip().lower()
    if engine not in QUERY_ENGINES:
        log.warning("CLAIMS_QUERY_ENGINE=%r is not onnx or torch: using onnx.", engine)
    on_torch = engine == "torch"
    return Embedder(config["CLAIMS_MODEL"], onnx_dir=None if on_torch else config["ONNX_DIR"])


def get_session() -> Session:
    """Return this request's session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = Session(services().engine, expire_on_commit=False)
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    """Close the request's session, rolling back anything left uncommitted."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    """Build the engine, the (lazily loaded) embedder and the index; close sessions after use."""
    embedder = app.config.get("CLAIMS_EMBEDDER") or make_embedder(app.config)
    app.extensions["claims"] = Services(
        engine=make_engine(app.config["DATABASE_URL"]),
        embedder=embedder,
        index=ClaimIndex(
            app.config["CLAIMS_INDEX_PATH"],
            embedder.name,
            app.config["DENSE_WEIGHT"],
            exact_limit=app.config["EXACT_LIMIT"],
            nprobe=app.config["IVF_NPROBE"],
            mmap=app.config["INDEX_MMAP"],
        ),
        checkworthiness=load_checkworthiness(app.config["CHECKWORTHINESS_MODEL"], embedder),
    )
    app.teardown_appcontext(close_session)


def services() -> Services:
    """Return the current app's services."""
    return current_app.extensions["claims"]


def fresh_index() -> ClaimIndex:
    """Return the index, reconciled with the database once per request."""
    index = services().index
    if not g.get("index_checked"):
        index.ensure_fresh(get_session())
        g.index_checked = True
    return index
