"""The FAISS wrapper: add, remove, search, save, load."""

import numpy as np
import pytest

from claims.search.vectors import TieredIndex, VectorIndex


def unit_rows(n: int, dim: int = 8, seed: int = 0) -> np.ndarray:
    """Return n random L2-normalised rows."""
    rows = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_search_finds_each_vector_under_its_own_id():
    index = VectorIndex(8)
    vectors = unit_rows(20)
    ids = list(range(100, 120))
    index.add(ids, vectors)
    hits = index.search(vectors, 1)
    assert [row[0][0] for row in hits] == ids
    assert all(abs(row[0][1] - 1.0) < 1e-5 for row in hits)


def test_remove_drops_ids_and_keeps_the_others():
    index = VectorIndex(8)
    vectors = unit_rows(5)
    index.add([1, 2, 3, 4, 5], vectors)
    assert index.remove([2, 4, 99]) == 2
    assert sorted(index.ids()) == [1, 3, 5]
    found = {claim_id for claim_id, _ in index.search(vectors[1:2], 5)[0]}
    assert found == {1, 3, 5}


def test_adding_an_existing_id_replaces_it():
    index = VectorIndex(8)
    vectors = unit_rows(2)
    index.add([7], vectors[:1])
    index.add([7], vectors[1:])
    assert len(index) == 1
    np.testing.assert_allclose(index.reconstruct(7), vectors[1], atol=1e-6)


def test_search_never_returns_empty_slots():
    index = VectorIndex(8)
    index.add([1, 2], unit_rows(2))
    hits = index.search(unit_rows(1, seed=3), 10)[0]
    assert len(hits) == 2 and all(claim_id != -1 for claim_id, _ in hits)
    assert VectorIndex(8).search(unit_rows(1), 5) == [[]]


def test_save_and_load_round_trip(tmp_path):
    index = VectorIndex(8)
    vectors = unit_rows(10)
    index.add(list(range(10)), vectors)
    path = tmp_path / "sub" / "index.faiss"
    index.save(path)
    loaded = VectorIndex.load(path)
    assert loaded.ids() == index.ids()
    assert loaded.search(vectors, 3) == index.search(vectors, 3)
    assert not path.with_suffix(".faiss.tmp").exists()


def test_wrong_dimension_is_refused():
    with pytest.raises(ValueError, match="dimension 8"):
        VectorIndex(8).add([1], unit_rows(1, dim=4))


# --- the tiered index: a snapshot never written to, and the changes since ----------------


def same_hits(a: list, b: list) -> bool:
    """Compare search results by id and (rounded) score."""
    return [[(i, round(s, 5)) for i, s in row] for row in a] == [
        [(i, round(s, 5)) for i, s in row] for row in b
    ]


@pytest.mark.parametrize("kind", ["exact", "ivf"])
def test_a_tiered_index_answers_like_one_index_through_changes(tmp_path, kind):
    vectors = unit_rows(600, seed=1)
    # IVF probing every list is exhaustive, so it compares exactly with a plain index.
    base = VectorIndex(8) if kind == "exact" else VectorIndex.ivf(vectors, 4, nprobe=4)
    base.add(list(range(1, 401)), vectors[:400])
    tiered, plain = TieredIndex(base), VectorIndex(8)
    plain.add(list(range(1, 401)), vectors[:400])
    base.save(tmp_path / "t.faiss")
    # The base is the snapshot's file, mapped as a process opens it: changes never touch it.
    tiered = TieredIndex(VectorIndex.load(tmp_path / "t.faiss", mmap=True))
    rng = np.random.default_rng(2)
    for round_ in range(4):
        gone = rng.choice(np.arange(1, 600), 20, replace=False).tolist()
        assert tiered.remove(gone) == plain.remove(gone)
        new = rng.choice(np.arange(1, 600), 30, replace=False).tolist()  # new and replaced
        fresh = unit_rows(30, seed=10 + round_)
        tiered.add(new, fresh)
        plain.add(new, fresh)
        probes = unit_rows(5, seed=50 + round_)
        assert len(tiered) == len(plain) and sorted(tiered.ids()) == sorted(plain.ids())
        assert same_hits(tiered.search(probes, 10), plain.search(probes, 10))
        assert np.allclose(tiered.reconstruct(new[0]), fresh[0])
        assert tiered.base.mapped
