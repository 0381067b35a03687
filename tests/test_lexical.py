"""BM25 with accent folding, stop words and stemming."""

import math
import random
from collections import Counter

import numpy as np
import pytest

from claims.search import lexical
from claims.search.lexical import LexicalIndex, fold, prune, tokenize


def test_fold_strips_accents_and_case():
    assert fold("Été À Pékin") == "ete a pekin"


def test_tokenize_stems_french_and_drops_stop_words():
    assert tokenize("Les missiles balistiques", "fr") == tokenize("missile balistique", "fr")
    assert "les" not in tokenize("les missiles", "fr")


def test_tokenize_stems_english():
    assert tokenize("launched missiles", "en") == tokenize("launch missile", "en")


def test_search_ranks_the_matching_document_first_with_score_near_one():
    index = LexicalIndex()
    index.add(1, "Tokyo a évoqué le lancement de deux missiles balistiques.", "fr")
    index.add(2, "Pékin reste le principal soutien de Pyongyang.", "fr")
    index.add(3, "La sécheresse touche 62 départements.", "fr")
    hits = index.score_all("Tokyo évoque deux missiles balistiques", "fr").top(3)
    assert hits[0][0] == 1
    assert 0 < hits[0][1] <= 1
    assert all(claim_id != 3 for claim_id, _ in hits)
    same = "Tokyo a évoqué le lancement de deux missiles balistiques."
    exact = index.score_all(same, "fr").top(1)
    assert exact[0] == (1, 1.0)


def test_accents_do_not_matter():
    index = LexicalIndex()
    index.add(1, "La sécheresse frappe la région", "fr")
    assert index.score_all("secheresse", "fr").top(1)[0][0] == 1


def test_remove_and_replace():
    index = LexicalIndex()
    index.add(1, "alpha beta", "en")
    index.add(2, "beta gamma", "en")
    index.remove(1)
    assert len(index) == 1
    assert index.score_all("alpha", "en").top(5) == []
    index.add(2, "delta", "en")
    assert index.score_all("gamma", "en").top(5) == []
    assert index.score_all("delta", "en").top(5)[0][0] == 2


def test_empty_query_or_index_gives_nothing():
    assert LexicalIndex().score_all("anything", "en").top(5) == []
    index = LexicalIndex()
    index.add(1, "text", "en")
    assert index.score_all("the of", "en").top(5) == []


# --- segments: bulk builds, saves, memory-mapped loads -------------------------------------

WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
]


def reference_scores(docs: dict[int, str], query: str) -> dict[int, float]:
    """BM25 computed the plain way, to check the array implementation against."""
    bags = {doc_id: Counter(tokenize(text, "en")) for doc_id, text in docs.items()}
    terms = Counter(tokenize(query, "en"))
    n = len(bags)
    avg = sum(sum(b.values()) for b in bags.values()) / n or 1.0

    def weight(tf: float, length: float) -> float:
        return tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / avg))

    idf = {
        t: math.log(1 + (n - (df := sum(t in b for b in bags.values())) + 0.5) / (df + 0.5))
        for t in terms
    }
    own = sum(q * idf[t] * weight(q, sum(terms.values())) for t, q in terms.items())
    scores = {}
    for doc_id, bag in bags.items():
        score = sum(
            q * idf[t] * weight(bag[t], sum(bag.values())) for t, q in terms.items() if t in bag
        )
        if score:
            scores[doc_id] = min(1.0, score / own)
    return scores


def random_docs(rng: random.Random, ids: range) -> dict[int, str]:
    return {i: " ".join(rng.choices(WORDS, k=rng.randint(0, 9))) for i in ids}


def assert_same_scores(index: LexicalIndex, docs: dict[int, str], rng: random.Random) -> None:
    """Check scores against plain BM25, and score_many against score_all to the last bit."""
    assert len(index) == len(docs)
    queries = [" ".join(rng.choices(WORDS, k=rng.randint(1, 4))) for _ in range(20)]
    for query in queries:
        got, want = index.score_all(query, "en").as_dict(), reference_scores(docs, query)
        assert got.keys() == want.keys(), query
        for doc_id, score in want.items():
            assert got[doc_id] == pytest.approx(score, rel=1e-9), (query, doc_id)
    queries += ["", "the of", "unknown words"]
    for query, many in zip(queries, index.score_many(queries, ["en"] * len(queries)), strict=True):
        one = index.score_all(query, "en")
        assert many.ids.tolist() == one.ids.tolist(), query
        assert many.values.tobytes() == one.values.tobytes(), query


def test_bulk_build_scores_like_plain_bm25():
    rng = random.Random(1)
    docs = random_docs(rng, range(1, 300))
    index = LexicalIndex.build((i, text, "en") for i, text in docs.items())
    assert_same_scores(index, docs, rng)


def test_a_query_that_fails_midway_leaves_nothing_behind_for_the_next(monkeypatch):
    rng = random.Random(4)
    docs = random_docs(rng, range(1, 200))
    index = LexicalIndex.build((i, text, "en") for i, text in docs.items())
    assert_same_scores(index, docs, rng)  # the reused arrays are clean between queries
    calls = []
    term_weights = index._term_weights

    def fail_on_second_term(*args):
        calls.append(1)
        if len(calls) == 2:
            raise MemoryError("out of memory")
        return term_weights(*args)

    monkeypatch.setattr(index, "_term_weights", fail_on_second_term)
    with pytest.raises(MemoryError):
        index.score_all("alpha beta gamma", "en")
    monkeypatch.undo()
    assert_same_scores(index, docs, rng)


def test_the_shared_arrays_are_cleaned_when_summing_fails_midway():
    scratch = lexical._Scratch()

    def write_then_fail(sums, touched):
        sums[[1, 2]] += 5.0
        touched[[1, 2]] = True
        raise MemoryError("out of memory")

    with pytest.raises(MemoryError):
        scratch._summed(4, write_then_fail)
    assert not scratch.sums.any() and not scratch.touched.any()
    positions, weights = np.array([3, 0, 3]), np.array([1.0, 2.0, 0.5])
    hit, sums = scratch.add_at(4, positions, weights)
    assert hit.tolist() == [0, 3] and sums.tolist() == [2.0, 1.5]  # repeats add up
    assert not scratch.sums.any() and not scratch.touched.any()


def test_adds_removals_and_saves_keep_scoring_right(tmp_path, monkeypatch):
    """Recent documents, a delta segment, hidden base documents and a full merge agree."""
    monkeypatch.setattr(lexical, "MIN_MERGE", 40)
    rng = random.Random(2)
    docs = random_docs(rng, range(1, 200))
    index = LexicalIndex.build((i, text, "en") for i, text in docs.items())
    for round_ in range(6):
        for doc_id in rng.sample(sorted(docs), 10):
            index.remove(doc_id)
            del docs[doc_id]
        for doc_id in rng.sample(range(1, 260), 15):  # new ids and replacements alike
            docs[doc_id] = " ".join(rng.choices(WORDS, k=rng.randint(1, 9)))
            index.add(doc_id, docs[doc_id], "en")
        assert_same_scores(index, docs, rng)
        manifest = index.save(tmp_path)
        assert_same_scores(index, docs, rng)
        reopened = LexicalIndex.load(tmp_path, manifest, mmap=round_ % 2 == 0)
        assert_same_scores(reopened, docs, rng)
        index = reopened
    assert len(manifest["segments"]) in (1, 2)


def test_small_changes_go_to_a_delta_and_big_ones_merge(tmp_path, monkeypatch):
    monkeypatch.setattr(lexical, "MIN_MERGE", 5)
    index = LexicalIndex.build((i, f"word{i} common", "en") for i in range(1, 101))
    first = index.save(tmp_path)
    assert len(first["segments"]) == 1 and first["hidden"] is None
    index.remove(1)
    index.add(2, "replaced text", "en")
    index.add(500, "brand new", "en")
    second = index.save(tmp_path)
    assert second["segments"][0] == first["segments"][0]  # the base is not rewritten
    assert len(second["segments"]) == 2 and second["hidden"]
    assert index.score_all("replaced", "en").top(5)[0][0] == 2
    assert index.score_all("word2", "en").top(5) == []
    assert index.score_all("word1", "en").top(5) == []
    for i in range(3, 20):
        index.remove(i)
    third = index.save(tmp_path)
    assert len(third["segments"]) == 1 and third["hidden"] is None
    assert len(LexicalIndex.load(tmp_path, third)) == len(index) == 100 - 1 - 17 + 1


def test_saving_unchanged_index_writes_nothing(tmp_path):
    index = LexicalIndex.build([(1, "alpha beta", "en")])
    manifest = index.save(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert index.save(tmp_path) is manifest
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_missing_segment_fails_to_load(tmp_path):
    index = LexicalIndex.build([(1, "alpha beta", "en")])
    manifest = index.save(tmp_path)
    for name in manifest["segments"]:
        for file in (tmp_path / name).iterdir():
            file.unlink()
    with pytest.raises(OSError):
        LexicalIndex.load(tmp_path, manifest)
    with pytest.raises(ValueError):
        LexicalIndex.load(tmp_path, {"nothing": 1})


def test_prune_keeps_named_and_recent_files(tmp_path, monkeypatch):
    index = LexicalIndex.build([(1, "alpha beta", "en")])
    old = index.save(tmp_path)
    index.add(2, "gamma", "en")
    index.remove(1)
    monkeypatch.setattr(lexical, "MIN_MERGE", 0)
    new = index.save(tmp_path)
    prune(tmp_path, set(new["segments"]))
    assert (tmp_path / old["segments"][0]).exists()  # too recent to delete
    monkeypatch.setattr(lexical, "KEEP_SECONDS", -1)
    prune(tmp_path, set(new["segments"]))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(new["segments"])
    assert LexicalIndex.load(tmp_path, new).score_all("gamma", "en").top(1)[0][0] == 2


def test_top_breaks_ties_by_id_and_respects_k():
    index = LexicalIndex.build((i, "same words here", "en") for i in (5, 3, 9, 1))
    assert [i for i, _ in index.score_all("same words", "en").top(3)] == [1, 3, 5]
    assert index.score_all("same words", "en").top(0) == []
    scored = index.score_all("same words", "en")
    assert scored.of([9, 42]) == {9: scored.as_dict()[9]}
