"""Detect "same claim, different facts" between two near-duplicate claims in French or English.

Each claim is reduced to facts (figures, dates, named entities) normalised so that rewording
does not count (« trois » == "3", « 1,5 million » == "1 500 000", « 12 % » == "12%"). Facts
present on both sides cancel out; what is left on *both* sides is paired up and reported. A
fact present on one side only is a paraphrase dropping or adding detail, never a difference.
Pure regex and stdlib: no Flask, no database, no model.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from claims.errors import N_, Joined, Message
from claims.text.lexicon import (
    EN_MONTH_ABBREVIATIONS,
    EN_MONTHS,
    EN_WEEKDAYS,
    FR_MONTHS,
    FR_WEEKDAYS,
    NON_NAMES,
    RULE_LANGUAGES,
    TITLE_ABBREVIATIONS,
    TITLE_WORDS,
    flat,
    fold,
    rule_languages,
)

__all__ = ["Difference", "describe", "differences"]


@dataclass(frozen=True, slots=True)
class Difference:
    """One fact that differs between two near-identical claims."""

    kind: str  # "number", "date" or "entity"
    left: str  # the differing text as written in the first claim ("" if absent there)
    right: str  # as written in the second claim ("" if absent)


@dataclass(frozen=True, slots=True)
class _Fact:
    """A normalised fact: its sub-kind decides what it may be paired with."""

    kind: str  # "number", "date" or "entity"
    sub: str  # pairing class: "value", "year", "day", "weekday", "time", "name"
    key: object  # normalised value compared across the two claims
    unit: str  # "%", "~%" (from a fraction), "EUR", "ord", ... for figures; "" when none
    text: str  # as written
    position: float  # 0 at the start of the claim, 1 at the end
    context: str  # folded word after a figure ("missiles"), to pair like with like


# Claims repeat the same words, and a word folds the same every time.
_fold = lru_cache(maxsize=8192)(fold)

# Claims are sentences; the cap bounds the cost of pathological inputs (whole articles, spam).
MAX_CHARS = 4000
# Entities whose relative positions differ more than this are different facts, not a swap.
ENTITY_POSITION_TOLERANCE = 0.35

_I = re.IGNORECASE

# --- vocabularies -------------------------------------------------------------------------------

_FR_UNITS = {
    "zéro": 0, "zero": 0, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
    "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40,
    "cinquante": 50, "soixante": 60, "septante": 70, "huitante": 80, "octante": 80,
    "nonante": 90, "quatre-vingt": 80, "quatre-vingts": 80,
}  # fmt: skip
_EN_UNITS = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
# "cent" multiplies what precedes it (trois cents = 300); in English "cents" is money.
_FR_HUNDRED = {"cent": 100, "cents": 100}
_EN_HUNDRED = {"hundred": 100}
# Scale words close a group: « 1,5 milliard », "two million", « deux douzaines ».
_FR_SCALES = {
    "mille": 1000, "millier": 1000, "milliers": 1000, "million": 10**6, "millions": 10**6,
    "milliard": 10**9, "milliards": 10**9, "billion": 10**12, "billions": 10**12,
}  # fmt: skip
# « une vingtaine » is about twenty: as checkable as the figure itself.
_FR_SCALES.update(
    (f"{stem}aine{plural}", value)
    for stem, value in (
        ("diz", 10), ("douz", 12), ("quinz", 15), ("vingt", 20), ("trent", 30),
        ("quarant", 40), ("cinquant", 50), ("soixant", 60), ("cent", 100),
    )
    for plural in ("", "s")
)  # fmt: skip
_EN_SCALES = {
    "thousand": 1000, "million": 10**6, "millions": 10**6, "billion": 10**9,
    "billions": 10**9, "trillion": 10**12, "trillions": 10**12, "dozen": 12,
}  # fmt: skip
# Fractions become percentages so « la moitié » agrees with « 50 % »: word -> denominator.
_FR_FRACTIONS = {"moitié": 2, "tiers": 3, "quart": 4, "quarts": 4}
_EN_FRACTIONS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4}
# A fraction without a numerator needs an article, except a half: « le tiers », "half of".
_FRACTION_ARTICLES = frozenset({"le", "la", "l"})
_BARE_FRACTIONS = frozenset({"moitie", "half"})
# Articles count as "one" only before a scale or fraction: « un million », "a dozen", "a third".
_FR_ONE = frozenset({"un", "une"})
_EN_ONE = frozenset({"a", "an", "one"})
# Abbreviated scales glued to digits ("3.5m", "5bn", "10k") or before a currency sign (« 3 Md€ »).
_SCALE_ABBREVIATIONS = {
    "k": 1000, "m": 10**6, "mn": 10**6, "mio": 10**6, "bn": 10**9, "md": 10**9, "mds": 10**9,
    "mrd": 10**9, "mrds": 10**9, "tn": 10**12,
}  # fmt: skip
_ONE_DETERMINERS = frozenset(
    {"no", "any", "every", "some", "this", "that", "the", "which", "each", "such", "little"}
)
_ORDINAL_WORDS = {
    "deuxième": 2, "troisième": 3, "quatrième": 4, "cinquième": 5, "sixième": 6,
    "septième": 7, "huitième": 8, "neuvième": 9, "dixième": 10, "third": 3, "fourth": 4,
    "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
}  # fmt: skip
_CURRENCY_SIGNS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY"}
_CURRENCY_WORDS = {
    "euro": "EUR", "euros": "EUR", "dollar": "USD", "dollars": "USD", "livre": "GBP",
    "livres": "GBP", "pound": "GBP", "pounds": "GBP", "yen": "JPY", "yens": "JPY",
}  # fmt: skip

# Generic nouns that open English sentences without an article ("Officials said…").
_OPENER_LIST = """
    officials authorities police experts researchers scientists critics analysts investigators
    doctors people residents witnesses sources lawmakers voters workers prices sales
"""
_OPENERS = frozenset(_OPENER_LIST.split())
_ENTITY_CONNECTORS = frozenset({"de", "du", "des", "of", "von", "van", "der", "den", "di", "da"})
# A capital right after these marks starts a sentence or a quotation, not a name.
_SENTENCE_MARKS = frozenset('.!?…:«“‘"([—–')
# Folded, « Me » (Maître) would be the pronoun « me. » that ends a sentence.
_TITLES = frozenset(_fold(title) for title in TITLE_ABBREVIATIONS) - {"me"}
_STOPWORDS = frozenset(_fold(word) for word in NON_NAMES)
_NOT_NAMES = _STOPWORDS | {_fold(word) for word in TITLE_WORDS}
_ABBREVIATION_RE = re.compile(r"([^\W\d_]+)\.$")
_Token = tuple[str, int, int, bool]  # word, start, end, continues the previous name

# --- regexes -------------------------------------------------------------------------------------

_SPACES_RE = re.compile(r"[\s\u00a0\u2007\u202f\u2009]+")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_DOTTED_ACRONYM_RE = re.compile(r"(?<![^\W_])(?:[A-Z]\.){2,}")
_WORD_RE = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")
_ELISION_RE = re.compile(r"^(?:[ldjnmstc]|qu|jusqu|lorsqu|puisqu)'", _I)
# ASCII digits with an optional consistent thousands separator and decimal part, bounded so a
# wall of digits is no figure; a leading minus only when it is a sign, not a range dash ("3-4")
# or a hyphenated name ("COVID-19").
_DIGITS_RE = re.compile(
    r"(?<![\w.,])(?<![^\W\d_]-)(?P<sign>[-−](?=[0-9]))?"
    r"(?P<digits>[0-9]{1,3}(?P<sep>[ ,.])[0-9]{3}(?![0-9])(?:(?P=sep)[0-9]{3}(?![0-9])){0,6}"
    r"(?:[.,][0-9]{1,12})?"
    r"|[0-9]{1,24}(?:[.,][0-9]{1,12})?)"
    r"(?![.,]?[0-9])"
)
_ORDINAL_SUFFIX_RE = re.compile(r"(?:er|re|ère|ème|eme|e|st|nd|rd|th)\b", _I)
_ABBREVIATED_SCALE_RE = re.compile(
    r"(?:(?P<glued>k|m|mn|mio|bn|md|mds|mrd|mrds|tn)(?![^\W_])"
    r"|\s(?P<spaced>k|m|mn|bn|md|mds|mrd|mrds|tn)(?=\s?[€$£¥])|\s(?P<word>bn|mn|mds|mrds)\b)",
    _I,
)
_PERCENT_RE = re.compile(r"\s?%|\s+(?:pour\s?cent|pourcent|per\s?cent|percent)\b", _I)
_CURRENCY_AFTER_RE = re.compile(
    r"\s?(?P<sign>[€$£¥])|\s+(?:d'|de\s+)?(?P<word>euros?|dollars?|livres?|pounds?|yens?)\b",
    _I,
)
_CURRENCY_BEFORE_RE = re.compile(r"(?:US|CA|AU)?(?P<sign>[€$£¥])\s?$")
_NUMBER_WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_PREVIOUS_WORD_RE = re.compile(r"([^\W\d_]+)\s*$")

_YEAR_RE = re.compile(
    r"(?<![\w.,$€£¥])(?<![^\W\d_]-)(?P<year>(?:19|20)[0-9]{2})(?P<decade>s)?"
    r"(?![\w%]|[.,][0-9]|\s?%|\s?[€$£¥])"
    r"(?!\s+(?:millions?|milliards?|billions?|thousand|euros?|dollars?|d'euros|de\s+dollars"
    r"|k\b|m\b|bn\b))",
    _I,
)
_NUMERIC_DATE_RE = re.compile(
    r"(?<![\w/.-])(?:(?P<a>[0-9]{1,2})[/.](?P<b>[0-9]{1,2})[/.](?P<y>[0-9]{4}|[0-9]{2})"
    r"|(?P<iy>[0-9]{4})-(?P<im>[0-9]{2})-(?P<id>[0-9]{2}))(?![\w/.-]|\.[0-9])"
)
_TIME_RE = re.compile(
    r"(?<![\w.,:])(?:(?P<h24>[01]?[0-9]|2[0-3])\s?h\s?(?P<m24>[0-5][0-9])?(?![^\W\d_])"
    r"|(?P<h12>1[0-2]|0?[1-9])(?::(?P<m12>[0-5][0-9]))?\s?(?P<ampm>[ap])\.?m\b\.?"
    r"|(?P<hc>[01]?[0-9]|2[0-3]):(?P<mc>[0-5][0-9])(?![0-9]))",
    _I,
)


def _alternation(names: Iterable[str]) -> str:
    """Join vocabulary entries into a regex alternation, each matched literally."""
    return "|".join(re.escape(name) for name in names)


# English months are also written "Jan." or "Sept."; the French abbreviations are left out,
# as « sept. » may end a sentence about seven of something.
_MONTHS = {
    "fr": FR_MONTHS,
    "en": tuple(
        (*names, *(f"{short}." for short in shorts))
        for names, shorts in zip(EN_MONTHS, EN_MONTH_ABBREVIATIONS, strict=True)
    ),
}
_WEEKDAYS = {"fr": FR_WEEKDAYS, "en": EN_WEEKDAYS}


def _month_table(months: tuple[tuple[str, ...], ...]) -> dict[str, int]:
    """Map each spelling of a month (folded, without the abbreviation dot) to its number."""
    return {
        _fold(spelling.rstrip(".")): number
        for number, spellings in enumerate(months, start=1)
        for spelling in spellings
    }


_MONTH_NUMBERS = {**_month_table(_MONTHS["fr"]), **_month_table(_MONTHS["en"])}
_WEEKDAY_NUMBERS = {
    _fold(day): number for days in _WEEKDAYS.values() for number, day in enumerate(days)
}
# French calendar words are lower-case in running text; English months must be capitalised so
# that "may" stays a modal and "march" a verb.
_MONTH_RES = {
    "fr": f"(?i:{_alternation(flat(_MONTHS['fr']))})",
    "en": _alternation(flat(_MONTHS["en"])),
}
_DAY_NUMBER = r"(?P<day>[0-3]?[0-9])(?:er|re|st|nd|rd|th)?"


def _calendar_regexes(language: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Build the day-month, month-alone and weekday patterns for one language."""
    month, days = _MONTH_RES[language], _WEEKDAYS[language]
    tail = r"(?![^\W_])" if language == "fr" else r"(?<=\.)|(?![^\W_])"
    day_month = rf"(?<![\w.,])(?:{_DAY_NUMBER}\s+(?:of\s+)?(?P<month>{month})(?:{tail})"
    if language == "en":
        day_month += (
            rf"|(?P<month2>{month})\s+(?P<day2>[0-3]?[0-9])(?:st|nd|rd|th)?(?![\w.,][0-9]|[0-9])"
        )
    day_month += ")"
    return (
        re.compile(day_month),
        re.compile(rf"(?<![\w])(?P<month>{month})(?:{tail})"),
        re.compile(rf"(?<![\w])(?i:{_alternation(days)})(?![^\W_])"),
    )


_CALENDAR = {language: _calendar_regexes(language) for language in RULE_LANGUAGES}


# --- text preparation ----------------------------------------------------------------------------


def _prepare(text: object) -> str:
    """NFC, straight apostrophes, plain spaces, no control characters, bounded length."""
    raw = text if isinstance(text, str) else str(text or "")
    raw = raw[:MAX_CHARS]
    # Lone surrogates (from broken decoders) would make later encoding steps fail.
    raw = raw.encode("utf-8", "replace").decode("utf-8")
    clean = unicodedata.normalize("NFC", raw).replace("’", "'").replace("ʼ", "'")
    clean = _CONTROL_RE.sub(" ", clean)
    # "U.S." is "US": its full stops end no sentence and split no name.
    clean = _DOTTED_ACRONYM_RE.sub(lambda match: match.group().replace(".", ""), clean)
    return _SPACES_RE.sub(" ", clean).strip()


def _mask(text: str, start: int, end: int) -> str:
    """Blank a span with a non-word, non-space mark so later passes neither read nor join it."""
    return text[:start] + "\u2063" * (end - start) + text[end:]


# --- dates ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Scan:
    """The claim text being consumed pass by pass, and the facts found so far."""

    text: str
    masked: str
    facts: list[_Fact]

    def add(self, kind: str, sub: str, key: object, start: int, end: int, **extra: str) -> None:
        """Record a fact for text[start:end] and mask it from later passes."""
        size = max(len(self.text), 1)
        self.facts.append(
            _Fact(
                kind=kind,
                sub=sub,
                key=key,
                unit=extra.get("unit", ""),
                text=self.text[start:end].strip(),
                position=start / size,
                context=extra.get("context", ""),
            )
        )
        self.masked = _mask(self.masked, start, end)


def _numeric_dates(scan: _Scan, languages: tuple[str, ...]) -> None:
    """12/03/2023 and 2023-03-12: a day of a month plus a year."""
    for match in list(_NUMERIC_DATE_RE.finditer(scan.masked)):
        if match["iy"]:
            year, month, day = int(match["iy"]), int(match["im"]), int(match["id"])
        else:
            first, second, year = int(match["a"]), int(match["b"]), int(match["y"])
            # The US writes month first; elsewhere (and when unsure) day first.
            us_order = languages == ("en",) and first <= 12
            month, day = (first, second) if us_order else (second, first)
            year = year + 2000 if year < 100 else year
        if 1 <= month <= 12 and 1 <= day <= 31:
            scan.add("date", "day", (month, day), match.start(), match.end())
            scan.facts.append(
                _Fact("date", "year", str(year), "", match.group(), scan.facts[-1].position, "")
            )


def _times(scan: _Scan) -> None:
    """« 14h30 », "2:30 pm", "14:30": a time of day, compared on a 24-hour clock."""
    for match in list(_TIME_RE.finditer(scan.masked)):
        if match["h24"] is not None:
            hour, minute = int(match["h24"]), int(match["m24"] or 0)
        elif match["h12"] is not None:
            hour, minute = int(match["h12"]) % 12, int(match["m12"] or 0)
            hour += 12 if match["ampm"].lower() == "p" else 0
        else:
            hour, minute = int(match["hc"]), int(match["mc"])
        scan.add("date", "time", (hour, minute), match.start(), match.end())


def _calendar_dates(scan: _Scan, languages: tuple[str, ...]) -> None:
    """Days of months (« 12 mars », "March 12"), months alone and weekdays."""
    for language in languages:
        day_month, month_alone, weekday = _CALENDAR[language]
        for match in list(day_month.finditer(scan.masked)):
            day = int(match["day"] or match["day2"])
            month = _MONTH_NUMBERS.get(_fold(match["month"] or match["month2"]).rstrip("."))
            if month and 1 <= day <= 31:
                scan.add("date", "day", (month, day), match.start(), match.end())
        for match in list(month_alone.finditer(scan.masked)):
            month = _MONTH_NUMBERS.get(_fold(match["month"]).rstrip("."))
            if month:
                # None: "in March" agrees with any day of March on the other side.
                scan.add("date", "day", (month, None), match.start(), match.end())
        for match in list(weekday.finditer(scan.masked)):
            key = _WEEKDAY_NUMBERS.get(_fold(match.group()))
            scan.add("date", "weekday", key, match.start(), match.end())


def _years(scan: _Scan) -> None:
    """Years 1900-2099 (and decades like "1990s") are dates, never figures."""
    for match in list(_YEAR_RE.finditer(scan.masked)):
        key = match["year"] + ("s" if match["decade"] else "")
        scan.add("date", "year", key, match.start(), match.end())


# --- numbers -------------------------------------------------------------------------------------


def _parse_digits(digits: str, languages: tuple[str, ...]) -> Fraction:
    """Read "1 200", "1,200", "1.200", "1,5", "1.5" by language conventions into an exact value."""
    digits = digits.replace(" ", "")
    marks = [char for char in digits if char in ",."]
    if not marks:
        return Fraction(int(digits))
    mark = marks[-1]
    head, _, tail = digits.rpartition(mark)
    # "1,200" is a thousand in English and 1.2 in French; "1.200" the other way round.
    conventional = (mark == "," and "en" in languages) or (mark == "." and languages == ("fr",))
    if len(tail) == 3 and (marks.count(mark) > 1 or (len(set(marks)) == 1 and conventional)):
        return Fraction(digits.replace(mark, ""))
    return Fraction(head.replace(",", "").replace(".", "") + "." + tail)


def _vocabulary(languages: tuple[str, ...]) -> dict[str, tuple[str, int]]:
    """Number words for the languages: word -> (role, value)."""
    table: dict[str, tuple[str, int]] = {}
    # English first so the French « billion » (10**12) wins only for French text.
    for language in reversed(languages):
        units, hundred, scales, ones, fractions = (
            (_FR_UNITS, _FR_HUNDRED, _FR_SCALES, _FR_ONE, _FR_FRACTIONS)
            if language == "fr"
            else (_EN_UNITS, _EN_HUNDRED, _EN_SCALES, _EN_ONE, _EN_FRACTIONS)
        )
        table.update({_fold(word): ("fraction", value) for word, value in fractions.items()})
        table.update({_fold(word): ("unit", value) for word, value in units.items()})
        table.update({word: ("hundred", value) for word, value in hundred.items()})
        table.update({word: ("scale", value) for word, value in scales.items()})
        table.update(dict.fromkeys(ones, ("one", 1)))
    if "fr" in languages and len(languages) > 1:
        table["billion"] = ("scale", 10**9)
        table["billions"] = ("scale", 10**9)
    return table


_Words = dict[str, tuple[str, int]]
_VOCABULARIES = {
    languages: _vocabulary(languages) for languages in (("fr",), ("en",), RULE_LANGUAGES)
}
_ORDINALS = {_fold(word): value for word, value in _ORDINAL_WORDS.items()}


def _next_word(text: str, position: int) -> re.Match[str] | None:
    """The word at position, past one space at most."""
    if text.startswith(" ", position):
        position += 1
    return _NUMBER_WORD_RE.match(text, position)


def _folded_next(text: str, position: int) -> str:
    """The folded word after position, or ""."""
    match = _next_word(text, position)
    return _fold(match.group()) if match else ""


def _read_number_words(
    text: str, start: int, words: _Words, value: Fraction | None
) -> tuple[Fraction | None, int, str]:
    """Read number words from start, continuing a digit value if given: (value, end, unit)."""
    total, current, previous = Fraction(0), value, ""
    end = position = start
    while (match := _next_word(text, position)) is not None:
        folded = _fold(match.group())
        parts = _split_number_word(folded, words)
        if parts is None:
            following = _folded_next(text, match.end())
            if current is not None and _joins_and(folded, previous, following, words):
                position = match.end()
                continue
            break
        if current is None and not _starts_number(parts, text, match, words):
            break
        for part in parts:
            role, denominator = words[part]
            if role == "fraction":
                # « deux tiers » = 2/3: a fraction ends the figure. "~%": an approximate share.
                return (total + (current or 1)) * 100 / denominator, match.end(), "~%"
            current, total = _apply(part, previous, words, current, total)
            previous = part
        end = position = match.end()
    if end == start:
        return value, start, ""
    return total + (current or 0), end, ""


def _split_number_word(folded: str, words: _Words) -> list[str] | None:
    """Split « vingt-cinq » into number words; None when any part is not one."""
    if folded in words:
        return [folded]
    parts = [part for part in folded.split("-") if part != "et"]
    if len(parts) > 1 and all(part in words for part in parts):
        return parts
    return None


def _starts_number(parts: list[str], text: str, match: re.Match[str], words: _Words) -> bool:
    """Whether a word can open a figure: not a bare article or scale noun (« des millions »)."""
    role = words[parts[0]][0]
    following = _folded_next(text, match.end())
    if role == "one":
        if len(parts) > 1 or words.get(following, ("", 0))[0] in ("scale", "hundred", "fraction"):
            return True
        # English "one" is a figure ("one person died") unless it is a pronoun ("one of them").
        previous = _PREVIOUS_WORD_RE.search(text, max(0, match.start() - 20), match.start())
        determiner = previous is not None and _fold(previous.group(1)) in _ONE_DETERMINERS
        return parts[0] == "one" and following not in ("of", "another") and not determiner
    if role == "fraction":
        previous = _PREVIOUS_WORD_RE.search(text, max(0, match.start() - 20), match.start())
        article = previous is not None and _fold(previous.group(1)) in _FRACTION_ARTICLES
        return parts[0] in _BARE_FRACTIONS or article
    if role == "scale":
        return parts[0] == "mille"
    if role == "hundred":
        return parts[0] == "cent"
    return True


def _joins_and(connector: str, previous: str, following: str, words: _Words) -> bool:
    """« vingt et un », "three hundred and five": et/and inside a figure, not between two."""
    if connector == "et":
        return following in ("un", "une", "onze")
    if connector != "and":
        return False
    return words.get(previous, ("", 0))[0] in ("hundred", "scale") and following in words


def _apply(
    word: str, previous: str, words: _Words, current: Fraction | None, total: Fraction
) -> tuple[Fraction, Fraction]:
    """Fold one number word into the running (current group, total) pair."""
    role, value = words[word]
    if role in ("unit", "one"):
        # « quatre-vingts » is 4 x 20, not 4 + 20.
        if previous == "quatre" and word in ("vingt", "vingts") and current is not None:
            return current - 4 + 80, total
        return (current or 0) + value, total
    if role == "hundred":
        return (current or 1) * value, total
    return Fraction(0), total + (current or 1) * value


def _unit_after(text: str, end: int) -> tuple[str, int]:
    """A percent sign or currency right after a figure: (unit, new end)."""
    percent = _PERCENT_RE.match(text, end)
    if percent:
        return "%", percent.end()
    currency = _CURRENCY_AFTER_RE.match(text, end)
    if currency:
        sign = currency["sign"]
        unit = _CURRENCY_SIGNS[sign] if sign else _CURRENCY_WORDS[currency["word"].lower()]
        return unit, currency.end()
    return "", end


def _context_after(text: str, end: int) -> str:
    """The folded word after a figure (« missiles »), skipping function words (« de », "of")."""
    for match in _NUMBER_WORD_RE.finditer(text, end, min(len(text), end + 40)):
        word = _ELISION_RE.sub("", _fold(match.group()))
        if word not in _STOPWORDS:
            return word.rstrip("s")
    return ""


def _digit_numbers(scan: _Scan, languages: tuple[str, ...]) -> None:
    """Figures written with digits, with their scale, percent and currency."""
    words = _VOCABULARIES[languages]
    for match in list(_DIGITS_RE.finditer(scan.masked)):
        value = _parse_digits(match["digits"], languages)
        if match["sign"]:
            value = -value
        end = match.end()
        ordinal = _ORDINAL_SUFFIX_RE.match(scan.masked, end)
        if ordinal:
            end = ordinal.end()
            scan.add("number", "value", value, match.start(), end, unit="ord")
            continue
        abbreviation = _ABBREVIATED_SCALE_RE.match(scan.masked, end)
        if abbreviation:
            scale = (
                abbreviation["glued"] or abbreviation["spaced"] or abbreviation["word"]
            ).lower()
            value, end = value * _SCALE_ABBREVIATIONS[scale], abbreviation.end()
        else:
            worded, word_end, unit = _read_number_words(scan.masked, end, words, value)
            if worded is not None and word_end > end:
                value, end = worded, word_end
                if unit:
                    scan.add("number", "value", value, match.start(), end, unit=unit)
                    continue
        _add_number(scan, match.start(), end, value)


def _add_number(scan: _Scan, start: int, end: int, value: Fraction) -> None:
    """Attach the unit before or after a figure and record it."""
    unit, end = _unit_after(scan.masked, end)
    before = _CURRENCY_BEFORE_RE.search(scan.masked[max(0, start - 3) : start])
    if before and not unit:
        unit = _CURRENCY_SIGNS[before["sign"]]
        start -= len(before.group())
    scan.add(
        "number", "value", value, start, end, unit=unit, context=_context_after(scan.text, end)
    )


def _word_numbers(scan: _Scan, languages: tuple[str, ...]) -> None:
    """Spelled-out figures: « trois », « vingt et un », "two million", « une douzaine »."""
    words = _VOCABULARIES[languages]
    position = 0
    for match in list(_NUMBER_WORD_RE.finditer(scan.masked)):
        if match.start() < position:
            continue
        folded = _fold(match.group())
        # Most words are not numbers: skip them before the costlier run reader.
        if folded.partition("-")[0] not in words and folded not in _ORDINALS:
            continue
        if folded in _ORDINALS:
            scan.add("number", "value", Fraction(_ORDINALS[folded]), *match.span(), unit="ord")
            continue
        value, end, unit = _read_number_words(scan.masked, match.start(), words, None)
        if value is None:
            continue
        position = end
        if unit:
            scan.add("number", "value", value, match.start(), end, unit=unit)
        else:
            _add_number(scan, match.start(), end, value)


# --- entities ------------------------------------------------------------------------------------


def _is_sentence_start(text: str, start: int) -> bool:
    """Nothing before, or a full stop, colon, quote or dash (but not "M." or an initial)."""
    before = text[max(0, start - 40) : start].rstrip()
    if not before:
        return start < 40
    if before[-1] != ".":
        return before[-1] in _SENTENCE_MARKS
    # "M. Macron", "J. K. Rowling": that full stop ends an abbreviation, not a sentence.
    tail = _ABBREVIATION_RE.search(before)
    return not (tail and (len(tail.group(1)) == 1 or _fold(tail.group(1)) in _TITLES))


@lru_cache(maxsize=8192)
def _core(word: str) -> tuple[str, str]:
    """Split « l'Insee » into its elision and the word proper, dropping an English "'s"."""
    elision = _ELISION_RE.match(word)
    prefix = elision.group() if elision else ""
    core = word[len(prefix) :]
    if core.endswith(("'s", "'S")):
        core = core[:-2]
    return prefix, core


def _entity_tokens(text: str) -> list[_Token]:
    """Capitalised words, each marked when it continues the previous name."""
    tokens: list[_Token] = []
    # "name" after a capitalised word, "connector" after « de » / "of" following one.
    state, last_end = "", -1
    for match in _WORD_RE.finditer(text):
        word = match.group()
        prefix, core = _core(word) if "'" in word else ("", word)
        spaced = text[last_end : match.start()] == " "
        if core[:1].isupper():
            joined = state != "" and spaced and _fold(prefix) in ("", "d'")
            start = match.start() + len(prefix)
            tokens.append((core, start, start + len(core), joined))
            state = "name"
        elif state == "name" and spaced and not prefix and _fold(core) in _ENTITY_CONNECTORS:
            state = "connector"
        else:
            state = ""
        last_end = match.end()
    return tokens


def _entity_groups(tokens: list[_Token]) -> list[list[_Token]]:
    """Group adjacent capitalised words into names (« Emmanuel Macron », "Bank of England")."""
    groups: list[list[_Token]] = []
    for token in tokens:
        if token[3] and groups:
            groups[-1].append(token)
        else:
            groups.append([token])
    return groups


def _entities(scan: _Scan) -> None:
    """Record names, leaving out function words, titles and generic sentence openers."""
    for group in _entity_groups(_entity_tokens(scan.masked)):
        at_start = _is_sentence_start(scan.masked, group[0][1])
        while group and _fold(group[0][0]) in _NOT_NAMES:
            group, at_start = group[1:], False
        # A lone capital opening a sentence is kept ("Tokyo a dénoncé…" vs "Séoul a dénoncé…"):
        # a common noun there usually recurs in lower case on the other side and cancels out.
        if not group or (at_start and len(group) == 1 and _fold(group[0][0]) in _OPENERS):
            continue
        key = tuple(_fold(token[0]) for token in group)
        scan.add("entity", "name", key, group[0][1], group[-1][2])


# --- comparison ----------------------------------------------------------------------------------


# Imports compare each new claim with several matches, and popular claims recur: cache.
@lru_cache(maxsize=4096)
def _facts(text: str, language: object) -> tuple[tuple[_Fact, ...], str]:
    """All facts of one claim, in order of appearance, and its cleaned text."""
    languages = rule_languages(language)
    clean = _prepare(text)
    scan = _Scan(text=clean, masked=clean, facts=[])
    _numeric_dates(scan, languages)
    _times(scan)
    _calendar_dates(scan, languages)
    _years(scan)
    _digit_numbers(scan, languages)
    _word_numbers(scan, languages)
    _entities(scan)
    scan.facts.sort(key=lambda fact: fact.position)
    return tuple(scan.facts), clean


@dataclass(frozen=True, slots=True)
class _Wording:
    """A claim's words, to recognise a name the other claim writes differently."""

    folded: str  # space-separated folded words, padded so " word " finds whole words
    initials: str  # first letter of each content word, upper-case when it was capitalised


def _wording(text: str) -> _Wording:
    """Fold a claim's words and note its content words' initials."""
    cores = [_core(word)[1] for word in _WORD_RE.findall(text)]
    folded = [_fold(core) for core in cores]
    initials = "".join(
        core[0] for core, bare in zip(cores, folded, strict=True) if core and bare not in _STOPWORDS
    )
    return _Wording(folded=f" {' '.join(folded)} ", initials=initials)


def _same(left: _Fact, right: _Fact) -> bool:
    """Equal values with compatible units (a missing unit or day agrees with any)."""
    if left.sub != right.sub:
        return False
    if left.kind == "entity":
        small, large = sorted((set(left.key), set(right.key)), key=len)  # type: ignore[arg-type]
        return small <= large
    if left.sub == "day":
        (lm, ld), (rm, rd) = left.key, right.key  # type: ignore[misc]
        return lm == rm and (ld == rd or ld is None or rd is None)
    if {left.unit, right.unit} == {"%", "~%"}:
        # "two thirds" is written "66 %" or "67 %": both agree with it.
        return abs(left.key - right.key) < 1  # type: ignore[operator]
    return left.key == right.key and (left.unit == right.unit or not left.unit or not right.unit)


def _exact(left: _Fact, right: _Fact) -> bool:
    """Identical value and unit: matched before looser agreements take a fact."""
    return left.sub == right.sub and left.key == right.key and left.unit == right.unit


def _cancel(
    lefts: list[_Fact], rights: list[_Fact], agree: Callable[[_Fact, _Fact], bool]
) -> tuple[list[_Fact], list[_Fact]]:
    """Remove facts that agree one-to-one, first come first matched."""
    remaining = list(rights)
    unmatched: list[_Fact] = []
    for fact in lefts:
        partner = next((other for other in remaining if agree(fact, other)), None)
        if partner is None:
            unmatched.append(fact)
        else:
            remaining.remove(partner)
    return unmatched, remaining


def _mentioned(fact: _Fact, other: _Wording) -> bool:
    """A name the other claim writes in lower case or spells out (« UE », « Union européenne »)."""
    if fact.kind != "entity":
        return False
    if f" {' '.join(fact.key)} " in other.folded:  # type: ignore[arg-type]
        return True
    return len(fact.text) >= 2 and fact.text.isupper() and _spells(fact.text, other.initials)


def _spells(acronym: str, initials: str) -> bool:
    """Whether a capitalised word and the ones after it have the acronym's letters as initials."""
    lowered, start = initials.casefold(), 0
    target = _fold(acronym)
    while (found := lowered.find(target, start)) >= 0:
        if initials[found].isupper():
            return True
        start = found + 1
    return False


def _pairs(lefts: list[_Fact], rights: list[_Fact]) -> list[tuple[_Fact, _Fact]]:
    """Pair leftover facts of the same sub-kind: same context word first, then in order."""
    pairs: list[tuple[_Fact, _Fact]] = []
    remaining = list(rights)
    for fact in lefts:
        candidates = [other for other in remaining if other.sub == fact.sub]
        if fact.kind == "entity":
            candidates = [
                other
                for other in candidates
                if abs(other.position - fact.position) <= ENTITY_POSITION_TOLERANCE
            ]
        if not candidates:
            continue
        same_context = [o for o in candidates if fact.context and o.context == fact.context]
        same_unit = [o for o in candidates if o.unit == fact.unit]
        partner = (same_context or same_unit or candidates)[0]
        remaining.remove(partner)
        pairs.append((fact, partner))
    return pairs


def differences(
    left: str, right: str, left_language: str = "fr", right_language: str = "fr"
) -> list[Difference]:
    """Return the figures, dates and names that differ between two claims; [] when they agree."""
    left_facts, left_text = _facts(left, left_language)
    right_facts, right_text = _facts(right, right_language)
    lefts, rights = _cancel(list(left_facts), list(right_facts), _exact)
    lefts, rights = _cancel(lefts, rights, _same)
    if any(fact.kind == "entity" for fact in lefts + rights):
        left_wording, right_wording = _wording(left_text), _wording(right_text)
        lefts = [fact for fact in lefts if not _mentioned(fact, right_wording)]
        rights = [fact for fact in rights if not _mentioned(fact, left_wording)]
    pairs = _pairs(lefts, rights)
    pairs.sort(key=lambda pair: ("number", "date", "entity").index(pair[0].kind))
    return [Difference(a.kind, a.text, b.text) for a, b in pairs]


_LABELS = {"number": N_("figures"), "date": N_("dates"), "entity": N_("names")}


def describe(diffs: list[Difference]) -> str:
    """One human sentence, e.g. 'Different figures: trois vs deux.' (English UI text)."""
    return differences_message(diffs).render()


def differences_message(diffs: list[Difference]) -> Message:
    """The sentence describe() says, to be translated where it is shown."""
    if not diffs:
        return Message(N_("No differing figures, dates or names."))
    parts = []
    for kind, label in [*_LABELS.items(), (None, N_("facts"))]:
        pairs = [
            _pair(d) for d in diffs if d.kind == kind or (kind is None and d.kind not in _LABELS)
        ]
        if pairs:
            parts.append(
                Message(N_("%(what)s: %(pairs)s"), what=Message(label), pairs=Joined(pairs, ", "))
            )
    return Message(N_("Different %(parts)s."), parts=Joined(parts))


def _pair(diff: Difference) -> Message:
    """Say one difference: the left value vs the right, "(none)" for a missing side."""
    none = Message(N_("(none)"))
    return Message(N_("%(left)s vs %(right)s"), left=diff.left or none, right=diff.right or none)
