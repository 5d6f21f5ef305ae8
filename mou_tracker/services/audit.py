from __future__ import annotations

from typing import Any

from sqlalchemy import or_
from sqlalchemy.orm import Session

from ..models import AuditEvent, User


def record(
    session: Session,
    actor: User | None,
    kind: str,
    subject: Any,
    summary: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    private_to_party_id: int | None = None,
    clause_id: int | None = None,
) -> AuditEvent:
    """Append one audit event for `subject` (any model with an `id`).

    `private_to_party_id` marks an event that only that party may read (its drafts, its internal notes).
    """
    if clause_id is None:
        clause_id = subject.id if type(subject).__name__ == "Clause" else getattr(subject, "clause_id", None)
    # The negotiation it belongs to: an amendment's, a meeting's, a clause's, or the negotiation itself; events
    # about accounts and tokens belong to none.
    instrument_id = subject.id if type(subject).__name__ == "Instrument" else getattr(subject, "instrument_id", None)
    event = AuditEvent(
        instrument_id=instrument_id,
        actor=actor,
        kind=kind,
        subject_type=type(subject).__name__,
        subject_id=str(subject.id),
        summary=summary,
        before=before,
        after=after,
        private_to_party_id=private_to_party_id,
        clause_id=clause_id,
    )
    session.add(event)
    return event


def readable_private(column, actor: User):
    """SQL: rows of nobody's private business (`column` is their private_to_party_id), or of the reader's own
    party's. The one rule for the audit trail and the search; a reader of no party reads no private row."""
    if actor.party_id is None:
        return column.is_(None)
    return or_(column.is_(None), column == actor.party_id)
