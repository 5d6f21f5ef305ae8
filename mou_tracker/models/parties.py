from __future__ import annotations

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Party(Base):
    """A side of the negotiation (the CICA Secretariat, UNOCT, ...). Rows, not code: more can be added."""

    __tablename__ = "parties"
    __table_args__ = (CheckConstraint("code <> ''", name="code_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short code used in citations of its amendments ("CICA-3", "UNOCT-7").
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Party {self.code}>"
