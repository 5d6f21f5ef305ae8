from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .users import User


class AuditEvent(Base):
    """An append-only record of something a person did: who, when, what, before and after.

    Rows are never updated or deleted; `models.immutability` refuses it at flush time.
    """

    __tablename__ = "audit_events"
    #: The audit trail reads one negotiation's events newest first, 50 to a page (services.audit_trail): this index
    #: answers it without sorting the whole table; `private_to_party_id` has its own for a party's private rows.
    #: The state stamp of every status page (services.reports.state_stamp) asks for the newest public event of a
    #: negotiation and the newest private event of a party in it: `ix_audit_events_stamp` finds each in one probe,
    #: whatever another negotiation writes meanwhile.
    __table_args__ = (
        Index("ix_audit_events_trail", "instrument_id", "occurred_at", "id"),
        Index("ix_audit_events_stamp", "instrument_id", "private_to_party_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: Dotted name of what happened, e.g. "user.created", "clause.version_added".
    kind: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    #: The negotiation the event belongs to; None for what belongs to none (accounts, tokens, sign-ins).
    instrument_id: Mapped[int | None] = mapped_column(ForeignKey("instruments.id"), index=True)
    #: The clause the event concerns, if any: lets the audit trail be filtered by clause.
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    #: Set for events about a party's private business (its drafts, its internal notes): only that party's
    #: users may read them. None: every user who may read the audit trail.
    private_to_party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship(lazy="joined")
