"""Tests for claims.speakers: who a claim attributes its statement to."""

from __future__ import annotations

import pytest

from claims.text.speakers import MAX_SPEAKER_WORDS, find_speaker

FRENCH_CASES = [
    pytest.param(
        "\"Nous sommes convaincus que l'armée et le peuple russes remporteront certainement une "
        'grande victoire", a déclaré Kim Jong-un devant le chef du Kremlin, selon la traduction '
        "officielle à la télévision russe.",
        None,
        "Kim Jong-un",
        id="inverted-after-quote",
    ),
    pytest.param(
        'Pendant que Kim Jong-un se trouve en Russie, la Corée du Nord a tiré mercredi "un '
        "missile balistique non identifié en direction de la mer de l'Est\", a déclaré "
        "l'état-major interarmées de Séoul, employant le nom coréen de la mer du Japon.",
        None,
        "l'état-major interarmées de Séoul",
        id="inverted-noun-phrase",
    ),
    pytest.param(
        "\"C'est pourquoi nous sommes venus ici. Le dirigeant de la Corée du Nord montre un grand "
        "intérêt pour la technologie des fusées. Ils essaient de développer leur programme "
        'spatial", a dit Vladimir Poutine, selon des agences de presse russes.',
        None,
        "Vladimir Poutine",
        id="inverted-a-dit",
    ),
    pytest.param(
        "An Chan-il, un transfuge devenu chercheur qui dirige l'Institut mondial d'études sur la "
        "Corée du Nord, a déclaré à l'AFP que Moscou s'intéresse au stock d'obus d'artillerie.",
        None,
        "An Chan-il",
        id="subject-with-apposition",
    ),
    pytest.param(
        "Selon le président russe, Kim Jong-un assistera à Vladivostok à une démonstration de la "
        "marine militaire russe dans le Pacifique.",
        None,
        "le président russe",
        id="selon",
    ),
    pytest.param(
        '"La Russie respecte toutes ces restrictions. Mais il y a des choses dont nous pouvons '
        'certainement parler, nous en discutons (...). Et il y a des perspectives aussi", '
        "a-t-il affirmé à la télévision d'État russe.",
        "Vladimir Poutine",
        "Vladimir Poutine",
        id="pronoun-resolves-to-previous",
    ),
    pytest.param(
        '"La Russie respecte toutes ces restrictions. Et il y a des perspectives aussi", '
        "a-t-il affirmé à la télévision d'État russe.",
        None,
        None,
        id="pronoun-without-previous",
    ),
    pytest.param(
        "Une porte-parole de la diplomatie chinoise a, pour sa part, affirmé mercredi que ce "
        'sommet ne concernait que "les relations entre ces deux pays".',
        None,
        "Une porte-parole de la diplomatie chinoise",
        id="incise-between-aux-and-verb",
    ),
    pytest.param(
        'Vladimir Poutine a dit voir "des perspectives" de coopération militaire avec la Corée '
        "du Nord, malgré les sanctions internationales.",
        None,
        "Vladimir Poutine",
        id="a-dit-infinitive",
    ),
    pytest.param(
        "Tokyo a évoqué le lancement de deux missiles balistiques.",
        None,
        "Tokyo",
        id="single-word-subject",
    ),
    pytest.param(
        'La semaine dernière, la Maison Blanche a averti que la Corée du Nord "paierait le prix" '
        "si elle fournissait à la Russie des armes pour le conflit en Ukraine.",
        None,
        "la Maison Blanche",
        id="subject-after-time-adverbial",
    ),
    pytest.param(
        "Pékin reste le principal soutien politique et économique de Pyongyang.",
        "Vladimir Poutine",
        None,
        id="no-attribution",
    ),
    pytest.param(
        "Le dirigeant nord-coréen Kim Jong-un a assuré mercredi 13 septembre au président russe "
        'Vladimir Poutine que Moscou remporterait une "grande victoire" sur ses ennemis.',
        None,
        "Le dirigeant nord-coréen Kim Jong-un",
        id="long-subject-with-title",
    ),
    pytest.param(
        "« Nous irons jusqu'au bout », a déclaré M. Dupont mardi.",
        None,
        "M. Dupont",
        id="abbreviation-and-guillemets",
    ),
    pytest.param(
        "« Nous irons jusqu'au bout », dit-elle.",
        "Marie Curie",
        "Marie Curie",
        id="dit-elle",
    ),
    pytest.param(
        "Selon lui, la guerre durera encore longtemps.",
        "Vladimir Poutine",
        "Vladimir Poutine",
        id="selon-lui",
    ),
    pytest.param("Selon moi, c'est faux.", "Vladimir Poutine", None, id="selon-moi"),
    pytest.param(
        '"Il a déclaré la guerre à son voisin", a estimé le ministre.',
        None,
        "le ministre",
        id="verb-inside-quote-ignored",
    ),
    pytest.param(
        "Il a été dit que la réunion aurait lieu plus tard.",
        "Vladimir Poutine",
        None,
        id="impersonal-passive",
    ),
    pytest.param(
        "Le ministre affirme que le chômage a baissé.",
        None,
        "Le ministre",
        id="present-tense-que",
    ),
    pytest.param(
        "Nous irons jusqu'au bout, a déclaré le ministre.",
        None,
        "le ministre",
        id="inverted-without-quotes",
    ),
    pytest.param(
        "Rien n'a été communiqué officiellement sur un accord, comme évoqué par Washington.",
        None,
        "Washington",
        id="passive-par",
    ),
    pytest.param(
        "Mercredi, Dmitri Peskov, porte-parole du Kremlin, a déclaré que rien n'était signé.",
        None,
        "Dmitri Peskov",
        id="adverbial-then-apposition",
    ),
    pytest.param(
        "« C'est fini », a déclaré à l'AFP Jean Dupont, chercheur au CNRS.",
        None,
        "Jean Dupont",
        id="recipient-before-inverted-speaker",
    ),
    pytest.param(
        "On a dit que la réunion aurait lieu plus tard.",
        "Vladimir Poutine",
        None,
        id="indefinite-on",
    ),
]

ENGLISH_CASES = [
    pytest.param('"We will win," said John Smith.', None, "John Smith", id="inverted-said"),
    pytest.param('"We will win," he said.', "John Smith", "John Smith", id="he-said"),
    pytest.param('"We will win," he said.', None, None, id="he-said-without-previous"),
    pytest.param(
        "According to the Ministry of Health, cases rose by 12%.",
        None,
        "the Ministry of Health",
        id="according-to",
    ),
    pytest.param(
        "Senator Jane Doe said on Tuesday that taxes rose.",
        None,
        "Senator Jane Doe",
        id="title-and-name",
    ),
    pytest.param(
        "The White House warned that sanctions would follow.",
        None,
        "The White House",
        id="organisation",
    ),
    pytest.param("Prices rose 3% in May.", "John Smith", None, id="no-attribution"),
    pytest.param(
        "Smith, the mayor, said the vote was rigged.", None, "Smith", id="subject-apposition"
    ),
    pytest.param(
        '"It is over," the minister told reporters.', None, "the minister", id="told-reporters"
    ),
    pytest.param("Experts have said the risk is low.", None, "Experts", id="has-said"),
    pytest.param(
        "The tax was announced by the Treasury on Monday.",
        None,
        "the Treasury",
        id="passive-by",
    ),
    pytest.param('"We lost," she added.', "Jane Doe", "Jane Doe", id="she-added"),
    pytest.param("I can't say what happened there.", "John Smith", None, id="first-person"),
]


@pytest.mark.parametrize(("text", "previous", "expected"), FRENCH_CASES)
def test_find_speaker_french(text, previous, expected):
    """French attribution patterns: inverted quotes, selon, subjects, pronouns."""
    assert find_speaker(text, "fr", previous=previous) == expected


@pytest.mark.parametrize(("text", "previous", "expected"), ENGLISH_CASES)
def test_find_speaker_english(text, previous, expected):
    """English attribution patterns: said X, X said, according to, pronouns."""
    assert find_speaker(text, "en", previous=previous) == expected


def test_unknown_language_tries_every_rule_set():
    """An undetected language still finds French and English attributions."""
    assert find_speaker('"We will win," John Smith said.', "und") == "John Smith"
    assert find_speaker("Tokyo a évoqué le lancement de missiles.", "und") == "Tokyo"


def test_language_code_is_normalised():
    """Region suffixes and case select the same rules."""
    assert find_speaker("Tokyo a évoqué le lancement de missiles.", "fr-FR") == "Tokyo"


def test_french_rules_do_not_apply_to_english():
    """A French verb in an English-tagged sentence is not an attribution."""
    assert find_speaker("Tokyo a évoqué le lancement de missiles.", "en") is None


def test_speaker_is_kept_short():
    """A long inverted noun phrase is cut to MAX_SPEAKER_WORDS words."""
    text = (
        '"Nous gagnerons", a déclaré le très ancien et très respecté chef adjoint du grand '
        "parti national populaire."
    )
    speaker = find_speaker(text, "fr")
    assert speaker is not None
    assert speaker.startswith("le très ancien")
    assert len(speaker.split()) == MAX_SPEAKER_WORDS


def test_typographic_apostrophes_and_spaces_are_handled():
    """Curly apostrophes and non-breaking spaces behave like their plain forms."""
    text = "« C’est fini »,\u00a0a déclaré l’état-major de Séoul."
    assert find_speaker(text, "fr") == "l'état-major de Séoul"


def test_speaker_has_no_trailing_punctuation():
    """The speaker is stripped of closing punctuation and quotation marks."""
    assert find_speaker("« Assez ! », a dit Jean Dupont.", "fr") == "Jean Dupont"
    assert find_speaker('"Enough," said John Smith!"', "en") == "John Smith"
