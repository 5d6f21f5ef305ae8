from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.milestones import Outcome
from .base import Base, UTCDateTime, str_enum, utcnow
from .delegations import Delegation
from .instrument import ClauseVersion
from .users import User


class MilestoneSnapshot(Base):
    """One clause version in the draft a chair froze for a meeting. Immutable once written."""

    __tablename__ = "milestone_snapshots"

    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id"), primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("clause_versions.id"))

    version: Mapped[ClauseVersion] = relationship()


class MilestoneOutcome(Base):
    """What the meeting did with one clause of its frozen draft. Editable until the meeting concludes."""

    __tablename__ = "milestone_outcomes"
    __table_args__ = (
        UniqueConstraint("milestone_id", "clause_id"),
        CheckConstraint("outcome <> 'reservation' OR reserved_by <> ''", name="reservation_names_who"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id"), index=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"))
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, "outcome", 30))
    #: For a reservation: the party or Member State that entered it, by name as it stood when recorded (older
    #: reservations were typed in free text and have only this).
    reserved_by: Mapped[str] = mapped_column(String(200), default="")
    #: For a reservation entered by a Member State: its delegation.
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recorded_by: Mapped[User] = relationship(lazy="joined")
    delegation: Mapped[Delegation | None] = relationship(lazy="joined")

    def reserved_by_in(self, language: str | None) -> str:
        """Who entered the reservation, named in `language` where the negotiation has the name."""
        return self.delegation.name_in(language) if self.delegation is not None else self.reserved_by
