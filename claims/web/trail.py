"""An audit entry said in words: "link confirmed by ana", "status: unreviewed → in review"."""

from __future__ import annotations

from typing import Any

from claims.models import AuditEntry
from claims.ratings import rating_label
from claims.services.audit import load

# What an action did, before "by <who>"; "claim.<status>" actions are said by their status.
PHRASES = {
    "article.import": "article imported",
    "article.delete": "article deleted",
    "claim.add": "claim added by hand",
    "claim.assign": "assignment changed",
    "claim.edit": "claim text corrected",
    "claim.merge": "another claim merged into this one",
    "claim.merged_into": "merged into another claim",
    "claim.split": "claim split in two",
    "claim.split_from": "claim made by splitting another",
    "comment.create": "comment added",
    "link.confirmed": "link confirmed",
    "link.rejected": "link rejected",
    "link.suggested": "link suggested again",
    "verdict.create": "verdict recorded",
    "verdict.reuse": "verdict reused from a matching claim",
    "verdict.import": "verdict imported from a published fact-check",
}
# The fields whose change is worth a reader's attention, by the name they are shown with.
FIELDS = {"status": "status", "assignee": "assigned to", "text": "text", "rating": "rating"}
NOBODY = "—"


def _value(field: str, value: Any) -> str:
    """Say a field's value as a reader would."""
    if value in (None, ""):
        return NOBODY
    if field == "status":
        return str(value).replace("_", " ")
    if field == "rating":
        return rating_label(str(value))
    return str(value)


def changes(entry: AuditEntry) -> list[str]:
    """Return each field the entry changed, as "field: before → after"."""
    before, after = load(entry.before), load(entry.after)
    said = []
    for field, label in FIELDS.items():
        if field in after and before.get(field) != after[field]:
            if field == "rating" or not before:
                said.append(f"{label}: {_value(field, after[field])}")
            else:
                old, new = _value(field, before.get(field)), _value(field, after[field])
                said.append(f"{label}: {old} → {new}")
    if reason := after.get("override_reason"):
        said.append(f"applied although the facts differ, because: {reason}")
    return said


def in_words(entry: AuditEntry) -> str:
    """Say what the entry records: what happened, by whom."""
    phrase = PHRASES.get(entry.action)
    if phrase is None:
        kind = entry.action.partition(".")[0]
        phrase = "status changed" if kind == "claim" else entry.action.replace(".", " ")
    return f"{phrase} by {entry.actor}"
