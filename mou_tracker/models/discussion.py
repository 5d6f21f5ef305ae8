"""The discussion of a clause (posts, with the people they mention) and the documents attached to a negotiation,
a meeting, a clause or an amendment."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..core.messages import N_
from .base import Base, UTCDateTime, str_enum, utcnow
from .parties import Party
from .users import User


class ClausePost(Base):
    """One post in a clause's discussion. Internal posts are read only by the writer's party; immutable once
    written, like the comments on an amendment (the record of what was said)."""

    __tablename__ = "clause_posts"
    __table_args__ = (
        CheckConstraint("body <> ''", name="body_not_empty"),
        CheckConstraint("NOT internal OR party_id IS NOT NULL", name="internal_has_party"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), index=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The author's party when writing: who may read an internal post.
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    internal: Mapped[bool] = mapped_column(Boolean)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")
    party: Mapped[Party | None] = relationship(lazy="joined")
    mentions: Mapped[list[ClausePostMention]] = relationship(lazy="selectin", order_by="ClausePostMention.user_id")


class ClausePostMention(Base):
    """A user a post names with @login: they are told (notification rule "mentioned")."""

    __tablename__ = "clause_post_mentions"

    post_id: Mapped[int] = mapped_column(ForeignKey("clause_posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)

    user: Mapped[User] = relationship(lazy="joined")


class AttachedTo(enum.StrEnum):
    """What a document is attached to."""

    negotiation = "negotiation"
    meeting = "meeting"
    clause = "clause"
    amendment = "amendment"

    @property
    def label(self) -> str:
        return {
            "negotiation": N_("Negotiation"),
            "meeting": N_("Meeting"),
            "clause": N_("Clause"),
            "amendment": N_("Amendment"),
        }[self.value]


class AttachmentStore(enum.StrEnum):
    """Where the bytes of an attachment are kept (config MOU_ATTACHMENT_STORE): kept per row, so that changing
    the setting leaves earlier attachments readable."""

    #: In the row itself (`content`): one backup holds everything.
    db = "db"
    #: Under instance/attachments/, named by the SHA-256 of the content.
    files = "files"


class Attachment(Base):
    """A document attached to a negotiation, a meeting, a clause or an amendment (a note verbale, a concept paper,
    a legal opinion). Its type is the one read from its content, never from its name."""

    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint("NOT internal OR party_id IS NOT NULL", name="internal_has_party"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
        CheckConstraint("filename <> ''", name="filename_not_empty"),
        CheckConstraint("store <> 'db' OR content IS NOT NULL", name="db_store_has_content"),
        # Exactly the target its kind names, so that a row can never hang on two things at once.
        CheckConstraint(
            "(attached_to = 'negotiation' AND milestone_id IS NULL AND clause_id IS NULL AND amendment_id IS NULL)"
            " OR (attached_to = 'meeting' AND milestone_id IS NOT NULL AND clause_id IS NULL"
            " AND amendment_id IS NULL)"
            " OR (attached_to = 'clause' AND clause_id IS NOT NULL AND milestone_id IS NULL AND amendment_id IS NULL)"
            " OR (attached_to = 'amendment' AND amendment_id IS NOT NULL AND milestone_id IS NULL"
            " AND clause_id IS NULL)",
            name="one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), index=True)
    attached_to: Mapped[AttachedTo] = mapped_column(str_enum(AttachedTo, "attached_to"))
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestones.id"), index=True)
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"), index=True)
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id"), index=True)
    #: The name it was uploaded under (shown and offered on download; never trusted for the type).
    filename: Mapped[str] = mapped_column(String(255))
    #: What the content is, as core.sniffing read it ("application/pdf").
    media_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    #: A line saying what it is ("Note verbale of 12 March").
    description: Mapped[str] = mapped_column(String(300), default="", server_default="")
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The uploader's party: who may read an internal attachment.
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    internal: Mapped[bool] = mapped_column(Boolean)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    store: Mapped[AttachmentStore] = mapped_column(str_enum(AttachmentStore, "attachment_store", length=8))
    #: The bytes (store "db"); loaded only when the file is downloaded.
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    uploaded_by: Mapped[User] = relationship(lazy="joined")
    party: Mapped[Party | None] = relationship(lazy="joined")
