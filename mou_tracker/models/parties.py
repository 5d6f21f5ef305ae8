from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.milestones import LocalName
from .base import Base


class Party(Base):
    """A side of the negotiation (the CICA Secretariat, UNOCT, ...). Rows, not code: more can be added."""

    __tablename__ = "parties"
    __table_args__ = (CheckConstraint("code <> ''", name="code_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short code used in citations of its amendments ("CICA-3", "UNOCT-7").
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: The name in other languages, {language code: name} ({"ru": "Контртеррористическое управление ООН"}).
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    position: Mapped[int] = mapped_column(default=0)

    @property
    def local_name(self) -> LocalName:
        """The name, said in the reader's language where the party has a name in it (`|t` in templates)."""
        return LocalName(self.name, self.names)

    def __repr__(self) -> str:
        return f"<Party {self.code}>"
