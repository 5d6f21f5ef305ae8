from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clause_kinds import ClauseKind
from ..core.clearance import ClearanceRule
from .base import Base, UTCDateTime, str_enum, utcnow
from .parties import Party
from .users import User


class Instrument(Base):
    """A negotiation: the document under negotiation (the CICA Secretariat–UNOCT Memorandum of Understanding is one),
    its parties, languages and meetings. One deployment holds several; nothing of one appears in another."""

    __tablename__ = "instruments"
    __table_args__ = (CheckConstraint("slug <> ''", name="slug_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The negotiation's name in addresses (/n/<slug>/...): lower-case letters, digits and hyphens.
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    short_title: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Whose legal clearance adoption needs (core.clearance). Rows made before the rule existed, and the demo,
    #: keep "any legal reviewer"; a negotiation opened through `services.negotiations.create_negotiation`
    #: chooses, per-party by default (`clearance.DEFAULT_FOR_NEW_NEGOTIATIONS`).
    clearance_rule: Mapped[ClearanceRule] = mapped_column(
        str_enum(ClearanceRule, "clearance_rule"),
        default=ClearanceRule.any_reviewer,
        server_default=ClearanceRule.any_reviewer.value,
    )

    languages: Mapped[list[InstrumentLanguage]] = relationship(
        order_by="InstrumentLanguage.position", cascade="all, delete-orphan", lazy="selectin"
    )
    party_links: Mapped[list[InstrumentParty]] = relationship(
        order_by="InstrumentParty.position", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def parties(self) -> list[Party]:
        return [link.party for link in self.party_links]

    @property
    def language_codes(self) -> list[str]:
        return [lang.code for lang in self.languages]


class InstrumentLanguage(Base):
    """A language the instrument is drafted in. Exactly one is authoritative and required (English here)."""

    __tablename__ = "instrument_languages"

    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(default=0)
    #: Every clause version must have text in a required language.
    required: Mapped[bool] = mapped_column(default=False)


class InstrumentParty(Base):
    __tablename__ = "instrument_parties"

    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    #: The last citation number this party gave an amendment in this negotiation. Numbers are taken with one
    #: atomic UPDATE ... RETURNING at tabling, so parallel tablings wait for each other instead of colliding.
    last_citation_number: Mapped[int] = mapped_column(default=0, server_default="0")

    party: Mapped[Party] = relationship(lazy="joined")


class InstrumentAssignment(Base):
    """A chair, legal reviewer or administrator assigned to a negotiation: they see only the negotiations they are
    assigned to (negotiators see those their party takes part in)."""

    __tablename__ = "instrument_assignments"

    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class Clause(Base):
    """A node of the instrument tree. Its `wid` never changes; its number is derived from its position."""

    __tablename__ = "clauses"
    __table_args__ = (CheckConstraint("position >= 0", name="position_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), index=True)
    #: Stable identifier (as Akoma Ntoso's wId): used in URLs and citations across renumbering.
    wid: Mapped[str] = mapped_column(String(40), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"), index=True)
    position: Mapped[int]
    kind: Mapped[ClauseKind] = mapped_column(str_enum(ClauseKind, "kind"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Bracketed passages, brackets included ("[of Article 2]"), that a negotiator or the chair declared to be part
    #: of the wording rather than negotiating brackets (core.brackets reads them as plain text). Kept on the clause,
    #: not on a version, so that the declaration holds through later versions while the passage remains; who
    #: declared what, and when, is in the audit trail (services.brackets).
    plain_brackets: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")

    parent: Mapped[Clause | None] = relationship(remote_side=[id])
    versions: Mapped[list[ClauseVersion]] = relationship(
        back_populates="clause", order_by="ClauseVersion.seq", cascade="all, delete-orphan"
    )


class ClauseVersion(Base):
    """One immutable state of a clause. The latest version is the current text; a deletion is a version too."""

    __tablename__ = "clause_versions"
    __table_args__ = (
        UniqueConstraint("clause_id", "seq"),
        CheckConstraint("seq >= 1", name="seq_positive"),
        CheckConstraint("reason <> ''", name="reason_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"), index=True)
    #: 1 for the first text of the clause, then 2, 3, ...
    seq: Mapped[int]
    #: True when this version removes the clause from the draft; it then carries no text.
    is_deleted: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: The adopted amendment this version came from (None for the initial draft).
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id", use_alter=True))

    clause: Mapped[Clause] = relationship(back_populates="versions")
    created_by: Mapped[User | None] = relationship(lazy="joined")
    texts: Mapped[list[ClauseText]] = relationship(
        order_by="ClauseText.language", cascade="all, delete-orphan", lazy="selectin"
    )

    def text(self, language: str) -> ClauseText | None:
        return next((t for t in self.texts if t.language == language), None)


class ClauseText(Base):
    """The words of one clause version in one language (heading and body)."""

    __tablename__ = "clause_texts"
    __table_args__ = (CheckConstraint("body <> ''", name="body_not_empty"),)

    version_id: Mapped[int] = mapped_column(ForeignKey("clause_versions.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    heading: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    #: The version (seq) in which these words were last written; a version that leaves a language alone
    #: carries its words and this number over. When one language was revised later than another, the other is
    #: out of date until its own new version is recorded. None for texts imported without this record.
    revised_in_seq: Mapped[int | None]


class ImportPreview(Base):
    """A draft read from the files an administrator uploaded, waiting to be checked, corrected and confirmed.
    Nothing of it is in the negotiation until it is confirmed; it is deleted then."""

    __tablename__ = "import_previews"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: {"sources": {language: {"name", "sha256"}}, "languages": {language: {"clauses": [...], "notices": [...]}}}
    payload: Mapped[dict] = mapped_column(JSON)
    #: Optimistic lock: two corrections sent at once cannot both be applied to the same state.
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012  (SQLAlchemy reads it once)
