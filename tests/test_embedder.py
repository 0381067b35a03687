"""The packaged model through the Embedder: one query on one torch thread, batches as before."""

import numpy as np
import pytest
import torch

from claims.embedder import by_token_count

pytestmark = pytest.mark.model

TEXTS = [
    "Le gouvernement a annoncé une hausse de 3 % du budget de la santé.",
    "The council approved a $1.8 billion transit plan on Monday.",
]


def test_a_single_query_encodes_like_a_batch_row_and_restores_the_threads(real_embedder):
    torch.set_num_threads(2)
    batch = real_embedder.encode(TEXTS)
    single = real_embedder.encode(TEXTS[:1])[0]
    assert torch.get_num_threads() == 2
    assert single.dtype == np.float32 and np.isclose(np.linalg.norm(single), 1.0, atol=1e-5)
    assert float(single @ batch[0]) > 0.9999
    assert float(single @ batch[1]) < 0.5


def test_only_single_texts_switch_to_one_thread(real_embedder, monkeypatch):
    model = real_embedder._load()
    original, seen = model.encode, []

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(model, "encode", spy)
    torch.set_num_threads(2)
    real_embedder.encode(TEXTS[:1])
    real_embedder.encode(TEXTS)
    assert seen == [1, 2]


def test_batches_group_texts_by_token_count_and_match_bare_encode(real_embedder, monkeypatch):
    model = real_embedder._load()
    short = [f"Le taux est de {n} %." for n in range(40)]
    long = [
        f"Selon le rapport publié le {n} mars, le déficit public a atteint 5,5 % du produit "
        "intérieur brut, bien au-delà des prévisions du gouvernement et de la Commission."
        for n in range(40)
    ]
    texts = [text for pair in zip(short, long, strict=True) for text in pair]
    expected = model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    original, widths = model.encode, []

    def spy(batch, **kwargs):
        widths.append(sorted({len(model.tokenizer(text)["input_ids"]) for text in batch}))
        return original(batch, **kwargs)

    monkeypatch.setattr(model, "encode", spy)
    vectors = real_embedder.encode(texts)
    assert vectors.shape == expected.shape and vectors.dtype == np.float32
    assert np.allclose(vectors, expected, atol=1e-5)
    # Interleaved short and long texts: no batch mixes the two kinds.
    assert len(widths) == 3
    assert max(widths[0]) > 30 and max(widths[-1]) < 15


def test_a_model_without_a_text_tokenizer_is_ordered_by_characters():
    class Untokenised:
        max_seq_length = 128

    order = by_token_count(Untokenised(), ["ab", "abcd", "a", "abc"])
    assert order.tolist() == [1, 3, 0, 2]
