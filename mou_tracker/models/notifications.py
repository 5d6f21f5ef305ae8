from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .users import User


class Notification(Base):
    """Something a user is told (core.notifications decides who), written in the same transaction as the event
    that caused it. The sentence is kept as its gettext template and values, so that it reads in the language of
    whoever reads it, when they read it."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"))
    audit_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    template: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Where the user acts, as a path from the site's root ("n/cica-unoct-mou/amendments/12").
    target: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: When it went out by e-mail (alone or in a digest); None while waiting, or for users who take no e-mail.
    mailed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: Its recipient took e-mail at once when it was written (and a mail server was configured): the outbox worker
    #: (`send-mail`) renders it into an e-mail of its own, in the recipient's language of that moment, and sets
    #: `mailed_at`. The action that wrote it renders nothing (mou_tracker.mail).
    mail_at_once: Mapped[bool] = mapped_column(default=False, server_default=false())

    user: Mapped[User] = relationship()

    __table_args__ = (
        # What the worker looks for on each run: only the few notifications still waiting to be mailed at once.
        Index(
            "ix_notifications_to_mail",
            "id",
            postgresql_where=text("mail_at_once AND mailed_at IS NULL"),
            sqlite_where=text("mail_at_once AND mailed_at IS NULL"),
        ),
    )


class OutboxMessage(Base):
    """An e-mail waiting to be sent, or sent, or given up: the worker (`flask send-mail`) sends it after the
    action that wrote it has committed, so that sending never makes an action fail or wait."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: The server's last refusal, for administrators.
    last_error: Mapped[str] = mapped_column(Text, default="")
    #: Given up after core.notifications.MAX_ATTEMPTS.
    failed: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()
