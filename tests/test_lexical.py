"""BM25 with accent folding, stop words and stemming."""

from claims.lexical import LexicalIndex, fold, tokenize


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
    hits = index.search("Tokyo évoque deux missiles balistiques", "fr", 3)
    assert hits[0][0] == 1
    assert 0 < hits[0][1] <= 1
    assert all(claim_id != 3 for claim_id, _ in hits)
    exact = index.search("Tokyo a évoqué le lancement de deux missiles balistiques.", "fr", 1)
    assert exact[0] == (1, 1.0)


def test_accents_do_not_matter():
    index = LexicalIndex()
    index.add(1, "La sécheresse frappe la région", "fr")
    assert index.search("secheresse", "fr", 1)[0][0] == 1


def test_remove_and_replace():
    index = LexicalIndex()
    index.add(1, "alpha beta", "en")
    index.add(2, "beta gamma", "en")
    index.remove(1)
    assert len(index) == 1
    assert index.search("alpha", "en", 5) == []
    index.add(2, "delta", "en")
    assert index.search("gamma", "en", 5) == []
    assert index.search("delta", "en", 5)[0][0] == 2


def test_empty_query_or_index_gives_nothing():
    assert LexicalIndex().search("anything", "en", 5) == []
    index = LexicalIndex()
    index.add(1, "text", "en")
    assert index.search("the of", "en", 5) == []
