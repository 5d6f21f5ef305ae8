from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.messages import N_
from .base import Base, UTCDateTime, str_enum


class SearchSource(enum.StrEnum):
    """What a search entry was read from; each has its own visibility rule (services.search)."""

    #: One language of one version of a clause (current or past): readable by everyone in the negotiation.
    clause_text = "clause_text"
    #: One language of one revision of an amendment: its party always, the others from the tabled revision on.
    amendment_text = "amendment_text"
    #: The rationale of one revision of an amendment: as its text.
    rationale = "rationale"
    #: A comment on an amendment (shared ones as the amendment) or a post in a clause's discussion (shared ones for
    #: everyone); internal ones for the writer's party alone.
    comment = "comment"
    #: A chair's note on a meeting's outcome for a clause.
    meeting_note = "meeting_note"
    #: An event of the negotiation's audit trail: for those who may read the trail, private ones for their party.
    audit = "audit"

    @property
    def label(self) -> str:
        return {
            "clause_text": N_("Clause text"),
            "amendment_text": N_("Amendment"),
            "rationale": N_("Rationale"),
            "comment": N_("Comment"),
            "meeting_note": N_("Meeting note"),
            "audit": N_("Audit trail"),
        }[self.value]


class SearchEntry(Base):
    """A text of the negotiation as the search reads it: its stems (core.search_text), indexed by the database's
    own full-text search (GIN over a `simple` tsvector on PostgreSQL, FTS5 on SQLite; see migration
    0013_search). Written in the same transaction as the text it reads (services.search_index); never the
    authority for what the text says, only for where it can be found."""

    __tablename__ = "search_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), index=True)
    source: Mapped[SearchSource] = mapped_column(str_enum(SearchSource, "search_source"))
    language: Mapped[str] = mapped_column(String(8))
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id", ondelete="CASCADE"))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("clause_versions.id", ondelete="CASCADE"))
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("amendment_revisions.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("amendment_comments.id", ondelete="CASCADE"))
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("milestone_outcomes.id", ondelete="CASCADE"), index=True)
    audit_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id", ondelete="CASCADE"))
    #: A post in a clause's discussion (found as a comment on the clause): its entry goes with it.
    post_id: Mapped[int | None] = mapped_column(ForeignKey("clause_posts.id", ondelete="CASCADE"))
    #: The party of whoever wrote the text: an amendment's party for its wording and rationale, the writer's party
    #: for a comment or a post, the actor's for an audit event; None for clause texts and chairs' meeting notes.
    #: The search's party filter is this one indexed column (migration 0024_search_authors).
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), index=True)
    #: Set for what belongs to one party alone (an internal comment, a private audit event).
    private_to_party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    #: The text as written, for the snippet shown with a result.
    text: Mapped[str] = mapped_column(Text)
    #: What the full-text index reads.
    stems: Mapped[str] = mapped_column(Text)
    #: When the text was written: results are filtered by date and the newest come first.
    written_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
