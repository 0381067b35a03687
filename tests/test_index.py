"""The claim index is a projection of the change log: snapshots plus the changes after them."""

import fcntl
import threading

import numpy as np
import pytest
from sqlmodel import Session, select

from claims.models import Claim, ClaimStatus
from claims.schemas import ArticleIn
from claims.search.changes import last_change, log_changes
from claims.search.index import ClaimIndex, cosine_ceiling
from claims.services.articles import IngestSettings, ingest_batch

BODY_A = (
    "Le gouvernement a annoncé mardi une hausse de 3 % du budget de la santé. "
    "Selon le ministre, 12 000 postes seront créés en 2024. "
    "Cette décision a été saluée par les syndicats."
)

SETTINGS = IngestSettings(max_chars=100_000, suggest_threshold=0.5)
QUERY = "Le ministre annonce 12 000 postes créés en 2024."


@pytest.fixture
def app(any_db_app):
    """Run this module on SQLite and, when configured, on PostgreSQL."""
    return any_db_app


BODY_B = "The council approved a $1.8 billion transit plan on Monday. It adds 14 tram stops."


@pytest.fixture
def setup(app):
    """A session, the app's embedder and an index holding two imported articles."""
    engine = app.extensions["claims"].engine
    embedder = app.extensions["claims"].embedder
    with Session(engine, expire_on_commit=False) as session:
        index = ClaimIndex(app.config["CLAIMS_INDEX_PATH"], embedder.name)
        index.ensure_fresh(session)
        for title, body in (("A", BODY_A), ("B", BODY_B)):
            data = ArticleIn(title=title, source=f"Outlet {title}", body=body)
            ingest_batch(session, embedder, index, [data], SETTINGS)
        yield session, embedder, index


def claim_ids(session):
    return sorted(session.exec(select(Claim.id)))


def test_index_holds_every_claim_and_stands_at_the_last_change(setup):
    session, _, index = setup
    assert sorted(index.dense.ids()) == claim_ids(session)
    assert index.position == last_change(session) == len(claim_ids(session))
    assert len(index.lexical) == len(index)
    # It was opened on an empty log: applying its own imports is no replay of the log.
    assert index.full_replays == 0


def test_replaying_the_log_equals_the_live_index(setup):
    session, embedder, index = setup
    queries = embedder.encode(["hausse du budget de la santé", "tram stops"])
    live = index.dense.search(queries, 5)
    rebuilt = ClaimIndex(index.path.with_name("other"), index.model)
    rebuilt.rebuild(session)
    assert sorted(rebuilt.dense.ids()) == sorted(index.dense.ids())
    assert rebuilt.dense.search(queries, 5) == live
    assert rebuilt.position == index.position


def test_a_process_without_a_snapshot_replays_the_log_once(setup):
    session, _, index = setup
    fresh = ClaimIndex(index.path, index.model)
    assert fresh.ensure_fresh(session) == len(claim_ids(session))
    assert sorted(fresh.dense.ids()) == claim_ids(session) and fresh.full_replays == 1
    assert fresh.ensure_fresh(session) == 0 and fresh.full_replays == 1


def test_another_process_applies_only_the_changes_after_its_snapshot(setup):
    session, embedder, index = setup
    assert index.write_snapshot()
    reader = ClaimIndex(index.path, index.model)
    assert reader.ensure_fresh(session) == 0
    assert reader.snapshot_position == index.position and reader.full_replays == 0
    data = ArticleIn(title="C", source="Outlet C", body="Prices rose 4% in May, the office said.")
    (result,) = ingest_batch(session, embedder, index, [data], SETTINGS)
    assert reader.ensure_fresh(session) == len(result.claims) and reader.full_replays == 0
    assert reader.position == index.position
    assert sorted(reader.dense.ids()) == claim_ids(session)
    assert (
        reader.lexical.score_all(QUERY, "fr").as_dict()
        == index.lexical.score_all(QUERY, "fr").as_dict()
    )


def test_a_process_switches_to_a_newer_snapshot_caught_up_first(setup):
    session, embedder, index = setup
    assert index.write_snapshot()
    reader = ClaimIndex(index.path, index.model)
    reader.ensure_fresh(session)
    first = reader.snapshot_position
    data = ArticleIn(title="C", source="Outlet C", body="Prices rose 4% in May, the office said.")
    ingest_batch(session, embedder, index, [data], SETTINGS)
    assert reader.ensure_fresh(session) > 0 and reader.lexical.layout()[1] > 0
    # Another process writes a snapshot, then imports more: the reader moves to that
    # snapshot and applies only what followed it, holding nothing else in memory.
    assert index.write_snapshot()
    (late,) = ingest_batch(
        session,
        embedder,
        index,
        [ArticleIn(title="D", source="D", body=BODY_B + " Late.")],
        SETTINGS,
    )
    reader.ensure_fresh(session)
    assert reader.snapshot_position == index.snapshot_position > first
    assert reader.position == index.position and reader.full_replays == 0
    assert reader.lexical.layout()[1] == len(late.claims)
    assert sorted(reader.dense.ids()) == claim_ids(session)
    assert reader.lexical.score_all(BODY_B, "en").as_dict() == (
        index.lexical.score_all(BODY_B, "en").as_dict()
    )


def test_a_claim_set_aside_or_deleted_leaves_every_process_that_catches_up(setup):
    session, _, index = setup
    index.write_snapshot()
    reader = ClaimIndex(index.path, index.model)
    reader.ensure_fresh(session)
    first, *rest = claim_ids(session)
    claim = session.get(Claim, first)
    claim.status = ClaimStatus.NOT_CLAIM
    session.add(claim)
    log_changes(session, [first], "status.not_claim")
    session.commit()
    assert reader.ensure_fresh(session) == 1
    assert sorted(reader.dense.ids()) == rest and len(reader.lexical) == len(rest)
    assert first not in reader.lexical.score_all(QUERY, "fr").as_dict()


def test_a_snapshot_of_another_database_or_model_is_not_used(setup, app):
    session, _, index = setup
    index.position += 1_000  # as if the folder had followed a database with more changes
    assert index.write_snapshot()
    stranger = ClaimIndex(index.path, index.model)
    stranger.ensure_fresh(session)
    assert stranger.snapshot_position is None and stranger.full_replays == 1
    assert sorted(stranger.dense.ids()) == claim_ids(session)
    other = ClaimIndex(index.path, "some-other-model")
    other.ensure_fresh(session)
    assert len(other) == 0 and other.snapshot_position is None


@pytest.mark.parametrize("damage", ["lexical", "dense", "meta"])
def test_a_damaged_snapshot_falls_back_to_the_log(setup, damage):
    session, _, index = setup
    assert index.write_snapshot()
    expected = index.lexical.score_all(QUERY, "fr").as_dict()
    snapshot = index.path / (index.path / "CURRENT").read_text()
    files = {
        "lexical": [f for f in (snapshot / "lexical").iterdir() if not f.name.startswith(".")],
        "dense": [snapshot / "dense.faiss"],
        "meta": [snapshot / "meta.json"],
    }[damage]
    for file in files:
        file.write_bytes(file.read_bytes()[:20])
    reader = ClaimIndex(index.path, index.model)
    reader.ensure_fresh(session)
    assert reader.full_replays == 1 and sorted(reader.dense.ids()) == claim_ids(session)
    # Replayed, every claim is recent and scored exactly; tantivy scores in 32-bit floats.
    assert reader.lexical.score_all(QUERY, "fr").as_dict() == pytest.approx(expected)


def test_one_snapshot_writer_at_a_time_and_readers_switch_whole(setup):
    session, _, index = setup
    index.path.mkdir(parents=True, exist_ok=True)
    with (index.path / "snapshot.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # another process is writing one
        assert not index.write_snapshot()
        fcntl.flock(handle, fcntl.LOCK_UN)
    assert index.write_snapshot() and index.write_snapshot() and index.write_snapshot()
    # The current snapshot and the one before it stay, for processes opening it right now.
    assert len([p for p in index.path.iterdir() if p.name.startswith("snapshot-")]) == 2
    reader = ClaimIndex(index.path, index.model)
    reader.ensure_fresh(session)
    assert reader.snapshot_position == index.position and len(reader) == len(index)


def test_threads_catching_up_at_once_apply_each_change_once(setup, app):
    session, embedder, index = setup
    shared = ClaimIndex(index.path.with_name("shared"), index.model)
    engine = app.extensions["claims"].engine
    errors: list[BaseException] = []

    def follow() -> None:
        try:
            with Session(engine) as own:
                shared.ensure_fresh(own)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=follow) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and shared.full_replays == 1
    assert sorted(shared.dense.ids()) == claim_ids(session) and len(shared.lexical) == len(shared)


def test_match_fuses_dense_and_lexical(setup):
    session, embedder, index = setup
    text = "Le ministre annonce 12 000 postes créés en 2024."
    matches = index.match(embedder.encode([text])[0], text, "fr", 10)
    assert matches
    top = matches[0]
    target = session.exec(select(Claim).where(Claim.text.contains("12 000 postes"))).one()
    assert top.claim_id == target.id
    assert top.score == pytest.approx(0.5 * top.dense + 0.5 * top.lexical, abs=1e-6)
    assert np.isclose(
        top.dense, float(embedder.encode([text])[0] @ embedder.encode([target.text])[0])
    )


def test_matching_a_text_scores_bm25_on_a_helper_thread_with_the_same_result(setup):
    _, embedder, index = setup
    text = "Le ministre annonce 12 000 postes créés en 2024."
    threads = []

    def encode(query):
        threads.append(threading.current_thread())
        return embedder.encode([query])[0]

    scored_on = []
    score_all = index.lexical.score_all

    def spy(*args):
        scored_on.append(threading.current_thread())
        return score_all(*args)

    index.lexical.score_all = spy
    expected = index.match(embedder.encode([text])[0], text, "fr", 10)
    scored_on.clear()
    assert index.match_text(text, "fr", 10, encode) == expected
    assert threads == [threading.main_thread()] and scored_on[0] is not threading.main_thread()


def many_queries(session, embedder):
    """Every stored claim and three free texts, with languages and vectors."""
    claims = session.exec(select(Claim).order_by(Claim.id)).all()
    texts = [c.text for c in claims] + ["budget de la santé", "tram", "rien à voir"]
    languages = [c.language for c in claims] + ["fr", "en", "fr"]
    return texts, languages, embedder.encode(texts)


def add_budget_articles(session, embedder, index):
    """Five more articles alike in words, so lexical and dense hits part ways at small depths."""
    for n, topic in enumerate(("santé", "transports", "écoles", "retraites", "logement")):
        body = (
            f"Le budget des {topic} augmente de {n + 4} % cette année selon le ministre. "
            f"Les syndicats des {topic} contestent ces chiffres du budget."
        )
        data = ArticleIn(title=f"Budget {n}", source="Outlet C", body=body)
        ingest_batch(session, embedder, index, [data], SETTINGS)


@pytest.mark.parametrize("wider", [False, True])
@pytest.mark.parametrize("depth", [10, 2])
@pytest.mark.parametrize("threshold", [0.0, 0.2, 0.45])
def test_matching_many_texts_at_once_equals_matching_each(setup, threshold, depth, wider):
    session, embedder, index = setup
    if wider:
        add_budget_articles(session, embedder, index)
    texts, languages, vectors = many_queries(session, embedder)
    expected = [
        [m for m in index.match(v, t, lang, depth) if m.score >= threshold]
        for v, t, lang in zip(vectors, texts, languages, strict=True)
    ]
    assert index.match_many(vectors, texts, languages, depth, threshold) == expected
    assert any(expected) and index.match_many(vectors[:0], [], [], depth, threshold) == []


def test_matching_many_skips_the_vectors_of_lexical_hits_that_cannot_reach_the_threshold(setup):
    session, embedder, index = setup
    add_budget_articles(session, embedder, index)
    texts, languages, vectors = many_queries(session, embedder)
    fetched = []
    reconstruct = index.dense.reconstruct

    def spy(claim_id):
        fetched.append(claim_id)
        return reconstruct(claim_id)

    index.dense.reconstruct = spy
    index.match_many(vectors, texts, languages, 2, 0.0)
    everything = len(fetched)
    fetched.clear()
    index.match_many(vectors, texts, languages, 2, 0.45)
    assert everything > 0 and len(fetched) < everything


def test_a_failing_embedding_still_waits_for_bm25_and_raises(setup):
    session, embedder, index = setup

    def broken(_query):
        raise RuntimeError("model gone")

    with pytest.raises(RuntimeError, match="model gone"):
        index.match_text("12 000 postes", "fr", 10, broken)
    # The helper thread survives the failure.
    (top, *_) = index.match_text("tram stops", "en", 5, lambda q: embedder.encode([q])[0])
    assert "tram stops" in session.get(Claim, top.claim_id).text


def test_only_a_full_exhaustive_search_bounds_the_cosine_of_other_claims():
    hits = [(1, 0.9), (2, 0.7)]
    assert cosine_ceiling(True, hits, 2) == pytest.approx(0.7 + 1e-5)
    assert cosine_ceiling(False, hits, 2) == 1.0  # IVF may miss closer vectors
    assert cosine_ceiling(True, hits, 3) == 1.0  # fewer hits than asked for
    assert cosine_ceiling(True, [(1, -0.2), (2, -0.3)], 2) == pytest.approx(1e-5)
    assert cosine_ceiling(True, [], 0) == 1.0
