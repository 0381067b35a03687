"""Find who a claim attributes its statement to, with French and English heuristics.

Strategies, in order: a reporting verb (its subject, or the inverted subject after a
closing quote), then "selon X" / "according to X", then a passive "said by X".
Pronouns (il, elle, he, she…) resolve to the previous sentence's speaker.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from claims.text.lexicon import (
    ANAPHORS,
    DETERMINERS,
    EN_ACCORDING_TO,
    EN_CONNECTIVES,
    EN_REPORTED_BY,
    EN_REPORTING_VERBS,
    EN_REPORTING_VERBS_MORE,
    FIRST_PERSON,
    FR_ACCORDING_TO,
    FR_AUXILIARIES,
    FR_CONNECTIVES,
    FR_INVERTED_SUBJECTS,
    FR_REPORTING_AFTER_AUXILIARY,
    FR_REPORTING_PARTICIPLES,
    FR_REPORTING_PRESENT,
    FR_REPORTING_PRESENT_BEFORE_SPEECH,
    PASSIVE_AUXILIARIES,
    SPEAKER_BOUNDARIES,
    SPEAKER_TRAILING,
    TITLE_ABBREVIATIONS,
    rule_languages,
)

MAX_SPEAKER_WORDS = 8

_I = re.IGNORECASE
_OPENING_QUOTES = "«“"
_CLOSING_QUOTES = "»”"
_QUOTES = _OPENING_QUOTES + _CLOSING_QUOTES + '"'
# The apostrophe is kept: it belongs to elided words such as "l'".
_TRAILING_PUNCTUATION = '.,;:!?"«»“”()'
# Abbreviations whose full stop does not end the speaker's name ("M. Dupont").
_ABBREVIATIONS = frozenset(f"{title}." for title in TITLE_ABBREVIATIONS)


def _alternation(words: Iterable[str]) -> str:
    """Join words into a regex group matching any of them literally."""
    return "(?:" + "|".join(re.escape(word) for word in words) + ")"


_FR_AUX = _alternation(FR_AUXILIARIES)
_FR_PARTICIPLES = _alternation(FR_REPORTING_PARTICIPLES + FR_REPORTING_AFTER_AUXILIARY)
_FR_PRESENT = _alternation(FR_REPORTING_PRESENT + FR_REPORTING_PRESENT_BEFORE_SPEECH)
_FR_PRONOUN = _alternation(FR_INVERTED_SUBJECTS)
# "a aussi déclaré", "a, pour sa part, affirmé"; "a été dit" is impersonal, not a speaker.
_FR_GAP = r"(?:\s*,[^,.;!?]{1,40},|(?:\s+(?!été\b)[\w'-]+){0,2}?)"
_EN_VERBS = _alternation(EN_REPORTING_VERBS + EN_REPORTING_VERBS_MORE)


@dataclass(frozen=True)
class _Rules:
    """The per-language patterns and word lists used by the strategies."""

    verb: re.Pattern[str]
    pronoun_verb: re.Pattern[str] | None
    according: re.Pattern[str]
    passive: re.Pattern[str]
    recipient: re.Pattern[str]
    stopwords: frozenset[str]
    leading: frozenset[str]
    trailing: frozenset[str]


_FR = _Rules(
    verb=re.compile(
        rf"\b{_FR_AUX}{_FR_GAP}\s+{_FR_PARTICIPLES}\b"
        # Present tense only counts when it introduces speech: "X affirme que…".
        rf"|\b{_FR_PRESENT}\b(?!-)(?=\s*(?:que\b|qu'|:|«|\"|“))"
        # …or when it follows a closing quote: "», explique Jean Dupont".
        rf"|(?<=[»”\"])\s*,?\s*{_FR_PRESENT}\b(?!-)"
    ),
    pronoun_verb=re.compile(
        rf"\b{_FR_AUX}-(?:t-)?(?P<pronoun>{_FR_PRONOUN})(?:\s+[\w'-]+){{0,2}}?\s+"
        rf"{_FR_PARTICIPLES}\b|\b{_FR_PRESENT}-(?:t-)?(?P<present_pronoun>{_FR_PRONOUN})\b"
    ),
    according=re.compile(rf"\b{_alternation(FR_ACCORDING_TO)}\s+", _I),
    passive=re.compile(rf"\b{_FR_PARTICIPLES}(?:e|s|es)?\s+par\s+"),
    recipient=re.compile(r"^(?:à|au|aux)\s+(?:(?:la|le|les)\s+)?[^\s,.;:]+\s+(?=\S)", _I),
    stopwords=frozenset(SPEAKER_BOUNDARIES["fr"]),
    leading=frozenset(FR_CONNECTIVES),
    trailing=frozenset(SPEAKER_TRAILING["fr"]),
)

_EN = _Rules(
    verb=re.compile(rf"\b{_EN_VERBS}\b"),
    pronoun_verb=None,  # English needs no inversion: "he said" goes through `verb`.
    according=re.compile(rf"\b{_alternation(EN_ACCORDING_TO)}\s+", _I),
    passive=re.compile(rf"\b{_alternation(EN_REPORTED_BY)}\s+by\s+"),
    recipient=re.compile(r"^to\s+(?:the\s+)?[^\s,.;:]+\s+(?=\S)", _I),
    stopwords=frozenset(SPEAKER_BOUNDARIES["en"]),
    leading=frozenset(EN_CONNECTIVES),
    trailing=frozenset(SPEAKER_TRAILING["en"]),
)

_RULES = {"fr": _FR, "en": _EN}

PRONOUNS = frozenset(ANAPHORS)
_FIRST_PERSON = frozenset(FIRST_PERSON)
_DETERMINERS = frozenset(DETERMINERS)
_PASSIVE = frozenset(PASSIVE_AUXILIARIES)
_ELIDED_DETERMINER = re.compile(r"^(?:l|d)'", _I)
_SUBORDINATOR = re.compile(r".*\b(?:que|qu'|that)\s*", _I | re.DOTALL)
_LEAD_IS_QUOTE = re.compile(r"(?:^|[»”\"])\s*,?\s*$")


def _normalise(text: str) -> str:
    """Unify apostrophes and spaces so one pattern covers typographic variants."""
    return text.replace("’", "'").replace("\u00a0", " ").replace("\u202f", " ")


def _quote_events(text: str) -> list[tuple[int, int]]:
    """Return (position, +1 opening / -1 closing) for every quotation mark."""
    events = []
    for index, char in enumerate(text):
        if char in _OPENING_QUOTES:
            events.append((index, 1))
        elif char in _CLOSING_QUOTES:
            events.append((index, -1))
        elif char == '"':
            before = text[index - 1] if index else " "
            after = text[index + 1] if index + 1 < len(text) else " "
            # A straight quote opens when it hugs the following word, not the previous one.
            opens = (before.isspace() or before in "([") and not after.isspace()
            events.append((index, 1 if opens else -1))
    return events


def _inside_quote(text: str, position: int) -> bool:
    """Whether the position lies inside a quotation (words of the quoted, not the writer)."""
    events = _quote_events(text)
    # A sentence that starts mid-quotation shows its closing mark first.
    depth = 1 if events and events[0][1] < 0 else 0
    for index, step in events:
        if index >= position:
            break
        depth = max(depth + step, 0)
    return depth > 0


def _words(phrase: str) -> list[str]:
    """Split a phrase into whitespace-separated words."""
    return phrase.split()


def _is_pronoun(candidate: str) -> bool:
    """Whether the candidate is an anaphoric pronoun such as il, elle, he or she."""
    return candidate.lower() in PRONOUNS


def _starts_like_a_name(word: str) -> bool:
    """A capitalised word or a determiner can open a speaker's noun phrase."""
    lowered = word.lower()
    return word[:1].isupper() or lowered in _DETERMINERS or bool(_ELIDED_DETERMINER.match(word))


def _is_valid(candidate: str) -> bool:
    """Whether the candidate looks like a short noun phrase naming a speaker."""
    words = _words(candidate)
    if not words or words[0].lower() in _FIRST_PERSON:
        return False
    if _is_pronoun(candidate):
        return True
    return len(words) <= MAX_SPEAKER_WORDS and _starts_like_a_name(words[0])


def _strip_punctuation(word: str) -> str:
    """Strip surrounding punctuation, except the full stop of an abbreviation."""
    return word if word in _ABBREVIATIONS else word.strip(_TRAILING_PUNCTUATION)


def _trim(phrase: str, rules: _Rules) -> str:
    """Drop conjunctions in front and clitics, auxiliaries or determiners at the end."""
    words = [_strip_punctuation(word) for word in _words(phrase)]
    words = [word for word in words if word]
    while words and words[0].lower() in rules.leading:
        words.pop(0)
    while len(words) > 1 and (
        words[-1].lower() in rules.trailing or words[-1].lower() in _DETERMINERS
    ):
        words.pop()
    return " ".join(words)


def _is_stopword(word: str, rules: _Rules) -> bool:
    """Whether the word ends a speaker's noun phrase (preposition, time word, "que"…)."""
    lowered = word.lower()
    return lowered in rules.stopwords or lowered.startswith("qu'")


def _phrase_after(text: str, rules: _Rules) -> str:
    """Return the noun phrase that opens the text, up to punctuation or a stopword."""
    # "a déclaré à l'AFP Jean Dupont": the recipient sits between verb and speaker.
    rest = rules.recipient.sub("", text.lstrip(), count=1)
    words: list[str] = []
    for token in _words(rest):
        if token[0] in _QUOTES + "(":
            break
        bare = token if token in _ABBREVIATIONS else token.rstrip(_TRAILING_PUNCTUATION)
        if not bare or _is_stopword(bare, rules):
            break
        words.append(bare)
        ends_phrase = bare != token
        if ends_phrase or len(words) == MAX_SPEAKER_WORDS:
            break
    return _trim(" ".join(words), rules)


def _after_last_quote(prefix: str) -> str:
    """Return what follows the last quotation mark: only that can be the attribution."""
    return prefix[max(prefix.rfind(quote) for quote in _QUOTES) + 1 :].strip()


def _subject_segment(tail: str) -> str:
    """Pick the comma-separated segment of the lead that holds the subject."""
    parts = [part.strip() for part in tail.split(",")]
    if not tail.endswith(","):
        return parts[-1]
    # "An Chan-il, un chercheur, a déclaré": skip the apposition between commas.
    return parts[-3] if len(parts) >= 3 else parts[0]


def _subject_before(prefix: str, rules: _Rules) -> str:
    """Return the subject that ends right before a reporting verb."""
    candidate = _subject_segment(_after_last_quote(prefix))
    # "Il est clair que le ministre a dit": the subject follows the subordinator.
    candidate = _SUBORDINATOR.sub("", candidate)
    words = _words(_trim(candidate, rules))
    # "Il a été dit", "The tax was announced by…": a passive subject is not the speaker.
    if not words or words[-1].lower() in _PASSIVE or len(words) > MAX_SPEAKER_WORDS:
        return ""
    return " ".join(words)


def _is_inverted(lead: str) -> bool:
    """Whether the verb follows a quotation or a lone clause: '"…", a déclaré X'."""
    tail = _after_last_quote(lead)
    # With a single comma there is no apposition ("X, le ministre, a dit"), so the clause
    # before it is the statement itself: "Nous gagnerons, a déclaré le ministre".
    return bool(_LEAD_IS_QUOTE.search(lead)) or (tail.endswith(",") and tail.count(",") == 1)


def _from_verb(text: str, match: re.Match[str], rules: _Rules) -> str:
    """Return the speaker of one reporting-verb match, inverted or not."""
    lead = text[: match.start()]
    if _is_inverted(lead):
        inverted = _phrase_after(text[match.end() :], rules)
        if _is_valid(inverted):
            return inverted
    return _subject_before(lead, rules)


def _finditer(pattern: re.Pattern[str] | None, text: str) -> list[re.Match[str]]:
    """Return all matches of an optional pattern."""
    return list(pattern.finditer(text)) if pattern else []


def _verb_candidates(text: str, rules: _Rules) -> list[str]:
    """Return speaker candidates from reporting verbs outside quotations, in text order."""
    matches = sorted(
        [*rules.verb.finditer(text), *_finditer(rules.pronoun_verb, text)],
        key=lambda match: match.start(),
    )
    candidates = []
    for match in matches:
        if _inside_quote(text, match.start()):
            continue
        pronoun = match.groupdict().get("pronoun") or match.groupdict().get("present_pronoun")
        candidates.append(pronoun or _from_verb(text, match, rules))
    return candidates


def _following_candidates(text: str, pattern: re.Pattern[str], rules: _Rules) -> list[str]:
    """Return the noun phrases that follow each match of a pattern outside quotations."""
    return [
        _phrase_after(text[match.end() :], rules)
        for match in pattern.finditer(text)
        if not _inside_quote(text, match.start())
    ]


def _candidates(text: str, rules: _Rules) -> list[str]:
    """All speaker candidates, most reliable strategy first."""
    return [
        *_verb_candidates(text, rules),
        *_following_candidates(text, rules.according, rules),
        *_following_candidates(text, rules.passive, rules),
    ]


def _resolve(candidate: str, previous: str | None) -> str | None:
    """Replace an anaphoric pronoun by the previous speaker."""
    return previous if _is_pronoun(candidate) else candidate


def find_speaker(text: str, language: str, previous: str | None = None) -> str | None:
    """Return who the sentence attributes its statement to, or None."""
    clean = _normalise(text)
    for code in rule_languages(language):
        for candidate in _candidates(clean, _RULES[code]):
            if _is_valid(candidate):
                return _resolve(candidate, previous)
    return None
