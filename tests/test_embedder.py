"""The Embedder: one query on one torch thread, batches of texts alike in token count."""

import numpy as np
import pytest
import torch

from claims.search.embedder import by_token_count

TEXTS = [
    "Le gouvernement a annoncé une hausse de 3 % du budget de la santé.",
    "The council approved a $1.8 billion transit plan on Monday.",
]


@pytest.mark.model
def test_a_single_query_encodes_like_a_batch_row_and_restores_the_threads(real_embedder):
    torch.set_num_threads(2)
    batch = real_embedder.encode(TEXTS)
    single = real_embedder.encode(TEXTS[:1])[0]
    assert torch.get_num_threads() == 2
    assert single.dtype == np.float32 and np.isclose(np.linalg.norm(single), 1.0, atol=1e-5)
    assert float(single @ batch[0]) > 0.9999
    assert float(single @ batch[1]) < 0.5


@pytest.mark.model
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


@pytest.mark.model
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
    # 40 long texts, then 40 short: the first batch is all long, the last all short.
    assert len(widths) == 3
    assert max(widths[0]) > 30 and max(widths[-1]) < 15


class Counted:
    """A model stand-in whose token counts disagree with character counts."""

    tokens = {"a a a a": 2, "bb": 6, "c": 4}

    def preprocess(self, texts):
        return {
            "attention_mask": torch.tensor(
                [[1] * self.tokens[t] + [0] * (9 - self.tokens[t]) for t in texts]
            )
        }


def test_texts_are_ordered_by_token_count_not_characters():
    assert by_token_count(Counted(), ["a a a a", "bb", "c"]).tolist() == [1, 2, 0]


def test_a_model_that_cannot_count_tokens_is_ordered_by_characters():
    class Untokenised:
        def preprocess(self, texts):
            raise RuntimeError("no text processor")

    order = by_token_count(Untokenised(), ["ab", "abcd", "a", "abc"])
    assert order.tolist() == [1, 3, 0, 2]


@pytest.mark.model
def test_no_texts_give_no_rows(real_embedder):
    assert real_embedder._encode_torch([]).shape == (0, 384)
    assert real_embedder.encode([]).shape == (0, 384)
