"""The packaged model through the Embedder: one query on one torch thread, batches as before."""

import numpy as np
import pytest
import torch

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
