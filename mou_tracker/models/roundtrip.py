from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class RoundtripPreview(Base):
    """A party's marked-up Word document, read and matched to the draft, waiting for the negotiator to choose the
    amendments to create (services.roundtrip). Nothing of it is in the negotiation until confirmed; it is deleted
    then. Only its uploader reads it: it holds the party's internal drafting."""

    __tablename__ = "roundtrip_previews"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    #: The draft's state when the document was read (services.roundtrip.draft_stamp): confirming is refused once
    #: the draft has moved on, because the matches and base texts shown may no longer hold.
    draft_stamp: Mapped[str] = mapped_column(String(64))
    #: The proposals, matches, unmatched paragraphs and notices (services.roundtrip.reading_data).
    payload: Mapped[dict] = mapped_column(JSON)
