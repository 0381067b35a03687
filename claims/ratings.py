"""The verdict rating scale, defined once and mapped onto ClaimReview."""

from __future__ import annotations

from dataclasses import dataclass

from claims.errors import N_, Message


@dataclass(frozen=True, slots=True)
class Rating:
    """One step of the scale: its key, the labels readers see, and its ClaimReview value."""

    key: str
    alternate_name: str
    rating_value: int | None
    french_name: str

    def label(self, language: str | None) -> str:
        """Return the label in a language: French for fr, English otherwise."""
        return self.french_name if language == "fr" else self.alternate_name


SCALE: tuple[Rating, ...] = (
    Rating("true", "True", 5, "Vrai"),
    Rating("mostly-true", "Mostly true", 4, "Plutôt vrai"),
    Rating("half-true", "Half true", 3, "Moitié vrai"),
    Rating("mostly-false", "Mostly false", 2, "Plutôt faux"),
    Rating("false", "False", 1, "Faux"),
    Rating("misleading", "Misleading", None, "Trompeur"),
    Rating("unverifiable", "Unverifiable", None, "Invérifiable"),
)
BY_KEY: dict[str, Rating] = {rating.key: rating for rating in SCALE}
BEST_RATING = 5
WORST_RATING = 1


def get_rating(key: str) -> Rating:
    """Return the rating for a key, or raise ValueError naming the allowed keys."""
    try:
        return BY_KEY[key]
    except KeyError:
        allowed = ", ".join(BY_KEY)
        raise ValueError(f"Unknown rating {key!r}; use one of: {allowed}.") from None


def already_checked(organisation: str, reviewed_at: object | None, rating: str) -> Message:
    """Say that another organisation published a fact-check of a claim, and its rating."""
    if reviewed_at:
        return Message(
            N_("Already checked by %(organisation)s on %(date)s: %(rating)s"),
            organisation=organisation,
            date=reviewed_at,
            rating=rating,
        )
    return Message(
        N_("Already checked by %(organisation)s: %(rating)s"),
        organisation=organisation,
        rating=rating,
    )


def rating_label(key: str, language: str | None = "en") -> str:
    """Return the label readers see for a rating key in a language (the key itself if unknown)."""
    rating = BY_KEY.get(key)
    return rating.label(language) if rating else key
