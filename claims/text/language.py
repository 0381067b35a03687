"""Detecting an article's language with py3langid, restricted to the languages we support."""

from __future__ import annotations

from functools import lru_cache

import py3langid as langid

from claims.text.lexicon import LANGUAGE_NAMES

# Restricting py3langid matters: unrestricted, short French text full of names comes back 'lb'.
DETECTABLE_LANGUAGES = tuple(LANGUAGE_NAMES)
DEFAULT_LANGUAGE = "en"
_DETECT_CHARS = 2000


@lru_cache(maxsize=1)
def _language_identifier() -> langid.langid.LanguageIdentifier:
    """Build (once) a py3langid identifier restricted to the supported languages."""
    # A private identifier, so the module-level langid.classify is left unrestricted.
    identifier = langid.langid.LanguageIdentifier.from_model_file(langid.langid.MODEL_FILE)
    identifier.set_languages(list(DETECTABLE_LANGUAGES))
    return identifier


def detect_language(text: str) -> str:
    """Return the ISO 639-1 code of the text's language, or 'en' for empty text."""
    sample = text[:_DETECT_CHARS]
    if not sample.strip():
        return DEFAULT_LANGUAGE
    language, _score = _language_identifier().classify(sample)
    return language
