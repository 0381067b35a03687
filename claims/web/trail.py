"""An audit entry said in words: "link confirmed by ana", "status: unreviewed → in review"."""

from __future__ import annotations

from typing import Any

from claims.errors import N_, Message
from claims.models import AuditEntry
from claims.services.audit import load
from claims.web.i18n import rating_label, status_label, translated

# What an action did, before "by <who>"; "claim.<status>" actions are said by their status.
PHRASES = {
    "article.import": N_("article imported"),
    "article.delete": N_("article deleted"),
    "claim.add": N_("claim added by hand"),
    "claim.assign": N_("assignment changed"),
    "claim.edit": N_("claim text corrected"),
    "claim.merge": N_("another claim merged into this one"),
    "claim.merged_into": N_("merged into another claim"),
    "claim.split": N_("claim split in two"),
    "claim.split_from": N_("claim made by splitting another"),
    "comment.create": N_("comment added"),
    "link.confirmed": N_("link confirmed"),
    "link.rejected": N_("link rejected"),
    "link.suggested": N_("link suggested again"),
    "verdict.create": N_("verdict recorded"),
    "verdict.reuse": N_("verdict reused from a matching claim"),
    "verdict.import": N_("verdict imported from a published fact-check"),
}
# The fields whose change a reader cares about, by the name they are shown with.
FIELDS = {
    "status": N_("status"),
    "assignee": N_("assigned to"),
    "text": N_("text"),
    "rating": N_("rating"),
}
NOBODY = "—"


def _value(field: str, value: Any) -> str:
    """Say a field's value as a reader would, in the interface language."""
    if value in (None, ""):
        return NOBODY
    if field == "status":
        return status_label(str(value))
    if field == "rating":
        return rating_label(str(value))
    return str(value)


def _change(field: str, before: dict[str, Any], after: dict[str, Any]) -> Message:
    """Say how one field changed: "status: unreviewed → in review", or its new value."""
    label, new = Message(FIELDS[field]), _value(field, after[field])
    if field == "rating" or not before:
        return Message(N_("%(field)s: %(value)s"), field=label, value=new)
    old = _value(field, before.get(field))
    return Message(N_("%(field)s: %(before)s → %(after)s"), field=label, before=old, after=new)


def changes(entry: AuditEntry) -> list[str]:
    """Return each field the entry changed, in words, then any reason it gave."""
    before, after = load(entry.before), load(entry.after)
    said = [
        _change(field, before, after)
        for field in FIELDS
        if field in after and before.get(field) != after[field]
    ]
    if reason := after.get("override_reason"):
        said.append(Message(N_("applied although the facts differ: %(reason)s"), reason=reason))
    return [translated(message) for message in said]


def in_words(entry: AuditEntry) -> str:
    """Say what the entry records: what happened, by whom."""
    phrase = PHRASES.get(entry.action)
    if phrase is None:
        kind = entry.action.partition(".")[0]
        phrase = N_("status changed") if kind == "claim" else entry.action.replace(".", " ")
    return translated(Message(N_("%(what)s by %(who)s"), what=Message(phrase), who=entry.actor))
