"""Exact search up to a size, IVF beyond it: ids, removal, reconstruction, persistence,
recall measured against exact search, and the switch as a collection grows."""

from __future__ import annotations

import numpy as np
import pytest
from sqlmodel import Session, select

from claims.models import Claim
from claims.schemas import ArticleIn
from claims.search.index import ClaimIndex
from claims.search.vectors import VectorIndex, build_dense, ivf_lists, recall_at_k
from claims.services.articles import IngestSettings, ingest_batch


def clustered(n: int, dimension: int = 32, clusters: int = 20, seed: int = 0) -> np.ndarray:
    """Unit vectors around a few centres, shaped like real embeddings (not uniform noise)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dimension))
    points = centres[rng.integers(0, clusters, n)] + 0.4 * rng.normal(size=(n, dimension))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def ivf():
    """An IVF index over 3,000 clustered vectors with ids 1..3000."""
    vectors = clustered(3000)
    index = VectorIndex.ivf(vectors, ivf_lists(3000), nprobe=8)
    index.add(list(range(1, 3001)), vectors)
    return index, vectors


def test_ivf_finds_vectors_under_their_ids_and_reconstructs_them(ivf):
    index, vectors = ivf
    assert not index.exact and index.kind.startswith("IVF") and "nprobe 8" in index.kind
    hits = index.search(vectors[[0, 41]], 1)
    assert [row[0][0] for row in hits] == [1, 42]
    assert np.allclose(index.reconstruct(42), vectors[41])
    assert sorted(index.ids()) == list(range(1, 3001))


def test_ivf_removes_and_replaces_ids(ivf):
    index, vectors = ivf
    assert index.remove([1, 2, 99999]) == 2
    assert 1 not in index.ids() and len(index) == 2998
    assert all(hit[0] != 1 for hit in index.search(vectors[:1], 10)[0])
    index.add([3], vectors[:1])
    assert len(index) == 2998 and np.allclose(index.reconstruct(3), vectors[0])


def test_ivf_survives_save_and_load(ivf, tmp_path):
    index, vectors = ivf
    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss")
    assert loaded.kind == index.kind and len(loaded) == 3000
    assert loaded.search(vectors[:5], 3) == index.search(vectors[:5], 3)
    loaded.remove([5])
    assert 5 not in loaded.ids()


def test_recall_is_measured_against_exact_search(ivf):
    index, vectors = ivf
    ids = list(range(1, 3001))
    exact = VectorIndex(vectors.shape[1])
    exact.add(ids, vectors)
    assert recall_at_k(exact, ids, vectors) == 1.0
    index.set_nprobe(index._index.nlist)  # visiting every list is exhaustive
    assert recall_at_k(index, ids, vectors) == 1.0
    index.set_nprobe(1)
    assert recall_at_k(index, ids, vectors) < 1.0


def test_ivf_lists_grow_with_the_square_root_and_stay_trainable():
    assert ivf_lists(1_000_000) == 4000
    assert ivf_lists(3000) == 76
    assert ivf_lists(10) == 1


def test_build_dense_is_exact_up_to_the_limit_and_ivf_beyond_it():
    vectors = clustered(3000)
    ids = [7 * n + 3 for n in range(3000)]
    exact = build_dense(ids, vectors, exact_limit=3000, nprobe=8)
    assert exact.index.exact and exact.recall == 1.0 and sorted(exact.index.ids()) == ids
    built = build_dense(ids, vectors, exact_limit=2999, nprobe=8)
    assert built.index.kind == f"IVF{ivf_lists(3000)}, nprobe 8"
    assert sorted(built.index.ids()) == ids
    assert [row[0][0] for row in built.index.search(vectors[[0, 41]], 1)] == [ids[0], ids[41]]
    assert np.allclose(built.index.reconstruct(ids[41]), vectors[41])
    assert 0 < built.recall == recall_at_k(built.index, ids, vectors) <= 1.0
    # Trained on a seeded sample: the same claims give the same lists, hence the same hits.
    again = build_dense(ids, vectors, exact_limit=2999, nprobe=8)
    assert again.index.search(vectors[:50], 10) == built.index.search(vectors[:50], 10)


def test_fill_builds_the_claim_index_through_build_dense_without_a_database(tmp_path):
    vectors = clustered(3000)
    ids = list(range(1, 3001))
    index = ClaimIndex(tmp_path / "c.faiss", "model", exact_limit=1000, nprobe=4)
    index.fill(ids, vectors, [(i, f"claim {i}", "en") for i in ids])
    built = build_dense(ids, vectors, exact_limit=1000, nprobe=4)
    assert index.dense.kind == built.index.kind and index.recall == built.recall
    assert index.dense.search(vectors[:20], 5) == built.index.search(vectors[:20], 5)
    assert len(index.lexical) == 3000 and not index.path.exists()
    assert index.match(vectors[41], "claim 42", "en", 5)[0].claim_id == 42
    index.fill([], [], [])
    assert index.dense is None and len(index) == 0


SENTENCES = [
    f"Officials said {n} new buses will serve the northern district by {2025 + n % 3}."
    for n in range(70)
]


def _import(session, embedder, index, start: int, stop: int) -> None:
    """Import one article per sentence in range."""
    for n in range(start, stop):
        data = ArticleIn(title=f"T{n}", source=f"Outlet {n}", body=SENTENCES[n])
        settings = IngestSettings(max_chars=10_000, suggest_threshold=0.99)
        ingest_batch(session, embedder, index, [data], settings)


def test_the_index_turns_ivf_past_the_limit_and_says_so(app, runner):
    engine, embedder = app.extensions["claims"].engine, app.extensions["claims"].embedder
    with Session(engine, expire_on_commit=False) as session:
        index = ClaimIndex(app.config["CLAIMS_INDEX_PATH"], embedder.name, exact_limit=40, nprobe=4)
        index.ensure_fresh(session)
        _import(session, embedder, index, 0, 40)
        assert index.dense.exact
        _import(session, embedder, index, 40, 60)
        # Past the limit, requests keep searching exactly until the next snapshot is IVF.
        assert index.dense.exact and index.write_snapshot()
        reopened = ClaimIndex(index.path, embedder.name, exact_limit=40, nprobe=2)
        reopened.ensure_fresh(session)
        assert not reopened.dense.exact and reopened.dense.kind.endswith("nprobe 2")
        assert sorted(reopened.dense.ids()) == sorted(session.exec(select(Claim.id)))
        assert 0 < reopened.recall <= 1.0 and reopened.full_replays == 0
        rebuilt = ClaimIndex(index.path.with_name("r.faiss"), embedder.name, exact_limit=1000)
        rebuilt.rebuild(session)
        assert rebuilt.dense.exact and rebuilt.recall == 1.0


def test_index_status_reports_kind_size_and_recall(client, runner):
    client.post("/api/articles", json={"title": "T", "source": "S", "body": SENTENCES[0]})
    result = runner.invoke(args=["claims", "index-status"])
    assert result.exit_code == 0, result.output
    assert "claims 1 " in result.output and "search exact" in result.output
    assert "\nrecall@10 1.0000 " in result.output
    assert "\nbm25 1 claims in 0 segment(s) and 1 recent" in result.output
    assert "\nsnapshot none yet" in result.output
    assert "claims 1 (change 1 of 1 in the log)" in result.output


@pytest.mark.parametrize("kind", ["exact", "ivf"])
def test_a_memory_mapped_index_searches_alike_and_copies_itself_before_a_change(
    ivf, tmp_path, kind
):
    index, vectors = ivf
    if kind == "exact":
        index = VectorIndex(vectors.shape[1])
        index.add(list(range(1, 3001)), vectors)
    index.save(tmp_path / "v.faiss")
    mapped = VectorIndex.load(tmp_path / "v.faiss", mmap=True)
    assert mapped.mapped and mapped.kind == index.kind
    assert mapped.search(vectors[:20], 5) == index.search(vectors[:20], 5)
    assert np.array_equal(mapped.reconstruct(42), vectors[41])
    # FAISS aborts the process on a write to mapped vectors: these must copy them first.
    mapped.add([5000], vectors[:1])
    assert not mapped.mapped
    assert mapped.remove([1, 2]) == 2 and len(mapped) == 2999
    assert mapped.search(vectors[:1], 1)[0][0][0] == 5000
    assert np.array_equal(mapped.reconstruct(42), vectors[41])
    mapped.save(tmp_path / "w.faiss")
    assert sorted(VectorIndex.load(tmp_path / "w.faiss", mmap=True).ids()) == sorted(mapped.ids())


def test_the_app_maps_its_saved_index_and_still_imports(app, runner):
    engine, embedder = app.extensions["claims"].engine, app.extensions["claims"].embedder
    with Session(engine, expire_on_commit=False) as session:
        writer = ClaimIndex(app.config["CLAIMS_INDEX_PATH"], embedder.name, exact_limit=40)
        writer.ensure_fresh(session)
        _import(session, embedder, writer, 0, 60)
        assert writer.write_snapshot()
        reader = ClaimIndex(writer.path, embedder.name, exact_limit=40)
        reader.ensure_fresh(session)
        assert reader.dense.mapped and not reader.dense.exact
        written, recent = (writer.path / "CURRENT").read_text(), len(reader.dense.delta)
        _import(session, embedder, reader, 60, 65)
        # New vectors go to the delta: the mapped base is neither copied nor rewritten.
        assert reader.dense.mapped and len(reader.dense.delta) == recent + 5
        assert (writer.path / "CURRENT").read_text() == written
        assert sorted(reader.dense.ids()) == sorted(session.exec(select(Claim.id)))
        third = ClaimIndex(writer.path, embedder.name, exact_limit=40)
        third.ensure_fresh(session)
        assert sorted(third.dense.ids()) == sorted(session.exec(select(Claim.id)))
    status = runner.invoke(args=["claims", "index-status"]).output
    assert "memory-mapped" in status
