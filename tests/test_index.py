"""The claim index stays a cache of the database: rebuilt, reloaded or reused as needed."""

import threading

import numpy as np
import pytest
from sqlmodel import Session, select

from claims.models import Claim, IndexState
from claims.schemas import ArticleIn
from claims.search.index import ClaimIndex, cosine_ceiling
from claims.search.lexical import LexicalIndex
from claims.services.articles import IngestSettings, ingest_batch

BODY_A = (
    "Le gouvernement a annoncé mardi une hausse de 3 % du budget de la santé. "
    "Selon le ministre, 12 000 postes seront créés en 2024. "
    "Cette décision a été saluée par les syndicats."
)

SETTINGS = IngestSettings(max_chars=100_000, suggest_threshold=0.5)


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


def test_index_holds_every_claim_and_records_its_state(setup):
    session, _, index = setup
    state = session.get(IndexState, 1)
    assert sorted(index.dense.ids()) == claim_ids(session)
    assert state.count == len(index) == len(claim_ids(session)) and state.version == index.version
    assert len(index.lexical) == len(index)


def test_rebuild_equals_the_live_index(setup):
    session, embedder, index = setup
    queries = embedder.encode(["hausse du budget de la santé", "tram stops"])
    live = index.dense.search(queries, 5)
    rebuilt = ClaimIndex(index.path.with_name("other.faiss"), index.model)
    rebuilt.rebuild(session)
    assert sorted(rebuilt.dense.ids()) == sorted(index.dense.ids())
    assert rebuilt.dense.search(queries, 5) == live


def test_missing_file_is_rebuilt_from_stored_vectors(setup):
    session, _, index = setup
    index.path.unlink()
    fresh = ClaimIndex(index.path, index.model)
    fresh.ensure_fresh(session)
    assert sorted(fresh.dense.ids()) == claim_ids(session)
    assert index.path.exists()


def test_another_process_reloads_when_the_version_moves_on(setup, app):
    session, embedder, index = setup
    reader = ClaimIndex(index.path, index.model)
    reader.ensure_fresh(session)
    data = ArticleIn(title="C", source="Outlet C", body="Prices rose 4% in May, the office said.")
    ingest_batch(session, embedder, index, [data], SETTINGS)
    assert reader.version < index.version
    reader.ensure_fresh(session)
    assert reader.version == index.version
    assert sorted(reader.dense.ids()) == claim_ids(session)


def test_state_that_disagrees_with_the_database_triggers_a_rebuild(setup):
    session, _, index = setup
    state = session.get(IndexState, 1)
    state.count += 5  # as if a crash left IndexState ahead of what was committed
    session.add(state)
    session.commit()
    fresh = ClaimIndex(index.path, index.model)
    fresh.ensure_fresh(session)
    assert len(fresh) == len(claim_ids(session))
    assert session.get(IndexState, 1).count == len(fresh)


def test_claims_of_another_model_are_left_out(setup):
    session, _, index = setup
    other = ClaimIndex(index.path.with_name("m2.faiss"), "some-other-model")
    other.ensure_fresh(session)
    assert len(other) == 0
    state = session.get(IndexState, 1)
    assert state.model == "some-other-model" and state.count == 0


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


QUERY = "Le ministre annonce 12 000 postes créés en 2024."


def test_another_process_opens_the_saved_bm25_without_rereading_claims(setup, monkeypatch):
    session, _, index = setup
    expected = index.lexical.scores(QUERY, "fr")
    assert expected and any(index.lexical_path.iterdir())

    def no_rebuild(documents):
        raise AssertionError("the saved BM25 segments should have been opened")

    monkeypatch.setattr(LexicalIndex, "build", no_rebuild)
    reader = ClaimIndex(index.path, index.model)
    reader.ensure_fresh(session)
    assert reader.lexical.scores(QUERY, "fr") == expected
    assert len(reader.lexical) == len(claim_ids(session))


@pytest.mark.parametrize("damage", ["delete", "truncate"])
def test_missing_or_damaged_bm25_files_are_rebuilt_from_the_database(setup, damage):
    session, _, index = setup
    expected = index.lexical.scores(QUERY, "fr")
    for segment in index.lexical_path.iterdir():
        for file in segment.iterdir():
            if damage == "delete":
                file.unlink()
            else:
                file.write_bytes(file.read_bytes()[:20])
    reader = ClaimIndex(index.path, index.model)
    reader.ensure_fresh(session)
    assert reader.lexical.scores(QUERY, "fr") == expected


def test_a_damaged_vector_delta_is_rebuilt_from_the_database(setup):
    session, _, index = setup
    assert len(index.dense.delta) and any(index.delta_path.iterdir())
    for file in index.delta_path.iterdir():
        file.write_bytes(b"not a faiss index")
    reader = ClaimIndex(index.path, index.model)
    reader.ensure_fresh(session)
    assert sorted(reader.dense.ids()) == claim_ids(session)


def test_only_a_full_exhaustive_search_bounds_the_cosine_of_other_claims():
    hits = [(1, 0.9), (2, 0.7)]
    assert cosine_ceiling(True, hits, 2) == pytest.approx(0.7 + 1e-5)
    assert cosine_ceiling(False, hits, 2) == 1.0  # IVF may miss closer vectors
    assert cosine_ceiling(True, hits, 3) == 1.0  # fewer hits than asked for
    assert cosine_ceiling(True, [(1, -0.2), (2, -0.3)], 2) == pytest.approx(1e-5)
    assert cosine_ceiling(True, [], 0) == 1.0
