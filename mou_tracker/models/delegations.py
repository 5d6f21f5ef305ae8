"""The Member States' delegations at a negotiation's meetings (CICA's SWG and SOC are bodies of its Member States)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Delegation(Base):
    """A Member State's delegation: it can enter a reservation on a clause at a meeting, and make proposals that the
    chair enters on its behalf. Rows, not code: the chair adds them per negotiation."""

    __tablename__ = "delegations"
    __table_args__ = (
        UniqueConstraint("instrument_id", "name"),
        CheckConstraint("name <> ''", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), index=True)
    #: The name in the negotiation's authoritative language ("Republic of Kazakhstan"): the record's name.
    name: Mapped[str] = mapped_column(String(200))
    #: The name in the negotiation's other languages, {language code: name} ({"ru": "Республика Казахстан"}).
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def name_in(self, language: str | None) -> str:
        """The name in `language` where the negotiation has it, else the record's name."""
        return (self.names or {}).get(language or "", "") or self.name

    def __repr__(self) -> str:
        return f"<Delegation {self.name}>"
