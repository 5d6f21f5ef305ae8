from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clause_kinds import ClauseKind
from ..core.deadlines import LateDecision
from ..core.messages import N_, Message
from ..core.workflow import AmendmentKind, AmendmentState
from .base import Base, UTCDateTime, str_enum, utcnow
from .delegations import Delegation
from .instrument import Clause, ClauseVersion
from .milestones import Milestone
from .parties import Party
from .users import User


def citation_of(party_code: str, number: int | None, amendment_id: int) -> str:
    """An amendment's citation: CICA-3 once tabled; before that the party's own handle for its draft ("CICA draft
    57", a Message that pages translate), which counts nothing: only the party itself ever reads it."""
    if number is None:
        return Message(N_("%(party)s draft %(id)s"), party=party_code, id=amendment_id)
    return f"{party_code}-{number}"


class Amendment(Base):
    """A party's proposal to change, insert or delete one clause. Its words live in its revisions."""

    __tablename__ = "amendments"
    __table_args__ = (
        UniqueConstraint("instrument_id", "party_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        # A citation number is given when the amendment is tabled, never before: numbers given at drafting let
        # the other party count a party's untabled drafts from the gaps.
        CheckConstraint("(number IS NULL) = (tabled_at IS NULL)", name="numbered_when_tabled"),
        CheckConstraint("(tabled_seq IS NULL) = (tabled_at IS NULL)", name="tabled_revision_known"),
        CheckConstraint("kind = 'insert' OR clause_id IS NOT NULL", name="target_clause_given"),
        CheckConstraint("kind <> 'insert' OR new_clause_kind IS NOT NULL", name="insert_has_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    #: Per-party number for citation (CICA-3, UNOCT-7), given at tabling; None while a party-internal draft.
    number: Mapped[int | None]
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
    #: A proposal a Member State's delegation made at a meeting, entered and tabled by the chair: that delegation.
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When it was first put to the other party. Once set it stays set, whatever happens next: from then on the
    #: amendment is part of the shared record (see `was_tabled`).
    tabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: The revision that was tabled. The revisions before it are the party's internal drafting; the other party
    #: reads the amendment from this revision onwards.
    tabled_seq: Mapped[int | None]
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: Touched by every action on the amendment, so that concurrent actions collide on `lock_version`.
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: Why the other party rejected it (with state "rejected").
    rejection_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: The day by which the proposing party asks the other party to answer (core.deadlines): set at tabling or
    #: after, by the proposer; None when none was set and no meeting gave a default.
    reply_by: Mapped[dt.date | None] = mapped_column(Date)
    #: The meeting whose deadline for written proposals had passed when this was tabled (core.deadlines).
    late_for_id: Mapped[int | None] = mapped_column(ForeignKey("milestones.id"))
    #: The chair's decision on a late proposal; None while awaited (or when it was not late).
    late_decision: Mapped[LateDecision | None] = mapped_column(str_enum(LateDecision, "late_decision", 16))
    #: Optimistic lock: two people acting on the same amendment at once cannot both win.
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012  (SQLAlchemy reads it once)

    party: Mapped[Party] = relationship(lazy="joined")
    clause: Mapped[Clause | None] = relationship(foreign_keys=[clause_id])
    insert_parent: Mapped[Clause | None] = relationship(foreign_keys=[insert_parent_id])
    insert_after: Mapped[Clause | None] = relationship(foreign_keys=[insert_after_id])
    answers: Mapped[Amendment | None] = relationship(remote_side=[id])
    delegation: Mapped[Delegation | None] = relationship(lazy="joined")
    late_for: Mapped[Milestone | None] = relationship(foreign_keys=[late_for_id])
    created_by: Mapped[User] = relationship()
    revisions: Mapped[list[AmendmentRevision]] = relationship(
        back_populates="amendment", order_by="AmendmentRevision.seq", cascade="all, delete-orphan"
    )

    @hybrid_property
    def was_tabled(self) -> bool:
        """Ever put to the other party. Visibility depends on this, never on the current state: a draft withdrawn
        without being tabled stays the party's own business."""
        return self.tabled_at is not None

    @was_tabled.inplace.expression
    @classmethod
    def _was_tabled_expression(cls):
        return cls.tabled_at.is_not(None)

    @property
    def citation(self) -> str:
        return citation_of(self.party.code, self.number, self.id)

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
        CheckConstraint("(source_file IS NULL) = (source_sha256 IS NULL)", name="source_file_has_digest"),
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
    #: A wording read from an uploaded Word document (services.roundtrip): the file's name and SHA-256, and who
    #: made the change in it and when (the tracked change's author and date); None for a wording typed here.
    source_file: Mapped[str | None] = mapped_column(String(200))
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    source_author: Mapped[str | None] = mapped_column(String(200))
    source_date: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

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
