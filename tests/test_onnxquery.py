"""Search queries through ONNX Runtime: the same embeddings as torch, or torch itself."""

import logging
import threading

import numpy as np
import pytest

from claims import create_app
from claims.config import PACKAGED_MODEL
from claims.search import onnxquery as onnxquery_module
from claims.search.embedder import Embedder, resolve_model
from claims.search.onnxquery import PROBES, load_query_encoder

QUERIES = [
    "Le gouvernement a annoncé une hausse de 3 % du budget de la santé.",
    "The council approved a $1.8 billion transit plan on Monday.",
    "Selon l'Insee, le taux de chômage est descendu à 7,1 % au deuxième trimestre 2024, "
    "son plus bas niveau depuis 2008, mais il reste supérieur à celui de l'Allemagne. " * 8,
    "Vaccins",
]


@pytest.fixture(scope="module")
def onnx_dir(tmp_path_factory):
    """One export for the whole module (it takes seconds)."""
    return tmp_path_factory.mktemp("onnx")


@pytest.fixture(scope="module")
def onnx_embedder(onnx_dir):
    """The packaged model, with single texts on ONNX Runtime."""
    embedder = Embedder(PACKAGED_MODEL, onnx_dir=onnx_dir)
    assert embedder.prepare_queries()
    return embedder


@pytest.mark.model
def test_a_query_through_onnx_matches_torch(onnx_embedder, real_embedder):
    torch_rows = real_embedder.encode(QUERIES)
    for text, expected in zip(QUERIES, torch_rows, strict=True):
        found = onnx_embedder.encode([text])
        assert found.shape == (1, 384) and found.dtype == np.float32
        assert np.isclose(np.linalg.norm(found[0]), 1.0, atol=1e-5)
        assert float(found[0] @ expected) > 0.9999
    assert onnx_embedder._query is not None, "single texts should have gone through ONNX"


@pytest.mark.model
def test_batches_stay_on_torch(onnx_embedder, real_embedder):
    assert np.array_equal(onnx_embedder.encode(QUERIES), real_embedder.encode(QUERIES))


@pytest.mark.model
def test_queries_run_on_torch_until_the_export_is_ready(real_embedder, tmp_path, monkeypatch):
    release, calls = threading.Event(), []
    real_load = onnxquery_module.load_query_encoder

    def slow_export(*args):
        calls.append(1)
        release.wait(timeout=60)
        return real_load(*args)

    monkeypatch.setattr("claims.search.embedder.load_query_encoder", slow_export)
    embedder = Embedder(PACKAGED_MODEL, onnx_dir=tmp_path)
    first = embedder.encode(QUERIES[:1])
    assert np.array_equal(first, real_embedder.encode(QUERIES[:1])), "torch answered at once"
    embedder.encode(QUERIES[1:2])
    release.set()
    assert embedder.prepare_queries() and calls == [1], "one export, however many queries"
    assert embedder._query is not None  # later queries go through ONNX


@pytest.mark.model
def test_the_export_is_cached_and_reused(onnx_embedder, onnx_dir):
    (exported,) = onnx_dir.glob("*.onnx")
    written = exported.stat().st_mtime_ns
    other = Embedder(PACKAGED_MODEL, onnx_dir=onnx_dir)
    other.encode(QUERIES[:1])
    assert other._query is not None, "a cached export serves the very first query"
    assert exported.stat().st_mtime_ns == written
    assert list(onnx_dir.iterdir()) == [exported], "no temporary file is left behind"
    assert list(onnx_dir.iterdir()) == [exported], "no temporary file is left behind"


@pytest.mark.model
def test_a_damaged_export_is_made_again(real_embedder, tmp_path, onnx_dir):
    (exported,) = onnx_dir.glob("*.onnx")
    damaged = tmp_path / exported.name
    damaged.write_bytes(b"not an onnx file")
    model = real_embedder._load()
    path = resolve_model(PACKAGED_MODEL)
    encoder = load_query_encoder(model, path, tmp_path, real_embedder.encode)
    assert encoder is not None and damaged.stat().st_size > 1_000_000


@pytest.mark.model
def test_an_export_that_disagrees_with_torch_is_not_used(real_embedder, onnx_dir, caplog):
    model = real_embedder._load()
    path = resolve_model(PACKAGED_MODEL)

    def opposite(texts):
        return -real_embedder.encode(texts)

    with caplog.at_level(logging.WARNING):
        assert load_query_encoder(model, path, onnx_dir, opposite) is None
    assert "ONNX disagrees with torch" in caplog.text


def test_a_model_of_another_layout_stays_on_torch(tmp_path, caplog):
    class Dense:
        pass

    class Transformer:
        pass

    class Pooling:
        pooling_mode = "mean"

    with caplog.at_level(logging.INFO):
        found = load_query_encoder([Transformer(), Pooling(), Dense()], "x", tmp_path, None)
    assert found is None and "stay on torch" in caplog.text
    assert not list(tmp_path.iterdir())
    Pooling.pooling_mode = "max"
    assert load_query_encoder([Transformer(), Pooling()], "x", tmp_path, None) is None


def test_the_probes_cover_french_and_long_texts():
    assert any("é" in text for text in PROBES) and max(len(t) for t in PROBES) > 150


@pytest.mark.parametrize(("setting", "on_onnx"), [(None, True), ("torch", False), ("onnx", True)])
def test_the_query_engine_is_one_setting(monkeypatch, tmp_path, setting, on_onnx):
    monkeypatch.setenv("CLAIMS_ONNX_DIR", str(tmp_path / "cache"))
    if setting is None:
        monkeypatch.delenv("CLAIMS_QUERY_ENGINE", raising=False)
    else:
        monkeypatch.setenv("CLAIMS_QUERY_ENGINE", setting)
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}", "SECRET_KEY": "x"})
    embedder = app.extensions["claims"].embedder
    assert embedder.onnx_dir == ((tmp_path / "cache") if on_onnx else None)


def test_an_unknown_query_engine_is_named_in_a_warning(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("CLAIMS_QUERY_ENGINE", "off")
    with caplog.at_level(logging.WARNING):
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}", "SECRET_KEY": "x"})
    assert "CLAIMS_QUERY_ENGINE='off' is not onnx or torch: using onnx." in caplog.text
    assert app.extensions["claims"].embedder.onnx_dir is not None
