"""The verdict rating scale, defined once and mapped onto ClaimReview."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rating:
    """One step of the scale: its key, the label readers see, and its ClaimReview value."""

    key: str
    alternate_name: str
    rating_value: int | None


SCALE: tuple[Rating, ...] = (
    Rating("true", "True", 5),
    Rating("mostly-true", "Mostly true", 4),
    Rating("half-true", "Half true", 3),
    Rating("mostly-false", "Mostly false", 2),
    Rating("false", "False", 1),
    Rating("misleading", "Misleading", None),
    Rating("unverifiable", "Unverifiable", None),
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


def already_checked(organisation: str, reviewed_at: str | None, rating: str) -> str:
    """Say that another organisation published a fact-check of a claim, and its rating."""
    when = f" on {reviewed_at}" if reviewed_at else ""
    return f"Already checked by {organisation}{when}: {rating}"


def rating_label(key: str) -> str:
    """Return the label readers see for a rating key (the key itself if unknown)."""
    rating = BY_KEY.get(key)
    return rating.alternate_name if rating else key
