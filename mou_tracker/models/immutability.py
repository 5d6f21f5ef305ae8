"""Refuse, at flush time, any update or delete of rows that must never change once written."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from .amendments import AmendmentComment, AmendmentRevision, AmendmentText
from .audit import AuditEvent
from .discussion import ClausePost, ClausePostMention
from .instrument import ClauseText, ClauseVersion
from .meetings import MilestoneSnapshot
from .reviews import Response, Review

IMMUTABLE = (
    ClauseVersion,
    ClauseText,
    AmendmentRevision,
    AmendmentText,
    AmendmentComment,
    ClausePost,
    ClausePostMention,
    Review,
    Response,
    MilestoneSnapshot,
    AuditEvent,
)


class ImmutableRowError(RuntimeError):
    """A programming error: code tried to rewrite history."""


@event.listens_for(Session, "before_flush")
def _refuse_history_rewrite(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, IMMUTABLE) and (obj in session.deleted or session.is_modified(obj)):
            raise ImmutableRowError(f"{type(obj).__name__} rows are immutable; add a new one instead")
