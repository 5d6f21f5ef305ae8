from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.deadlines import ReminderKind, ReminderStage
from .base import Base, UTCDateTime, str_enum, utcnow


class DeadlineReminder(Base):
    """A reminder sent for a deadline (services.deadlines.send_reminders): kept so that it is never sent twice.
    The unique key names the date reminded of, so a date moved later is reminded of again."""

    __tablename__ = "deadline_reminders"
    __table_args__ = (UniqueConstraint("kind", "subject_id", "stage", "due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind, "reminder_kind", 16))
    #: The amendment (reply-by) or the meeting (written proposals).
    subject_id: Mapped[int]
    stage: Mapped[ReminderStage] = mapped_column(str_enum(ReminderStage, "reminder_stage", 16))
    due: Mapped[dt.date] = mapped_column(Date)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
