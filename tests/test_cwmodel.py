"""Tests for claims.cwmodel: features, training, persistence, blending and the TSV reader."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from claims.config import PACKAGED_MODEL
from claims.errors import InvalidInput
from claims.text.checkworthiness import SIGNALS, score
from claims.text.cwmodel import (
    FOREIGN_MODEL_SHARE,
    CheckworthinessModel,
    combine,
    csv_quoted,
    default_path,
    f1_report,
    feature_names,
    features,
    read_labelled,
    train,
    unquote,
)

DEV_TSV = Path(__file__).resolve().parents[2] / "shared/bench/checkworthiness/ct2024-t1/dev.tsv"
# Yes-class F1 of the shipped model on dev, measured when the weights were trained.
MEASURED_DEV_F1 = 0.841
DIM = 8
FACTUAL = "The unemployment rate fell to 3.5 percent last year."
OPINION = "I think we should all be kind to each other."
EXTRA_COLUMNS = len(feature_names(0))


def synthetic(rows: int = 200, seed: int = 0) -> tuple[np.ndarray, list[str], list[int]]:
    """Return separable unit-norm embeddings, matching texts and alternating labels."""
    rng = np.random.default_rng(seed)
    labels = [i % 2 for i in range(rows)]
    centre = np.zeros(DIM)
    centre[0] = 1.0
    vectors = rng.normal(scale=0.5, size=(rows, DIM)) + np.outer(np.array(labels) * 2 - 1, centre)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = [FACTUAL if label else OPINION for label in labels]
    return vectors.astype(np.float32), texts, labels


@pytest.fixture(scope="module")
def fitted() -> CheckworthinessModel:
    """A model trained once on the synthetic data."""
    embeddings, texts, labels = synthetic()
    return train(embeddings, texts, labels, C=0.1, threshold=0.4, model_name="test-model")


def write_tsv(path: Path, lines: list[str]) -> Path:
    """Write the given lines as a UTF-8 file and return its path."""
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_features_stack_embedding_signals_and_surface_cues():
    """Each row is the embedding, one flag per signal, word count, question mark, heuristic."""
    embeddings = np.eye(2, DIM, dtype=np.float32)
    matrix = features(embeddings, [FACTUAL, "Is this true?"], ["en", "en"])
    names = feature_names(DIM)
    assert matrix.shape == (2, DIM + len(SIGNALS) + 3) == (2, len(names))
    np.testing.assert_allclose(matrix[:, :DIM], embeddings)
    factual = dict(zip(names, matrix[0], strict=True))
    assert factual["signal_figure"] == factual["signal_percentage"] == 1.0
    assert factual["signal_first_person_opinion"] == 0.0
    assert factual["log_words"] == pytest.approx(np.log1p(9))
    p = score(FACTUAL, "en")
    assert factual["heuristic_logit"] == pytest.approx(np.log(p / (1 - p)))
    assert dict(zip(names, matrix[1], strict=True))["question"] == 1.0


def test_features_use_the_language_of_each_text():
    """French vocabulary fires for French text only when the language says so."""
    text = "Je pense que c'est peut-être une mauvaise idée pour tout le monde."
    matrix = features(np.zeros((2, DIM)), [text, text], ["fr", "en"])
    column = feature_names(DIM).index("signal_first_person_opinion")
    assert matrix[:, column].tolist() == [1.0, 0.0]


def test_features_reject_mismatched_rows():
    """Embeddings, texts and languages must line up."""
    with pytest.raises(InvalidInput):
        features(np.zeros((2, DIM)), [FACTUAL], ["en"])
    with pytest.raises(InvalidInput):
        features(np.zeros((1, DIM)), [FACTUAL], ["en", "fr"])


def test_train_separates_the_classes(fitted):
    """The learned model ranks every positive above every negative on separable data."""
    embeddings, texts, labels = synthetic(seed=1)
    probabilities = fitted.predict_proba(embeddings, texts, ["en"] * len(texts))
    assert probabilities.shape == (len(texts),)
    assert ((probabilities > 0) & (probabilities < 1)).all()
    assert f1_report(labels, fitted.predict(embeddings, texts, ["en"] * len(texts)))["f1"] == 1.0
    assert len(fitted.weights) == DIM + EXTRA_COLUMNS
    assert fitted.settings["C"] == 0.1
    assert fitted.model_name == "test-model"


def test_train_is_deterministic():
    """Two fits on the same data give identical weights."""
    embeddings, texts, labels = synthetic()
    first = train(embeddings, texts, labels)
    second = train(embeddings, texts, labels)
    assert first.weights == second.weights
    assert first.bias == second.bias


def test_train_needs_both_classes():
    """A single-class training set is refused with a clear message."""
    embeddings, texts, _ = synthetic(rows=10)
    with pytest.raises(InvalidInput, match="both classes"):
        train(embeddings, texts, [1] * 10)


def test_threshold_decides_predictions(fitted):
    """predict() is predict_proba() compared with the threshold."""
    embeddings, texts, _ = synthetic(rows=20, seed=2)
    languages = ["en"] * len(texts)
    probabilities = fitted.predict_proba(embeddings, texts, languages)
    expected = (probabilities >= fitted.threshold).astype(int)
    np.testing.assert_array_equal(fitted.predict(embeddings, texts, languages), expected)
    fitted_all = dataclasses.replace(fitted, threshold=0.0)
    assert fitted_all.predict(embeddings, texts, languages).all()


def test_save_load_round_trip(fitted, tmp_path):
    """Saved weights are rounded, small, and predict what the original model did."""
    path = tmp_path / "model.json"
    fitted.save(path)
    loaded = CheckworthinessModel.load(path)
    assert path.stat().st_size < 5_000
    assert json.loads(path.read_text(encoding="utf-8"))["model_name"] == "test-model"
    assert loaded.threshold == fitted.threshold
    assert loaded.feature_names == fitted.feature_names
    assert loaded.settings == fitted.settings
    embeddings, texts, _ = synthetic(rows=20, seed=3)
    languages = ["en"] * len(texts)
    np.testing.assert_allclose(
        loaded.predict_proba(embeddings, texts, languages),
        fitted.predict_proba(embeddings, texts, languages),
        atol=1e-5,
    )


def test_load_reports_missing_and_malformed_files(tmp_path):
    """A missing or broken weights file raises InvalidInput, not a raw exception."""
    with pytest.raises(InvalidInput, match="No check-worthiness model file"):
        CheckworthinessModel.load(tmp_path / "absent.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"weights": [1.0]}', encoding="utf-8")
    with pytest.raises(InvalidInput, match="malformed"):
        CheckworthinessModel.load(broken)


def test_predict_proba_rejects_other_embedding_sizes(fitted):
    """Embeddings from a different model are refused rather than silently misread."""
    with pytest.raises(InvalidInput, match="8-dimensional"):
        fitted.predict_proba(np.zeros((1, DIM + 1)), [FACTUAL], ["en"])


def test_packaged_weights_are_small_and_complete():
    """The shipped file loads, targets the packaged 384-d model and stays under 100 kB."""
    path = default_path()
    assert path == CheckworthinessModel.default_path()
    assert path.parent.name == "data" and path.parent.parent.name == "text"
    assert path.stat().st_size < 100_000
    model = CheckworthinessModel.load()
    assert model.model_name == PACKAGED_MODEL
    assert model.dimension == 384
    assert 0.0 < model.threshold < 1.0
    assert "train" in model.trained_on
    assert model.settings["C"] > 0


def test_combine_uses_the_model_for_english():
    """English has training data, so the learned probability is used as is."""
    assert combine(0.9, 0.1, "en") == 0.9
    assert combine(0.2, 0.8, "EN") == 0.2


@pytest.mark.parametrize("language", ["fr", "fr-FR", "de", ""])
def test_combine_blends_the_heuristic_for_other_languages(language):
    """Untrained languages get the fixed blend of learned probability and heuristic."""
    expected = FOREIGN_MODEL_SHARE * 0.9 + (1 - FOREIGN_MODEL_SHARE) * 0.1
    assert combine(0.9, 0.1, language) == pytest.approx(expected)
    assert 0.0 <= combine(1.0, 1.0, language) <= 1.0
    assert combine(0.0, 0.0, language) == 0.0


def test_read_labelled_parses_and_unquotes(tmp_path):
    """Labels map to 1/0 and the files' CSV quoting is undone."""
    path = write_tsv(
        tmp_path / "ok.tsv",
        [
            "id\ttext\tlabel",
            "1\tTaxes rose by 4 percent.\tYes",
            '2\t"Well, he said ""no"" twice."\tNo',
            '3\t"Unbalanced "quote" kept as is"\tNo',
        ],
    )
    texts, labels = read_labelled(path)
    assert texts == [
        "Taxes rose by 4 percent.",
        'Well, he said "no" twice.',
        '"Unbalanced "quote" kept as is"',
    ]
    assert labels == [1, 0, 0]


def test_unquote_inverts_csv_quoted():
    """The writer's quoting and unquote() are inverses for texts with commas or quotes."""
    for text in ['Well, he said "no".', "No comma here.", 'A "quote" alone']:
        assert unquote(csv_quoted(text)) == text
    assert csv_quoted("No comma here.") == "No comma here."


def test_read_labelled_missing_file(tmp_path):
    """A missing file is an InvalidInput naming the path."""
    with pytest.raises(InvalidInput, match="does not exist"):
        read_labelled(tmp_path / "nope.tsv")


@pytest.mark.parametrize("header", ["id\tsentence\tlabel", "id,text,label", ""])
def test_read_labelled_bad_header(tmp_path, header):
    """A file without the id/text/label header is refused."""
    path = write_tsv(tmp_path / "bad.tsv", [header, "1\tSome sentence here.\tYes"])
    with pytest.raises(InvalidInput, match="header"):
        read_labelled(path)


def test_read_labelled_bad_label(tmp_path):
    """A label other than Yes or No is refused with its line number, unless skipping."""
    path = write_tsv(
        tmp_path / "bad.tsv",
        ["id\ttext\tlabel", "1\tFine sentence.\tYes", "2\tBroken row.\tNo29286"],
    )
    with pytest.raises(InvalidInput, match=r"Line 3 .*'No29286'; expected Yes or No"):
        read_labelled(path)
    assert read_labelled(path, skip_invalid_labels=True) == (["Fine sentence."], [1])


def test_read_labelled_wrong_column_count(tmp_path):
    """A row without exactly three columns is refused."""
    path = write_tsv(tmp_path / "bad.tsv", ["id\ttext\tlabel", "1\tNo label column"])
    with pytest.raises(InvalidInput, match="three columns"):
        read_labelled(path)


def test_f1_report_counts_the_yes_class():
    """Precision, recall and F1 are those of the positive (Yes) class."""
    report = f1_report([1, 1, 0, 0, 1], [1, 0, 1, 0, 1])
    assert report == pytest.approx({"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3})
    assert f1_report([1, 0], [0, 0]) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    with pytest.raises(InvalidInput):
        f1_report([1, 0], [1])


@pytest.mark.model
def test_shipped_model_ranks_a_factual_claim_above_an_opinion(real_embedder):
    """With real embeddings a statistic outranks a platitude, and crosses the threshold."""
    model = CheckworthinessModel.load()
    texts = [FACTUAL, OPINION]
    probabilities = model.predict_proba(real_embedder.encode(texts), texts, ["en", "en"])
    assert probabilities[0] > probabilities[1]
    assert probabilities[0] >= model.threshold > probabilities[1]


@pytest.mark.model
def test_shipped_model_f1_on_dev(real_embedder):
    """The shipped weights keep their measured Yes-class F1 on the CheckThat! 2024 dev split."""
    if not DEV_TSV.is_file():
        pytest.skip(f"CheckThat! 2024 task 1 dev split not found at {DEV_TSV}")
    model = CheckworthinessModel.load()
    texts, labels = read_labelled(DEV_TSV)
    predictions = model.predict(real_embedder.encode(texts), texts, ["en"] * len(texts))
    assert f1_report(labels, predictions)["f1"] >= MEASURED_DEV_F1 - 0.02
