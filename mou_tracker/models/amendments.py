from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clause_kinds import ClauseKind
from ..core.workflow import AmendmentKind, AmendmentState
from .base import Base, UTCDateTime, str_enum, utcnow
from .instrument import Clause, ClauseVersion
from .parties import Party
from .users import User


class Amendment(Base):
    """A party's proposal to change, insert or delete one clause. Its words live in its revisions."""

    __tablename__ = "amendments"
    __table_args__ = (
        UniqueConstraint("party_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("kind = 'insert' OR clause_id IS NOT NULL", name="target_clause_given"),
        CheckConstraint("kind <> 'insert' OR new_clause_kind IS NOT NULL", name="insert_has_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    #: Per-party number for citation: CICA-3, UNOCT-7.
    number: Mapped[int]
    kind: Mapped[AmendmentKind] = mapped_column(str_enum(AmendmentKind, "amendment_kind"))
    state: Mapped[AmendmentState] = mapped_column(str_enum(AmendmentState, "amendment_state"), index=True)
    #: The clause changed or deleted; for an insertion, the clause it created once adopted.
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"), index=True)
    #: Where an insertion goes: under this parent (None: top level), right after this sibling (None: first).
    insert_parent_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"))
    insert_after_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"))
    new_clause_kind: Mapped[ClauseKind | None] = mapped_column(str_enum(ClauseKind, "new_clause_kind"))
    #: The other party's amendment that this one answers (a counter-proposal).
    answers_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    tabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: Touched by every action on the amendment, so that concurrent actions collide on `lock_version`.
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: Why the other party rejected it (with state "rejected").
    rejection_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Optimistic lock: two people acting on the same amendment at once cannot both win.
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012  (SQLAlchemy reads it once)

    party: Mapped[Party] = relationship(lazy="joined")
    clause: Mapped[Clause | None] = relationship(foreign_keys=[clause_id])
    insert_parent: Mapped[Clause | None] = relationship(foreign_keys=[insert_parent_id])
    insert_after: Mapped[Clause | None] = relationship(foreign_keys=[insert_after_id])
    answers: Mapped[Amendment | None] = relationship(remote_side=[id])
    created_by: Mapped[User] = relationship()
    revisions: Mapped[list[AmendmentRevision]] = relationship(
        back_populates="amendment", order_by="AmendmentRevision.seq", cascade="all, delete-orphan"
    )

    @property
    def citation(self) -> str:
        return f"{self.party.code}-{self.number}"

    @property
    def latest(self) -> AmendmentRevision:
        return self.revisions[-1]


class AmendmentRevision(Base):
    """One immutable wording of an amendment. Revising adds a revision; the latest is the proposal."""

    __tablename__ = "amendment_revisions"
    __table_args__ = (
        UniqueConstraint("amendment_id", "seq"),
        CheckConstraint("seq >= 1", name="seq_positive"),
        CheckConstraint("rationale <> ''", name="rationale_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendments.id"), index=True)
    seq: Mapped[int]
    #: The clause version this wording was written against (None for an insertion).
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("clause_versions.id"))
    rationale: Mapped[str] = mapped_column(Text)
    #: Why this revision was made ("rebased onto version 3", "tightened wording"); empty for the first.
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    amendment: Mapped[Amendment] = relationship(back_populates="revisions")
    base_version: Mapped[ClauseVersion | None] = relationship()
    created_by: Mapped[User] = relationship(lazy="joined")
    texts: Mapped[list[AmendmentText]] = relationship(
        order_by="AmendmentText.language", cascade="all, delete-orphan", lazy="selectin"
    )

    def text(self, language: str) -> AmendmentText | None:
        return next((t for t in self.texts if t.language == language), None)


class AmendmentText(Base):
    """The proposed words in one language. A language with no row is not proposed to change."""

    __tablename__ = "amendment_texts"
    __table_args__ = (CheckConstraint("body <> ''", name="body_not_empty"),)

    revision_id: Mapped[int] = mapped_column(ForeignKey("amendment_revisions.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    heading: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)


class AmendmentComment(Base):
    """A note in an amendment's discussion. Internal notes are seen only by the writer's party."""

    __tablename__ = "amendment_comments"
    __table_args__ = (
        CheckConstraint("body <> ''", name="body_not_empty"),
        CheckConstraint("NOT internal OR party_id IS NOT NULL", name="internal_has_party"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendments.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The author's party when writing: who may read an internal note.
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    internal: Mapped[bool] = mapped_column(Boolean)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")
    party: Mapped[Party | None] = relationship(lazy="joined")
