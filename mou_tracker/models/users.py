from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..core.notifications import EmailMode
from ..core.roles import Role
from .base import Base, UTCDateTime, str_enum, utcnow
from .parties import Party


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role <> 'negotiator' OR party_id IS NOT NULL", name="negotiator_has_party"),
        CheckConstraint("login <> ''", name="login_not_empty"),
        CheckConstraint("language IN ('en', 'ru')", name="language_supported"),
    )

    #: Werkzeug's scrypt at its default cost (about 0.15 s on this machine class). The test suite lowers it,
    #: the only place where test and production configurations differ for speed. A hash made another way
    #: (an older algorithm or cost) is replaced at the next successful sign-in.
    password_method: ClassVar[str] = "scrypt:32768:8:1"  # noqa: S105  (an algorithm name, not a password)

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    active: Mapped[bool] = mapped_column(default=True)
    #: Bumped whenever a password changes or the account is deactivated; it is part of the session id, so every
    #: session opened before the change ends. (A second lock: the SignInSession rows, deleted on those events and
    #: on sign-out, are what a request must find.)
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The language of the interface and, where the instrument has it, of the clause texts (see core.languages).
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    #: Where notifications are mailed (None: none are); how often is `email_mode`.
    email: Mapped[str | None] = mapped_column(String(254))
    email_mode: Mapped[EmailMode] = mapped_column(
        str_enum(EmailMode, "email_mode"), default=EmailMode.immediate, server_default=EmailMode.immediate.value
    )
    #: Optimistic lock: of two administrators saving the same account at once, the second is refused.
    lock_version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012  (SQLAlchemy reads it once)

    party: Mapped[Party | None] = relationship(lazy="joined")

    # Flask-Login protocol ---------------------------------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    # Passwords --------------------------------------------------------------------------------------
    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=self.password_method)
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def password_needs_rehash(self) -> bool:
        return self.password_hash.split("$", 1)[0] != self.password_method

    def rehash_password(self, password: str) -> None:
        """Store the same password with the current method, without ending the user's sessions."""
        self.password_hash = generate_password_hash(password, method=self.password_method)

    @property
    def affiliation(self) -> str:
        return self.party.name if self.party else "No party"

    def __repr__(self) -> str:
        return f"<User {self.login} {self.role}>"


class SignInSession(Base):
    """One signed-in browser, kept on the server so that it can be ended.

    The session cookie carries a random secret; only its SHA-256 digest is stored (a fast digest is enough for
    256 random bits), so a copy of the database opens no session. Every request must find its row: signing out
    deletes it, and with it every copy of the cookie; a password change, a reset or a deactivation deletes all
    of the user's rows.
    """

    __tablename__ = "sign_in_sessions"
    __table_args__ = (CheckConstraint("last_seen_at >= created_at", name="seen_after_creation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Refreshed at most every few minutes, and only by requests that write anyway (pages never write).
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: A short description of the browser ("Firefox on Windows"), so the user can tell their sessions apart.
    user_agent: Mapped[str] = mapped_column(String(120), default="")

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<SignInSession {self.id} of user {self.user_id}>"
