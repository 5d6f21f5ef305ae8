from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clearance import ResponseKind
from ..core.status import ReviewDecision
from .amendments import AmendmentRevision
from .base import Base, UTCDateTime, str_enum, utcnow
from .parties import Party
from .users import User


class Review(Base):
    """A legal reviewer's decision on one exact revision of an amendment. A later revision needs a new review;
    this one then shows as lapsed."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendments.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("amendment_revisions.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[ReviewDecision] = mapped_column(str_enum(ReviewDecision, "decision"))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    reviewer: Mapped[User] = relationship(lazy="joined")
    revision: Mapped[AmendmentRevision] = relationship()  # shown only beside its amendment, whose revisions are loaded


class Response(Base):
    """A party's answer to another party's tabled amendment: concurrence with one exact revision, or rejection."""

    __tablename__ = "responses"
    __table_args__ = (CheckConstraint("kind <> 'reject' OR reason <> ''", name="rejection_has_reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendments.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("amendment_revisions.id"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[ResponseKind] = mapped_column(str_enum(ResponseKind, "response_kind", 10))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    party: Mapped[Party] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")
    revision: Mapped[AmendmentRevision] = relationship()  # shown only beside its amendment, whose revisions are loaded
