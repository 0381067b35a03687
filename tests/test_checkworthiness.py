"""Tests for claims.checkworthiness: signals, the logistic score and its explanation."""

from __future__ import annotations

import dataclasses

import pytest

from claims.text.checkworthiness import SIGNALS, Signal, explain, score, signals

FACTUAL_FR = "Le chômage a baissé de 1,5 % en 2023 en France, son plus bas niveau."
FACTUAL_EN = "Unemployment in Germany fell to 4.2% in March 2023."
QUOTE_FR = (
    '"La Russie respecte toutes ces restrictions", a déclaré Vladimir Poutine '
    "à la télévision d'État russe."
)
QUOTE_EN = '"The border is closed," said Interior Minister John Smith.'
OPINION_FR = "Je pense que c'est peut-être une mauvaise idée pour tout le monde."
OPINION_EN = "I think this is probably a bad idea for everyone."


def names(text: str, language: str) -> set[str]:
    """Return the names of the signals that fire."""
    return {signal.name for signal in signals(text, language)}


def test_signal_names_are_unique_and_labelled():
    """Every signal has a distinct name and a non-empty English label."""
    assert len({signal.name for signal in SIGNALS}) == len(SIGNALS)
    assert all(signal.label.strip() for signal in SIGNALS)


def test_negative_signals_have_negative_weights():
    """Opinion, prediction and shortness pull the score down; the rest push it up."""
    negative = {signal.name for signal in SIGNALS if signal.weight < 0}
    assert negative == {"first_person_opinion", "future_or_conditional", "too_short"}


def test_signal_is_frozen():
    """Signals are immutable so the shared SIGNALS table cannot be altered at runtime."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        SIGNALS[0].weight = 10.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("", "fr"),
        ("Oui.", "fr"),
        (FACTUAL_FR * 5, "fr"),
        (FACTUAL_EN, "en"),
        (OPINION_EN, "en"),
        ("Je pense que je crois que peut-être sans doute probablement il semble.", "fr"),
        ("Selon 3 % des 1 500 sondés, 2 millions en 2020 le 13 septembre à Paris.", "fr"),
    ],
)
def test_score_is_a_probability_rounded_to_four_decimals(text, language):
    """Scores stay strictly inside [0, 1] and carry at most four decimals."""
    value = score(text, language)
    assert 0.0 <= value <= 1.0
    assert value == round(value, 4)


@pytest.mark.parametrize(("text", "language"), [(FACTUAL_FR, "fr"), (FACTUAL_EN, "en")])
def test_factual_sentence_scores_high(text, language):
    """A figure, a date and a named entity make a claim worth checking."""
    assert {"figure", "date", "named_entity"} <= names(text, language)
    assert score(text, language) > 0.7


@pytest.mark.parametrize(("text", "language"), [(QUOTE_FR, "fr"), (QUOTE_EN, "en")])
def test_reported_quote_with_speaker_scores_above_threshold(text, language):
    """An attributed quote is checkable even without figures."""
    assert score(text, language) > 0.6


@pytest.mark.parametrize(("text", "language"), [(OPINION_FR, "fr"), (OPINION_EN, "en")])
def test_vague_opinion_scores_low(text, language):
    """Hedged first-person opinion without entities or figures is not check-worthy."""
    assert "first_person_opinion" in names(text, language)
    assert score(text, language) < 0.4


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Le choix du cosmodrome pour tenir cette réunion est symbolique.", "fr"),
        ("The choice of venue for this meeting is symbolic.", "en"),
    ],
)
def test_sentence_without_signals_scores_low(text, language):
    """Unremarkable prose, with no signal at all, stays below the check-worthy range."""
    assert signals(text, language) == []
    assert score(text, language) < 0.4


@pytest.mark.parametrize(
    ("without", "with_", "language"),
    [
        (
            "Le gouvernement a augmenté les impôts.",
            "Le gouvernement a augmenté les impôts de 12 %.",
            "fr",
        ),
        (
            "Le chômage a baissé cette année.",
            "Le chômage a baissé de deux points cette année.",
            "fr",
        ),
        (
            "The government raised taxes on fuel.",
            "The government raised taxes on fuel by 3.5%.",
            "en",
        ),
        (
            "The army sent soldiers to the border.",
            "The army sent two thousand soldiers to the border.",
            "en",
        ),
    ],
)
def test_adding_a_figure_raises_the_score(without, with_, language):
    """The same sentence with a figure is more check-worthy."""
    assert score(with_, language) > score(without, language)


@pytest.mark.parametrize(
    ("without", "with_", "language"),
    [
        (
            "Le gouvernement a augmenté les impôts.",
            "Le gouvernement a augmenté les impôts en mars.",
            "fr",
        ),
        (
            "The government raised taxes on fuel.",
            "The government raised taxes on fuel on Tuesday.",
            "en",
        ),
    ],
)
def test_adding_a_date_raises_the_score(without, with_, language):
    """Mentioning when something happened makes it easier to check."""
    assert score(with_, language) > score(without, language)


@pytest.mark.parametrize(
    ("plain", "hedged", "language"),
    [
        (
            "Le chômage a baissé de 2 % en 2023.",
            "Je pense que le chômage a baissé de 2 % en 2023.",
            "fr",
        ),
        ("Unemployment fell by 2% in 2023.", "I think unemployment fell by 2% in 2023.", "en"),
    ],
)
def test_hedging_lowers_the_score(plain, hedged, language):
    """Wrapping a fact in an opinion marker lowers its score."""
    assert score(hedged, language) < score(plain, language)


@pytest.mark.parametrize(
    ("text", "language", "signal"),
    [
        ("Le taux a atteint 1,5 % selon les chiffres.", "fr", "figure"),
        ("Le taux a atteint 1,5 % selon les chiffres.", "fr", "percentage"),
        ("Quelque 1 500 soldats ont été déployés là-bas.", "fr", "figure"),
        ("Inflation reached 3.5% over the last year.", "en", "percentage"),
        ("Le pays a lancé deux missiles vers la mer.", "fr", "figure"),
        ("La dette atteint trois milliards pour la ville.", "fr", "figure"),
        ("The city owes three billion to its creditors.", "en", "figure"),
        ("Le taux a progressé de cinq pour cent sur un an.", "fr", "percentage"),
        ("Le sommet a eu lieu mercredi dans la capitale.", "fr", "date"),
        ("La réunion est prévue le 13 septembre dans la capitale.", "fr", "date"),
        ("The summit took place on Tuesday in the capital.", "en", "date"),
        ("The new law was passed back in 1998 by parliament.", "en", "date"),
        ("Il a rencontré le dirigeant Kim Jong-un hier soir.", "fr", "named_entity"),
        ("Le président s'est rendu aux États-Unis la veille.", "fr", "named_entity"),
        ("Il a rencontré des responsables de l'AFP la veille.", "fr", "named_entity"),
        ("The minister flew to Brussels for the talks.", "en", "named_entity"),
        ("Il a salué « une grande victoire » pour le pays.", "fr", "quote"),
        ("She praised “a great victory” for the nation.", "en", "quote"),
        ('Il a salué "une grande victoire" pour le pays.', "fr", "quote"),
        ("Le ministre a déclaré que la réforme était terminée.", "fr", "reporting_verb"),
        ('"C\'est terminé", a-t-il affirmé devant la presse.', "fr", "reporting_verb"),
        ("Selon le ministère, la réforme est terminée depuis longtemps.", "fr", "reporting_verb"),
        ("D'après la police, la manifestation a rassemblé du monde.", "fr", "reporting_verb"),
        ("According to the police, the protest drew a crowd.", "en", "reporting_verb"),
        ("The minister said the reform was over now.", "en", "reporting_verb"),
        ("Le chômage est plus élevé que l'an dernier ici.", "fr", "comparison"),
        ("It is the largest protest in the city so far.", "en", "comparison"),
        ("Les vols sont annulés en raison de la grève des pilotes.", "fr", "causal"),
        ("Flights were cancelled because of the pilots' strike.", "en", "causal"),
        ("À mon avis, la situation est très compliquée.", "fr", "first_person_opinion"),
        ("Maybe the situation is more complicated than that.", "en", "first_person_opinion"),
        ("La Corée du Nord paierait le prix de ses actes.", "fr", "future_or_conditional"),
        ("Le gouvernement augmentera les impôts sur le carburant.", "fr", "future_or_conditional"),
        ("The government will raise taxes on fuel soon.", "en", "future_or_conditional"),
        ("The economy may slow down over the summer.", "en", "future_or_conditional"),
        ("Pas du tout.", "fr", "too_short"),
    ],
)
def test_signal_fires(text, language, signal):
    """Each signal fires on a sentence built to contain it."""
    assert signal in names(text, language)


@pytest.mark.parametrize(
    ("text", "language", "signal"),
    [
        ("Le sommet a eu lieu en 2019 dans la capitale.", "fr", "figure"),
        ("Le sommet a eu lieu le 13 septembre dans la capitale.", "fr", "figure"),
        ("Prices rose sharply in May across the region.", "en", "future_or_conditional"),
        ("Prices may rise sharply across the whole region.", "en", "date"),
        ("Tokyo a évoqué le lancement de missiles balistiques.", "fr", "named_entity"),
        ('"Nous gagnerons", a répondu le ministre sans hésiter.', "fr", "named_entity"),
        ("Prices rose sharply in May across the region.", "en", "named_entity"),
        ("Selon moi, la situation est très compliquée.", "fr", "reporting_verb"),
        ("Le ministre a visité une usine de voitures neuves.", "fr", "figure"),
        ("Le ministre a visité une usine de voitures neuves.", "fr", "too_short"),
        ("The minister visited a car factory in the north.", "en", "quote"),
    ],
)
def test_signal_does_not_fire(text, language, signal):
    """Signals stay quiet on look-alikes: years, modal "may", sentence-initial capitals…"""
    assert signal not in names(text, language)


def test_signals_come_in_table_order():
    """signals() lists Signal objects in SIGNALS order, so the UI can rely on it."""
    fired = signals(FACTUAL_EN, "en")
    assert all(isinstance(signal, Signal) for signal in fired)
    order = [SIGNALS.index(signal) for signal in fired]
    assert order == sorted(order)


def test_explain_lists_positive_labels_strongest_first():
    """explain() returns the labels of positive signals sorted by decreasing weight."""
    labels = explain(FACTUAL_FR, "fr")
    by_label = {signal.label: signal for signal in SIGNALS}
    assert labels[0] == "contains a figure"
    assert {"mentions a date", "names a person, place or organisation"} <= set(labels)
    weights = [by_label[label].weight for label in labels]
    assert weights == sorted(weights, reverse=True)


def test_explain_omits_negative_signals():
    """Only reasons that raise the score are shown as "why this scored high"."""
    labels = explain("Je pense que la France augmentera ses impôts.", "fr")
    assert "opinion or hedging" not in labels
    assert "prediction or conditional" not in labels
    assert labels == ["names a person, place or organisation"]


def test_explain_is_empty_for_vague_opinion():
    """A vague opinion has nothing to recommend it."""
    assert explain(OPINION_EN, "en") == []


def test_language_vocabularies_are_separate():
    """French reporting verbs do not count in English text and vice versa."""
    assert "reporting_verb" in names("Le ministre a déclaré la fin de la grève.", "fr")
    assert "reporting_verb" not in names("Le ministre a déclaré la fin de la grève.", "en")
    assert "reporting_verb" not in names("The minister said the strike was over.", "fr")


@pytest.mark.parametrize("language", ["FR", "fr-FR", " fr "])
def test_language_codes_are_normalised(language):
    """Region suffixes and case do not change the French vocabulary."""
    assert score(QUOTE_FR, language) == score(QUOTE_FR, "fr")


def test_unknown_language_uses_every_vocabulary():
    """An undetected language still gets French and English cues."""
    assert "reporting_verb" in names("The minister said it was over.", "und")
    assert "reporting_verb" in names("Le ministre a déclaré la fin.", "und")


def test_signals_are_computed_once_but_each_caller_gets_its_own_list():
    text = "Le chômage a baissé de 3 % en 2024, selon l'Insee."
    first = signals(text, "fr")
    first.clear()
    again = signals(text, "fr")
    assert again and again is not first
    assert [s.name for s in again] == [s.name for s in signals(text, "fr")]
