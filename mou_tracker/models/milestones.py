from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.milestones import LocalName, MeetingResult, MilestoneState
from .base import Base, UTCDateTime, str_enum
from .users import User


class Milestone(Base):
    """A meeting that takes the draft forward (CICA's SWG, then SOC), or the signature."""

    __tablename__ = "milestones"
    __table_args__ = (
        UniqueConstraint("instrument_id", "position"),
        UniqueConstraint("instrument_id", "code"),
        CheckConstraint("state = 'planned' OR frozen_at IS NOT NULL", name="frozen_has_time"),
        CheckConstraint(
            "state <> 'concluded' OR (concluded_at IS NOT NULL AND result IS NOT NULL)", name="concluded_has_result"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    #: The name in the negotiation's other languages, {language code: name} ({"ru": "Специальная рабочая группа"}).
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    #: The body that meets: "CICA Special Working Group", "Senior Officials Committee", ...
    body: Mapped[str] = mapped_column(String(200))
    date: Mapped[dt.date | None] = mapped_column(Date)
    #: The last day for written proposals to this meeting, set by the chair (core.deadlines): a proposal tabled
    #: later is marked late for the meeting, for the chair to admit or leave to the next one.
    proposals_deadline: Mapped[dt.date | None] = mapped_column(Date)
    position: Mapped[int]
    state: Mapped[MilestoneState] = mapped_column(
        str_enum(MilestoneState, "milestone_state"),
        default=MilestoneState.planned,
        server_default=MilestoneState.planned.value,
    )
    frozen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    frozen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    concluded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    concluded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    result: Mapped[MeetingResult | None] = mapped_column(str_enum(MeetingResult, "meeting_result", 30))
    result_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Optimistic lock: two chairs acting on the same meeting at once cannot both win.
    lock_version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012  (SQLAlchemy reads it once)

    def name_in(self, language: str | None) -> str:
        """The meeting's name in `language` where the negotiation has it, else its record name."""
        return self.local_name.in_language(language)

    @property
    def local_name(self) -> LocalName:
        """The name with its translations, for a sentence ("Draft frozen for the %(meeting)s") said in the reader's
        language."""
        return LocalName(self.name, self.names)

    frozen_by: Mapped[User | None] = relationship(foreign_keys=[frozen_by_id])
    concluded_by: Mapped[User | None] = relationship(foreign_keys=[concluded_by_id])
