"""BM25 with accent folding, stop words and stemming."""

import math
import random
import shutil
from collections import Counter

import pytest

from claims.search.lexical import LexicalIndex, fieldnorm, fold, tokenize


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


# --- the tantivy base: builds, saves, and what changed since ------------------------------

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
    """BM25 computed the plain way, to check the index against."""
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


def random_docs(rng: random.Random, ids) -> dict[int, str]:
    return {i: " ".join(rng.choices(WORDS, k=rng.randint(0, 9))) for i in ids}


def queries(rng: random.Random) -> list[str]:
    return [" ".join(rng.choices(WORDS, k=rng.randint(1, 4))) for _ in range(20)]


def assert_scores(index: LexicalIndex, docs: dict[int, str], rng: random.Random, rel: float):
    """Check every query's matches and scores against plain BM25, and score_many too."""
    assert len(index) == len(docs)
    asked = queries(rng)
    for query in asked:
        got, want = index.score_all(query, "en").as_dict(), reference_scores(docs, query)
        assert got.keys() == want.keys(), query
        assert got == pytest.approx(want, rel=rel), query
    asked += ["", "the of", "unknown words"]
    for query, many in zip(asked, index.score_many(asked, ["en"] * len(asked)), strict=True):
        assert many.as_dict() == index.score_all(query, "en").as_dict(), query


def test_documents_held_in_memory_score_like_plain_bm25():
    rng = random.Random(1)
    docs = random_docs(rng, range(1, 300))
    index = LexicalIndex()
    index.add_many((i, text, "en") for i, text in docs.items())
    assert_scores(index, docs, rng, rel=1e-12)


@pytest.mark.parametrize("on_disk", [False, True])
def test_a_built_index_scores_like_plain_bm25(tmp_path, on_disk):
    """tantivy scores in 32-bit floats: equal to a millionth."""
    rng = random.Random(2)
    docs = random_docs(rng, range(1, 300))
    folder = tmp_path / "bm25" if on_disk else None
    index = LexicalIndex.build(((i, text, "en") for i, text in docs.items()), folder)
    assert_scores(index, docs, rng, rel=1e-5)
    if on_disk:
        assert_scores(LexicalIndex.load(folder), docs, rng, rel=1e-5)


def test_a_claim_scores_the_same_in_the_snapshot_and_added_since(tmp_path):
    """Recent documents are scored with the base's statistics and its rounded lengths."""
    rng = random.Random(3)
    words = [f"w{i}" for i in range(300)]
    docs = {i: " ".join(rng.choices(words, k=rng.randint(1, 300))) for i in range(1, 200)}
    LexicalIndex.build(((i, t, "en") for i, t in docs.items()), tmp_path / "base")
    index = LexicalIndex.load(tmp_path / "base")
    index.add_many((1000 + i, text, "en") for i, text in docs.items())
    for query in ["w1", "w2 w3 w4", docs[5], docs[150]]:
        scores = index.score_all(query, "en").as_dict()
        for i in docs:
            assert (i in scores) == (1000 + i in scores), (query, i)
            assert scores.get(i, 0) == pytest.approx(scores.get(1000 + i, 0), rel=1e-4), query


def test_lengths_are_rounded_as_tantivy_stores_them():
    assert [fieldnorm(n) for n in (0, 1, 23, 24, 39, 40, 41, 42, 43, 56, 57)] == [
        0, 1, 23, 24, 39, 40, 40, 42, 42, 56, 56,
    ]  # fmt: skip
    assert all(fieldnorm(n) <= n <= 1.125 * fieldnorm(n) for n in range(1, 5000))


def test_changes_after_a_snapshot_are_seen_and_saved(tmp_path):
    """Removals hide snapshot documents, additions and replacements show, then save whole."""
    rng = random.Random(4)
    docs = random_docs(rng, range(1, 200))
    LexicalIndex.build(((i, text, "en") for i, text in docs.items()), tmp_path / "0")
    index = LexicalIndex.load(tmp_path / "0")
    for round_ in range(1, 5):
        for doc_id in rng.sample(sorted(docs), 10):
            index.remove(doc_id)
            del docs[doc_id]
        added = {
            i: " ".join(rng.choices(WORDS, k=rng.randint(1, 9)))
            for i in rng.sample(range(1, 260), 15)
        }
        docs |= added  # new ids and replacements alike
        index.add_many((i, text, "en") for i, text in added.items())
        # The statistics stay the snapshot's until the next one: the matches are exact.
        assert len(index) == len(docs)
        for query in queries(rng):
            assert (
                index.score_all(query, "en").as_dict().keys()
                == reference_scores(docs, query).keys()
            )
        index.frozen().save(tmp_path / str(round_))
        shutil.rmtree(tmp_path / str(round_ - 1))  # the new one links its files, not to them
        index = LexicalIndex.load(tmp_path / str(round_))
        assert len(index) == len(docs)
        for query in queries(rng):
            assert (
                index.score_all(query, "en").as_dict().keys()
                == reference_scores(docs, query).keys()
            )


def test_saving_twice_from_one_moment_gives_the_same_index(tmp_path):
    index = LexicalIndex.build([(1, "alpha beta", "en"), (2, "beta gamma", "en")], tmp_path / "a")
    index.add(3, "gamma delta", "en")
    index.remove(1)
    frozen = index.frozen()
    index.add(4, "after the freeze", "en")
    frozen.save(tmp_path / "b")
    saved = LexicalIndex.load(tmp_path / "b")
    assert len(saved) == 2 and saved.score_all(
        "beta gamma delta freeze", "en"
    ).as_dict().keys() == {2, 3}
    with pytest.raises(ValueError):
        LexicalIndex.load(tmp_path / "nothing")


def test_the_best_k_and_any_other_claim_score_as_in_the_full_list(tmp_path):
    rng = random.Random(5)
    docs = random_docs(rng, range(1, 300))
    LexicalIndex.build(((i, text, "en") for i, text in docs.items()), tmp_path / "base")
    index = LexicalIndex.load(tmp_path / "base")
    index.remove(7)
    for query in queries(rng):
        full = index.score_all(query, "en").as_dict()
        best = index.score_all(query, "en", 5)
        assert [i for i, _ in best.top(5)] == [i for i, _ in index.score_all(query, "en").top(5)]
        assert best.of(sorted(full)) == full and best.of([7, 9999]) == {}
        with pytest.raises(ValueError):
            best.as_dict()


def test_top_breaks_ties_by_id_and_respects_k():
    index = LexicalIndex.build((i, "same words here", "en") for i in (5, 3, 9, 1))
    assert [i for i, _ in index.score_all("same words", "en").top(3)] == [1, 3, 5]
    assert index.score_all("same words", "en").top(0) == []
    scored = index.score_all("same words", "en")
    assert scored.of([9, 42]) == {9: scored.as_dict()[9]}
