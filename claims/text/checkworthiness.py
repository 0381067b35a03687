"""Transparent check-worthiness heuristic for claims written in French or English.

Each claim fires a handful of named signals; the score is a logistic of their summed
weights, so every score can be explained by listing the signals that fired.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from claims.errors import N_
from claims.text.lexicon import (
    EN_ACCORDING_TO,
    EN_MONTHS,
    EN_REPORTING_VERBS,
    EN_WEEKDAYS,
    FR_ACCORDING_TO,
    FR_AUXILIARIES,
    FR_INVERTED_SUBJECTS,
    FR_MONTHS,
    FR_REPORTING_PARTICIPLES,
    FR_REPORTING_PRESENT,
    FR_REPORTING_PRESENT_PLURAL,
    FR_WEEKDAYS,
    flat,
    rule_languages,
)


@dataclass(frozen=True)
class Signal:
    """A named cue that raises (positive weight) or lowers a claim's check-worthiness."""

    name: str
    label: str
    weight: float


SIGNALS: tuple[Signal, ...] = (
    Signal("figure", N_("contains a figure"), 1.2),
    Signal("percentage", N_("contains a percentage"), 0.6),
    Signal("date", N_("mentions a date"), 0.8),
    Signal("named_entity", N_("names a person, place or organisation"), 0.8),
    Signal("reporting_verb", N_("reported speech (said, selon…)"), 0.8),
    Signal("quote", N_("attributed quote"), 0.6),
    Signal("comparison", N_("comparison or superlative"), 0.5),
    Signal("causal", N_("states a cause or consequence"), 0.4),
    Signal("first_person_opinion", N_("opinion or hedging"), -1.2),
    Signal("future_or_conditional", N_("prediction or conditional"), -0.4),
    Signal("too_short", N_("too short to check"), -1.5),
)

# A claim with no signal at all sits at ~0.27: unremarkable prose is not worth checking.
BIAS = -1.0
MIN_WORDS = 5

_I = re.IGNORECASE


def _alternation(words: tuple[str, ...]) -> str:
    """Join words into a regex alternation, each matched literally."""
    return "|".join(re.escape(word) for word in words)


# Language-neutral patterns.
_NUMBER_RE = re.compile(r"\d+(?:[ .,]\d{3})*(?:[.,]\d+)?")
_YEAR_RE = re.compile(r"(?<![\d.,])(?:19|20)\d{2}(?![\d%]|[.,]\d| ?%)")
_NUMERIC_DATE_RE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b")
_PERCENT_SIGN_RE = re.compile(r"\d ?%")
_QUOTE_RE = re.compile(r"[«»“”\"]")
_WORD_RE = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
_ELISION_RE = re.compile(r"^(?:[ldjnmstc]|qu)'", _I)
# A capital right after these marks starts a new sentence or a quotation, not a name.
_NON_ENTITY_BEFORE = set('«“"(.!?…:')

_FR_MONTHS = _alternation(flat(FR_MONTHS))
_FR_DAYS = _alternation(FR_WEEKDAYS)
_EN_MONTHS = _alternation(flat(EN_MONTHS))
_EN_DAYS = _alternation(EN_WEEKDAYS)
# "13 septembre", "1er mai", "May 3rd", "3 May": the day number is part of the date.
_DAY_OF_MONTH_RE = re.compile(
    rf"\b\d{{1,2}}(?:er)?\s+(?i:{_FR_MONTHS})\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_EN_MONTHS})\b"
    rf"|\b(?:{_EN_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?\b"
)
# English months and weekdays are capitalised; matching case-sensitively keeps "may" a modal.
_EN_CALENDAR_WORDS = frozenset((*flat(EN_MONTHS), *EN_WEEKDAYS))

_VOCABULARY: dict[str, dict[str, re.Pattern[str]]] = {
    "fr": {
        "number_word": re.compile(
            r"\b(?:deux|trois|quatre|cinq|six|sept|huit|dix|onze|douze|treize|quatorze|quinze"
            r"|seize|vingt|trente|quarante|cinquante|soixante|cents?|mille|milliers?|millions?"
            r"|milliards?|dizaines?|douzaines?|centaines?|moitié)\b",
            _I,
        ),
        "percent_word": re.compile(r"\bpour ?cent\b|\bpourcentage", _I),
        "calendar": re.compile(rf"\b(?:{_FR_MONTHS}|{_FR_DAYS})\b", _I),
        "reporting": re.compile(
            rf"\b(?:{_alternation(FR_ACCORDING_TO)})\b(?!\s+(?:moi|nous)\b)"
            rf"|\b(?:{_alternation(FR_REPORTING_PARTICIPLES)})(?:e|s|es)?\b"
            rf"|\b(?:{_alternation(FR_AUXILIARIES)})(?:-t-\w+|-ils|-elles)?\s+dit\b"
            rf"|\bdit-(?:t-)?(?:{_alternation(FR_INVERTED_SUBJECTS)})\b"
            rf"|\b(?:{_alternation(FR_REPORTING_PRESENT + FR_REPORTING_PRESENT_PLURAL)})\b(?!-\w)"
            r"|\bfait savoir\b",
            _I,
        ),
        "comparison": re.compile(
            r"\b(?:plus|moins)\s+(?:\w+\s+)?(?:de\b|d'|que\b|qu')|\baussi\s+\w+\s+qu(?:e\b|')"
            r"|\b(?:le|la|les|l')\s*(?:plus|moins)\b"
            r"|\bfois (?:plus|moins)\b|\bdavantage\b|\b(?:supérieur|inférieur|meilleur)e?s?\b"
            r"|\bpire\b|\brecords?\b|\bprincip(?:al|ale|ales|aux)\b|\bpremière fois\b",
            _I,
        ),
        "causal": re.compile(
            r"\b(?:parce que|parce qu'|car|donc|c'est pourquoi|si bien que|de sorte que"
            r"|par conséquent|en conséquence|en raison d|à cause d|grâce à|du fait d|suite à"
            r"|à la suite d|conduit à|dû à|due à|dus à|dues à)"
            r"|\b(?:entraîn|provoqu|caus)\w*",
            _I,
        ),
        "opinion": re.compile(
            r"\b(?:je|nous)\s+(?:pense|crois|trouve|considère|pensons|croyons|trouvons)\b"
            r"|\bj'(?:pense|crois|estime|trouve|ai l'impression)\b|\bà mon avis\b"
            r"|\bselon (?:moi|nous)\b|\bpeut-être\b|\bsans doute\b|\bprobablement\b"
            r"|\bil (?:me )?semble\b|\bsemble-t-il\b|\bil paraît\b",
            _I,
        ),
        # Future and conditional endings of regular verbs plus the common irregular ones.
        "future": re.compile(
            r"\b(?:sera|seront|serait|seraient|aura|auront|aurait|auraient|pourra|pourront"
            r"|pourrait|pourraient|devra|devront|devrait|devraient|fera|feront|ferait"
            r"|feraient|ira|iront|irait|iraient)\b"
            r"|\b[a-zàâçéèêëîïôûù]{2,}(?:era|eront|erait|eraient|erons|ira|iront|irait"
            r"|iraient)\b"
            r"|\b(?:va|vont)\s+\w+(?:er|ir|re)\b"
        ),
    },
    "en": {
        "number_word": re.compile(
            r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty"
            r"|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?"
            r"|billions?|trillions?|dozens?|half)\b",
            _I,
        ),
        "percent_word": re.compile(r"\bper ?cent\b|\bpercentage\b", _I),
        "calendar": re.compile(rf"\b(?:{_EN_MONTHS}|{_EN_DAYS})\b"),
        "reporting": re.compile(
            rf"\b(?:{_alternation(EN_REPORTING_VERBS + EN_ACCORDING_TO)})\b", _I
        ),
        "comparison": re.compile(
            r"\b\w+er than\b|\b(?:more|less|fewer) (?:\w+ )?than\b|\b(?:most|least|largest|biggest"
            r"|highest|lowest|smallest|greatest|fastest|worst|best|deadliest|richest|poorest"
            r"|oldest|youngest|records?)\b|\bcompared (?:with|to)\b|\bfirst time\b",
            _I,
        ),
        "causal": re.compile(
            r"\b(?:because|due to|caused|causing|causes|led to|leads to|lead to|leading to"
            r"|resulted in|results in|as a result|therefore|thanks to|owing to|consequently"
            r"|hence|triggered|driven by)\b",
            _I,
        ),
        "opinion": re.compile(
            r"\b(?:I|we)\s+(?:think|believe|feel|guess|suppose|reckon)\b"
            r"|\bin my (?:opinion|view)\b|\bmaybe\b|\bperhaps\b|\bprobably\b|\bseems?\b"
            r"|\bit appears\b|\barguably\b|\bI'm (?:sure|convinced)\b",
            _I,
        ),
        "future": re.compile(
            r"\b(?:will|won't|would|wouldn't|could|might|shall|going to|expected to"
            r"|likely to|if)\b",
            _I,
        ),
    },
}
# Lower-case "may" is a modal; the capitalised month is handled by "calendar".
_EN_MAY_MODAL = re.compile(r"\bmay\b")


def _normalise(text: str) -> str:
    """Unify apostrophes and spaces so one pattern covers typographic variants."""
    return text.replace("’", "'").replace("\u00a0", " ").replace("\u202f", " ").replace("\t", " ")


def _any(text: str, languages: tuple[str, ...], key: str) -> bool:
    """Whether the named vocabulary pattern matches in any of the languages."""
    return any(_VOCABULARY[lang][key].search(text) for lang in languages)


def _without_dates(text: str) -> str:
    """Blank out years, numeric dates and days of the month: they are dates, not figures."""
    for pattern in (_NUMERIC_DATE_RE, _DAY_OF_MONTH_RE, _YEAR_RE):
        text = pattern.sub(" ", text)
    return text


def _has_figure(text: str, languages: tuple[str, ...]) -> bool:
    """Digits (outside dates) or spelled-out numbers."""
    return bool(_NUMBER_RE.search(_without_dates(text))) or _any(text, languages, "number_word")


def _has_percentage(text: str, languages: tuple[str, ...]) -> bool:
    """A percent sign after a digit, or the word percent."""
    return bool(_PERCENT_SIGN_RE.search(text)) or _any(text, languages, "percent_word")


def _has_date(text: str, languages: tuple[str, ...]) -> bool:
    """Month or weekday names, years 1900-2099 or numeric dates."""
    if _YEAR_RE.search(text) or _NUMERIC_DATE_RE.search(text):
        return True
    return _any(text, languages, "calendar")


def _is_entity_token(text: str, match: re.Match[str]) -> bool:
    """A capitalised word that is neither a calendar word nor after a quote or full stop."""
    core = _ELISION_RE.sub("", match.group())
    if not core or not core[0].isupper() or core in _EN_CALENDAR_WORDS or core == "I":
        return False
    before = text[: match.start()].rstrip()
    return not before or before[-1] not in _NON_ENTITY_BEFORE


def _has_named_entity(text: str, languages: tuple[str, ...]) -> bool:
    """Capitalised tokens past the first word (sentence-initial capitals prove nothing)."""
    tokens = list(_WORD_RE.finditer(text))
    return any(_is_entity_token(text, token) for token in tokens[1:])


def _has_quote(text: str, languages: tuple[str, ...]) -> bool:
    """Any quotation mark: a claim split from a quote may keep only one side of it."""
    return bool(_QUOTE_RE.search(text))


def _has_future(text: str, languages: tuple[str, ...]) -> bool:
    """Future or conditional forms, including the English modal "may"."""
    if "en" in languages and _EN_MAY_MODAL.search(text):
        return True
    return _any(text, languages, "future")


def _vocabulary_detector(key: str) -> Callable[[str, tuple[str, ...]], bool]:
    """Build a detector that fires when a vocabulary pattern matches."""
    return lambda text, languages: _any(text, languages, key)


def _is_too_short(text: str, languages: tuple[str, ...]) -> bool:
    """Fewer than MIN_WORDS words rarely carry a checkable fact."""
    return len(text.split()) < MIN_WORDS


_DETECTORS: dict[str, Callable[[str, tuple[str, ...]], bool]] = {
    "figure": _has_figure,
    "percentage": _has_percentage,
    "date": _has_date,
    "named_entity": _has_named_entity,
    "reporting_verb": _vocabulary_detector("reporting"),
    "quote": _has_quote,
    "comparison": _vocabulary_detector("comparison"),
    "causal": _vocabulary_detector("causal"),
    "first_person_opinion": _vocabulary_detector("opinion"),
    "future_or_conditional": _has_future,
    "too_short": _is_too_short,
}


def signals(text: str, language: str) -> list[Signal]:
    """Return the signals that fire for the claim, in SIGNALS order."""
    return list(_fired(text, language))


# An import scores each claim, then the learned model and the search results ask again.
@lru_cache(maxsize=8192)
def _fired(text: str, language: str) -> tuple[Signal, ...]:
    """Run the detectors once per text and language."""
    clean = _normalise(text)
    languages = rule_languages(language)
    return tuple(signal for signal in SIGNALS if _DETECTORS[signal.name](clean, languages))


def score(text: str, language: str) -> float:
    """Return the check-worthiness in [0, 1]: a logistic of the bias plus fired weights."""
    return score_of(signals(text, language))


def score_of(fired: list[Signal]) -> float:
    """Return the check-worthiness of a claim whose signals() are already known."""
    total = BIAS + sum(signal.weight for signal in fired)
    return round(1.0 / (1.0 + math.exp(-total)), 4)


def explain(text: str, language: str) -> list[str]:
    """Return the labels of the positive signals that fired, strongest first."""
    positive = [signal for signal in signals(text, language) if signal.weight > 0]
    return [signal.label for signal in sorted(positive, key=lambda s: -s.weight)]
