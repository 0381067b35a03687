"""Fusing dense and lexical scores."""

from claims.search.fusion import fuse


def test_fuse_combines_both_scores_and_sorts():
    matches = fuse({1: 0.9, 2: 0.5}, {2: 1.0, 3: 0.8}, dense_weight=0.5)
    assert [m.claim_id for m in matches] == [2, 1, 3]
    assert matches[0].score == 0.75
    assert matches[2].dense == 0.0 and matches[2].score == 0.4


def test_negative_cosine_counts_as_zero():
    assert fuse({1: -0.3}, {}, dense_weight=1.0)[0].score == 0.0
