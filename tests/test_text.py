"""Tests for claims.text: cleaning, language detection, sentence splitting, claim extraction."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from claims.text import sentences as text_module
from claims.text.language import detect_language
from claims.text.normalise import html_to_text, looks_like_html, normalise
from claims.text.sentences import (
    Span,
    extract_claims,
    is_claim_candidate,
    is_heading,
)

SEED_PATH = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_80195b25ecaf3ebc.txt"

POUTINE_QUOTE = (
    "\"C'est pourquoi nous sommes venus ici. Le dirigeant de la Corée du Nord montre un grand "
    'intérêt pour la technologie des fusées. Ils essaient de développer leur programme spatial", '
    "a dit Vladimir Poutine, selon des agences de presse russes."
)


def split_sentences(body: str, language: str) -> list[Span]:
    """Return every sentence of the body, headings included: what extract_claims filters."""
    return list(text_module._sentences(body, language))


def sentences(body: str, language: str) -> list[str]:
    """Split the body and check every span is exact before returning the texts."""
    spans = split_sentences(body, language)
    assert_exact(body, spans)
    return [span.text for span in spans]


def assert_exact(body: str, spans: list[Span]) -> None:
    """Assert each span slices the body to its text, stripped, in increasing order."""
    previous_end = 0
    for span in spans:
        assert body[span.start : span.end] == span.text
        assert span.text == span.text.strip()
        assert span.text
        assert span.start >= previous_end
        previous_end = span.end


# --- seed article ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_body() -> str:
    """Return the normalised French seed article, or skip if the shared copy is absent."""
    if not SEED_PATH.exists():
        pytest.skip(f"shared seed article not found at {SEED_PATH}")
    return normalise(SEED_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seed_claims(seed_body: str) -> list[Span]:
    """Return the claims extracted from the seed article."""
    return extract_claims(seed_body, "fr")


def test_seed_yields_many_claims(seed_claims: list[Span]) -> None:
    """The seed article gives at least 20 claims."""
    assert len(seed_claims) >= 20


def test_seed_claim_spans_are_exact(seed_body: str, seed_claims: list[Span]) -> None:
    """Every claim span slices the body exactly and spans come in body order."""
    assert_exact(seed_body, seed_claims)


def test_seed_contains_expected_claims(seed_claims: list[Span]) -> None:
    """Two known sentences of the article are extracted as claims."""
    texts = [claim.text for claim in seed_claims]
    assert any("Tokyo a évoqué le lancement de deux missiles balistiques" in t for t in texts)
    assert any("un missile balistique non identifié" in t for t in texts)


def test_seed_tokyo_sentence_is_separate(seed_claims: list[Span]) -> None:
    """The Tokyo sentence is its own claim, not glued to the Seoul quote before it."""
    texts = [claim.text for claim in seed_claims]
    assert "Tokyo a évoqué le lancement de deux missiles balistiques." in texts


def test_seed_headings_are_not_claims(seed_body: str, seed_claims: list[Span]) -> None:
    """The two heading lines are detected as headings and never returned as claims."""
    headings = [
        '"Nous serons toujours avec la Russie"',
        "Intérêt de Pyongyang pour les technologies",
    ]
    texts = [claim.text for claim in seed_claims]
    for heading in headings:
        assert heading in seed_body
        assert not any(t.startswith(heading) for t in texts)
    assert is_heading('"Nous serons toujours avec la Russie"')
    assert is_heading("Intérêt de Pyongyang pour les technologies russes")


def test_seed_poutine_quote_is_one_claim(seed_claims: list[Span]) -> None:
    """The three-sentence quote and its attribution form a single claim."""
    assert POUTINE_QUOTE in [claim.text for claim in seed_claims]


def test_seed_no_claim_is_a_question(seed_claims: list[Span]) -> None:
    """No extracted claim ends with a question mark."""
    assert not any(claim.text.rstrip('"»” ').endswith("?") for claim in seed_claims)


def test_seed_detected_as_french(seed_body: str) -> None:
    """The seed article is detected as French."""
    assert detect_language(seed_body) == "fr"


def test_seed_parenthesised_ellipsis_stays_inside(seed_claims: list[Span]) -> None:
    """The '(...)' in the Russian restrictions quote does not cut the quote."""
    matching = [c.text for c in seed_claims if "nous en discutons (...)" in c.text]
    assert len(matching) == 1
    assert matching[0].startswith('"La Russie respecte toutes ces restrictions.')
    assert matching[0].endswith("a-t-il affirmé à la télévision d'État russe.")


# --- French splitting -----------------------------------------------------------------------


def test_fr_monsieur() -> None:
    """'M. Dupont' does not end a sentence."""
    body = "Selon M. Dupont, le budget a augmenté cette année. Il l'a dit hier."
    assert sentences(body, "fr") == [
        "Selon M. Dupont, le budget a augmenté cette année.",
        "Il l'a dit hier.",
    ]


def test_fr_mme_without_period() -> None:
    """'Mme Martin' stays in one sentence."""
    body = "Mme Martin a voté contre le texte. Elle a expliqué pourquoi."
    assert sentences(body, "fr") == [
        "Mme Martin a voté contre le texte.",
        "Elle a expliqué pourquoi.",
    ]


def test_fr_mme_with_period() -> None:
    """'Mme. Martin' is merged although pysbd cuts after 'Mme.'."""
    body = "Mme. Martin a voté contre le texte. Elle a expliqué pourquoi."
    assert sentences(body, "fr") == [
        "Mme. Martin a voté contre le texte.",
        "Elle a expliqué pourquoi.",
    ]


def test_fr_mm_plural() -> None:
    """'MM. Dupont et Durand' is merged although pysbd cuts after 'MM.'."""
    body = "MM. Dupont et Durand ont signé le texte. Ils sont partis."
    assert sentences(body, "fr") == ["MM. Dupont et Durand ont signé le texte.", "Ils sont partis."]


def test_fr_docteur() -> None:
    """'Dr. X' is merged although pysbd cuts after 'Dr.'."""
    body = "Le Dr. Lefèvre a soigné le patient. Il va mieux."
    assert sentences(body, "fr") == ["Le Dr. Lefèvre a soigné le patient.", "Il va mieux."]


def test_fr_professeur() -> None:
    """'Pr. Raoult' is merged although pysbd cuts after 'Pr.'."""
    body = "Le Pr. Raoult a publié une étude contestée. Elle a été retirée."
    assert sentences(body, "fr") == [
        "Le Pr. Raoult a publié une étude contestée.",
        "Elle a été retirée.",
    ]


def test_fr_page() -> None:
    """'p. 12' does not end a sentence."""
    body = "Voir le rapport p. 12 pour les détails complets. La suite est ailleurs."
    assert sentences(body, "fr") == [
        "Voir le rapport p. 12 pour les détails complets.",
        "La suite est ailleurs.",
    ]


def test_fr_article_of_code() -> None:
    """'art. L. 121-1' is one reference inside one sentence."""
    body = "Selon l'art. L. 121-1 du code, la pratique est interdite. C'est clair."
    assert sentences(body, "fr") == [
        "Selon l'art. L. 121-1 du code, la pratique est interdite.",
        "C'est clair.",
    ]


def test_fr_abbreviated_month() -> None:
    """'janv. 2023' does not end a sentence."""
    body = "Le texte a été publié en janv. 2023 par le ministère. Il est en vigueur."
    assert sentences(body, "fr") == [
        "Le texte a été publié en janv. 2023 par le ministère.",
        "Il est en vigueur.",
    ]


def test_fr_abbreviated_month_before_lowercase() -> None:
    """'le 3 sept. à Paris' does not end a sentence."""
    body = "La réunion aura lieu le 3 sept. à Paris avec les élus. Elle sera publique."
    assert sentences(body, "fr") == [
        "La réunion aura lieu le 3 sept. à Paris avec les élus.",
        "Elle sera publique.",
    ]


def test_fr_avant_jesus_christ() -> None:
    """'av. J.-C.' inside a sentence is not cut into pieces."""
    body = "La ville a été fondée en 52 av. J.-C. par les Romains. Elle a prospéré."
    assert sentences(body, "fr") == [
        "La ville a été fondée en 52 av. J.-C. par les Romains.",
        "Elle a prospéré.",
    ]


def test_fr_apres_jesus_christ() -> None:
    """'apr. J.-C.' inside a sentence is not cut into pieces."""
    body = "Il est mort en 14 apr. J.-C. à Nola. Son successeur fut Tibère."
    assert sentences(body, "fr") == [
        "Il est mort en 14 apr. J.-C. à Nola.",
        "Son successeur fut Tibère.",
    ]


def test_fr_jesus_christ_can_end_a_sentence() -> None:
    """'av. J.-C.' at the end of a sentence still lets the next sentence start."""
    body = "La ville a été fondée en 52 av. J.-C. Elle a prospéré ensuite."
    assert sentences(body, "fr") == [
        "La ville a été fondée en 52 av. J.-C.",
        "Elle a prospéré ensuite.",
    ]


def test_fr_saint() -> None:
    """'St. Jacques' is merged although pysbd cuts after 'St.'."""
    body = "Il habite rue St. Jacques depuis des années. Il aime ce quartier."
    assert sentences(body, "fr") == [
        "Il habite rue St. Jacques depuis des années.",
        "Il aime ce quartier.",
    ]


def test_fr_other_abbreviations() -> None:
    """'chap.', 'vol.', 'cf.', 'env.', 'n°', 'pp.' and 'etc.' stay inside sentences."""
    body = (
        "Voir chap. 3 et vol. 2 de l'ouvrage, cf. note. Il y avait env. 300 personnes. "
        "Le dossier n° 45 est clos. Voir pp. 12-15 du rapport. Les pommes, poires, etc. sont là."
    )
    assert sentences(body, "fr") == [
        "Voir chap. 3 et vol. 2 de l'ouvrage, cf. note.",
        "Il y avait env. 300 personnes.",
        "Le dossier n° 45 est clos.",
        "Voir pp. 12-15 du rapport.",
        "Les pommes, poires, etc. sont là.",
    ]


def test_fr_decimal_percent() -> None:
    """'1,5 %' (after normalising its narrow no-break space) is not split."""
    body = normalise(
        "Le chômage a baissé de 1,5\u202f% au troisième trimestre. C'est une première."
    )
    assert sentences(body, "fr") == [
        "Le chômage a baissé de 1,5 % au troisième trimestre.",
        "C'est une première.",
    ]


def test_fr_grouped_thousands() -> None:
    """'1 500 000' is not split."""
    body = "La population atteint 1 500 000 habitants selon l'Insee. Elle croît."
    assert sentences(body, "fr") == [
        "La population atteint 1 500 000 habitants selon l'Insee.",
        "Elle croît.",
    ]


def test_fr_parenthesised_ellipsis() -> None:
    """'(...)' inside a sentence stays inside it."""
    body = (
        "Nous en discutons (...) avec nos partenaires depuis des mois. Et il y a des perspectives."
    )
    assert sentences(body, "fr") == [
        "Nous en discutons (...) avec nos partenaires depuis des mois.",
        "Et il y a des perspectives.",
    ]


def test_fr_guillemets_with_several_sentences() -> None:
    """A « … » quote holding several sentences stays one sentence with its attribution."""
    body = normalise(
        "«\u00a0Nous gagnerons\u00a0! Nous ne reculerons pas. Jamais.\u00a0» a lancé le ministre "
        "devant la presse. Puis il est parti."
    )
    assert sentences(body, "fr") == [
        "« Nous gagnerons ! Nous ne reculerons pas. Jamais. » a lancé le ministre "
        "devant la presse.",
        "Puis il est parti.",
    ]


def test_fr_straight_quotes_with_attribution() -> None:
    """The seed's multi-sentence "…" quote and its attribution form one sentence."""
    assert sentences(POUTINE_QUOTE + " Il est reparti.", "fr") == [POUTINE_QUOTE, "Il est reparti."]


def test_fr_curly_quotes_with_attribution() -> None:
    """A “…” quote holding two sentences stays one sentence with its attribution."""
    body = "“Nous gagnerons. Nous ne reculerons jamais”, a lancé le ministre. Puis il est parti."
    assert sentences(body, "fr") == [
        "“Nous gagnerons. Nous ne reculerons jamais”, a lancé le ministre.",
        "Puis il est parti.",
    ]


def test_fr_guillemets_with_numbered_points() -> None:
    """A « … » quote with numbered points, which pysbd cuts, is merged back into one."""
    body = (
        "« Le vote est acquis. 1. Nous gagnons. 2. Ils perdent », a déclaré le président. "
        "Il est parti."
    )
    assert sentences(body, "fr") == [
        "« Le vote est acquis. 1. Nous gagnons. 2. Ils perdent », a déclaré le président.",
        "Il est parti.",
    ]


def test_unclosed_quote_does_not_swallow_paragraph() -> None:
    """A quote left open to the end of its paragraph does not merge the sentences after it."""
    body = "« Le vote est acquis. 1. Nous gagnons. 2. Ils perdent."
    assert sentences(body, "fr") == ["« Le vote est acquis.", "1. Nous gagnons.", "2. Ils perdent."]


def test_split_spans_across_paragraphs() -> None:
    """Spans in later paragraphs are offsets into the whole body, not the line."""
    body = "Titre de la page\nPremière phrase ici. Deuxième phrase là.\n\nTroisième phrase enfin."
    spans = split_sentences(body, "fr")
    assert_exact(body, spans)
    assert [s.text for s in spans] == [
        "Titre de la page",
        "Première phrase ici.",
        "Deuxième phrase là.",
        "Troisième phrase enfin.",
    ]
    assert spans[-1].start == body.index("Troisième")


def test_split_unsupported_language_falls_back() -> None:
    """A language pysbd lacks (Portuguese) is split with the English rules."""
    body = "O governo anunciou novas medidas. A oposição criticou."
    assert sentences(body, "pt") == ["O governo anunciou novas medidas.", "A oposição criticou."]


def test_split_empty_body() -> None:
    """An empty or blank body has no sentences."""
    assert split_sentences("", "fr") == []
    assert split_sentences("\n\n  \n", "en") == []


def test_split_repeated_sentence_gets_distinct_spans() -> None:
    """Identical sentences in one paragraph get their own, increasing spans."""
    body = "Le prix a augmenté. Le prix a augmenté. Le prix a augmenté."
    spans = split_sentences(body, "fr")
    assert [s.start for s in spans] == [0, 20, 40]
    assert_exact(body, spans)


def test_span_is_frozen() -> None:
    """Span is an immutable dataclass with slots."""
    span = Span(0, 3, "abc")
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.start = 1  # type: ignore[misc]
    assert not hasattr(span, "__dict__")


# --- English splitting ----------------------------------------------------------------------


def test_en_mister_and_decimal_percent() -> None:
    """'Mr. Smith' and '3.5%' do not end a sentence."""
    body = "Mr. Smith said the budget rose by 3.5% last year. He was right."
    assert sentences(body, "en") == [
        "Mr. Smith said the budget rose by 3.5% last year.",
        "He was right.",
    ]


def test_en_doctor() -> None:
    """'Dr. Jones' does not end a sentence."""
    body = "Dr. Jones treated the patient on Monday. She recovered."
    assert sentences(body, "en") == ["Dr. Jones treated the patient on Monday.", "She recovered."]


def test_en_us() -> None:
    """'U.S.' inside a sentence does not end it."""
    body = "The U.S. economy grew 2% in the third quarter. Analysts were surprised."
    assert sentences(body, "en") == [
        "The U.S. economy grew 2% in the third quarter.",
        "Analysts were surprised.",
    ]


def test_en_titles_months_and_numbers() -> None:
    """'Mrs.', 'St.', 'Jan.', 'No.', 'e.g.' and 'i.e.' stay inside sentences."""
    body = (
        "Mrs. Brown and St. Louis officials met on Jan. 5 to discuss it. No. 10 declined. "
        "Some fruits, e.g. apples, are cheap. Others, i.e. mangoes, are not."
    )
    assert sentences(body, "en") == [
        "Mrs. Brown and St. Louis officials met on Jan. 5 to discuss it.",
        "No. 10 declined.",
        "Some fruits, e.g. apples, are cheap.",
        "Others, i.e. mangoes, are not.",
    ]


def test_en_quote_with_attribution() -> None:
    """A quote of two sentences followed by ', he said.' is one sentence."""
    body = '"The economy is strong. Jobs are growing," he said. Critics disagree.'
    assert sentences(body, "en") == [
        '"The economy is strong. Jobs are growing," he said.',
        "Critics disagree.",
    ]


def test_en_quote_with_numbered_points() -> None:
    """A "…" quote with numbered points, which pysbd cuts, is merged back into one."""
    body = '"We won. 1. Taxes fell. 2. Jobs rose," he said. Critics disagree.'
    assert sentences(body, "en") == [
        '"We won. 1. Taxes fell. 2. Jobs rose," he said.',
        "Critics disagree.",
    ]


def test_en_questions_dropped_from_claims() -> None:
    """Questions are split off and not returned as claims."""
    body = "Is this really true for the whole country? The minister said it was true last week."
    assert [c.text for c in extract_claims(body, "en")] == [
        "The minister said it was true last week."
    ]


# --- headings and candidates ----------------------------------------------------------------


@pytest.mark.parametrize(
    "paragraph",
    [
        '"Nous serons toujours avec la Russie"',
        "« Nous serons toujours avec la Russie »",
        "Intérêt de Pyongyang pour les technologies russes",
        "Economy grows faster than expected",
    ],
)
def test_is_heading_true(paragraph: str) -> None:
    """Short single lines without terminal punctuation are headings."""
    assert is_heading(paragraph)


@pytest.mark.parametrize(
    "paragraph",
    [
        "Tokyo a évoqué le lancement de deux missiles balistiques.",
        '"Nous serons toujours avec la Russie."',
        "« Nous serons toujours avec la Russie ! »",
        "Que va faire Pyongyang ?",
        "Ceci est une ligne sans ponctuation finale mais bien trop longue pour être un titre "
        "de presse ordinaire",
        "Titre\nsur deux lignes",
        "",
        "2023",
    ],
)
def test_is_heading_false(paragraph: str) -> None:
    """Sentences, long lines, multi-line text and letterless lines are not headings."""
    assert not is_heading(paragraph)


@pytest.mark.parametrize(
    "sentence",
    [
        "Tokyo a évoqué le lancement de deux missiles balistiques.",
        '"Nous serons toujours avec la Russie", a-t-il insisté.',
        "Le PIB a crû de 2 %.",
    ],
)
def test_is_claim_candidate_true(sentence: str) -> None:
    """Plain statements of five words or more are candidates."""
    assert is_claim_candidate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Que va faire Pyongyang après ce sommet ?",
        "« Que va faire Pyongyang après ce sommet ? »",
        '"Will the economy recover next year?"',
        "Il est reparti.",
        "12 345 678 910 111.",
        "« Oui, oui, non, ah, eh bien ! »",
        '"Oh, and so, well, yes, it is."',
    ],
)
def test_is_claim_candidate_false(sentence: str) -> None:
    """Questions, fragments, letterless lines and empty quotes are not candidates."""
    assert not is_claim_candidate(sentence)


def test_extract_claims_skips_headings_and_keeps_order() -> None:
    """Headings are skipped and claims come back in body order with exact spans."""
    body = (
        "Le gouvernement présente son budget\n"
        "Le déficit public atteindra 4,4 % du PIB en 2024. Pourquoi une telle hausse ?\n\n"
        "Le ministre a défendu ses choix devant les députés mardi."
    )
    claims = extract_claims(body, "fr")
    assert_exact(body, claims)
    assert [c.text for c in claims] == [
        "Le déficit public atteindra 4,4 % du PIB en 2024.",
        "Le ministre a défendu ses choix devant les députés mardi.",
    ]


# --- normalise ------------------------------------------------------------------------------


def test_normalise_whitespace_and_newlines() -> None:
    """Newlines are unified, runs of spaces collapsed, line ends and blank runs trimmed."""
    raw = "  Un\t\t  deux   trois  \r\nquatre\r\r\r\r\rcinq \n\n\n\n six  "
    assert normalise(raw) == "Un deux trois\nquatre\n\ncinq\n\nsix"


def test_normalise_nbsp() -> None:
    """No-break and narrow no-break spaces become ordinary spaces."""
    raw = "Il a dit\u00a0: «\u202fnon\u202f». Hausse de 5\u00a0%."
    assert normalise(raw) == "Il a dit : « non ». Hausse de 5 %."


def test_normalise_control_characters() -> None:
    """NUL and other C0/C1 control characters are removed, tabs become spaces."""
    raw = "a\x00b\x07c\x1bd\x85e\x9ff\tg\x0bh\x0ci"
    assert normalise(raw) == "abcdef ghi"


def test_normalise_nfc() -> None:
    """Decomposed accents are composed."""
    assert normalise("e\u0301te\u0301") == "\u00e9t\u00e9"


@pytest.mark.parametrize(
    "raw",
    [
        "  Un\t\t  deux   trois  \r\nquatre\r\r\r\r\rcinq \n\n\n\n six  ",
        "x \u00a0 \n \u00a0\n\n\n\u202f y",
        "\x00\n\t\n \n\x85\n\nz",
        "a \x00 b\n \n \n c",
        "",
    ],
)
def test_normalise_idempotent(raw: str) -> None:
    """Normalising twice gives the same result as once."""
    once = normalise(raw)
    assert normalise(once) == once


# --- HTML -----------------------------------------------------------------------------------


def test_html_to_text_drops_scripts_and_keeps_paragraphs() -> None:
    """Script, style and head contents go; block elements become paragraph breaks."""
    html = (
        "<html><head><title>Titre caché</title><style>p { color: red; }</style></head>"
        "<body><script>var secret = 1;</script><noscript>Activez JS</noscript>"
        "<h1>Le titre</h1><p>Premier&nbsp;paragraphe &amp; suite.</p>"
        "<div>Deuxième<br>ligne</div><ul><li>un</li><li>deux</li></ul></body></html>"
    )
    assert html_to_text(html) == (
        "Le titre\n\nPremier paragraphe & suite.\n\nDeuxième\n\nligne\n\nun\n\ndeux"
    )


def test_html_to_text_inline_elements_do_not_break() -> None:
    """Inline elements and source newlines inside a paragraph do not split it."""
    html = "<p>Le <b>ministre</b> a\n   <a href='#'>dit</a> non.</p>"
    assert html_to_text(html) == "Le ministre a dit non."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<p>Bonjour</p>", True),
        ("<div class='x'>Bonjour</div>", True),
        ("ligne<br/>suivante", True),
        ("<!DOCTYPE html><html><body>x</body></html>", True),
        ("<article>texte</article>", True),
        ("Le prix est < 5 € et > 2 €.", False),
        ("Texte brut sans balise.", False),
    ],
)
def test_looks_like_html(text: str, expected: bool) -> None:
    """Common tags are recognised; comparison signs are not."""
    assert looks_like_html(text) is expected


# --- language detection ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kim Jong-un et Vladimir Poutine se sont rencontrés mercredi à Vostotchny.", "fr"),
        ("Kim Jong-un et Vladimir Poutine", "fr"),
        ("The president said the economy grew faster than expected last year.", "en"),
        ("Die Regierung hat am Mittwoch neue Maßnahmen beschlossen.", "de"),
        ("", "en"),
        ("   \n ", "en"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    """Detection is restricted to the supported languages and defaults to English."""
    assert detect_language(text) == expected


def test_detect_language_seed_paragraph() -> None:
    """The first paragraph of the seed article is French."""
    paragraph = (
        "Le dirigeant nord-coréen Kim Jong-un a assuré mercredi 13 septembre au président russe "
        'Vladimir Poutine que Moscou remporterait une "grande victoire" sur ses ennemis, lors '
        "d'une visite exceptionnelle en Russie organisée pour renforcer leurs liens, notamment "
        "militaires."
    )
    assert detect_language(paragraph) == "fr"


# --- the one-sentence fast path ---------------------------------------------------------------


def _pysbd_way(line: str, language: str) -> list[tuple[int, int]]:
    """Split a line the long way, through pysbd and the merge rules."""
    return text_module._merge_pieces(line, text_module._raw_pieces(line, language))


@pytest.mark.parametrize(
    "line",
    [
        "Le chômage a baissé de 0,3 point au troisième trimestre, selon l'Insee.",
        "Dépêche 3-1 : le fonds sera doté de 500 millions d'euros sur cinq ans.",
        "Le président a déclaré « nous ne céderons pas » devant les maires",
        "Crime fell by 12% last year (ONS)  ",
    ],
)
def test_a_line_with_no_inner_stop_skips_pysbd_and_matches_it(line: str) -> None:
    assert text_module._one_sentence(line)
    assert text_module._split_line(line, "fr") == _pysbd_way(line, "fr")


@pytest.mark.parametrize(
    "line",
    [
        "M. Macron a parlé. Puis il est parti.",  # an inner stop
        "Il a dit « Non ! » et il est parti.",  # an inner exclamation
        "'Vampire Fungus' Affects 70 Percent of Americans?",  # pysbd cuts after the quote
        "“Mama” Cass Elliot choked on a ham sandwich.",
        'He hopes a recession will get rid of the president."',  # unmatched closing quote
        "(Laughter) And so our program also says this.",  # pysbd cuts after ")"
        "And so my question is...",  # pysbd cuts the last dots off
        "Pourquoi ils se regardent comme ça ? !?!",
        "Tax " * 600,  # longer than a window
    ],
)
def test_lines_pysbd_may_cut_take_the_long_way(line: str) -> None:
    assert not text_module._one_sentence(line)


def test_the_fast_path_agrees_with_pysbd_on_benchmark_sentences(shared_bench: Path) -> None:
    """Every fifteenth line of the French STS and English check-worthiness sets."""
    import csv

    sources = [
        ("fr", shared_bench / "similarity" / "stsb-fr" / "train.tsv", ("sentence1", "sentence2")),
        ("en", shared_bench / "checkworthiness" / "ct2024-t1" / "train.tsv", ("text",)),
    ]
    checked = 0
    for language, path, columns in sources:
        with path.open(encoding="utf-8") as rows:
            for n, row in enumerate(csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE)):
                for line in (row[c] for c in columns if row.get(c) and n % 15 == 0):
                    if line.strip() and text_module._one_sentence(line):
                        checked += 1
                        assert text_module._split_line(line, language) == _pysbd_way(
                            line, language
                        ), line
    assert checked > 1000
