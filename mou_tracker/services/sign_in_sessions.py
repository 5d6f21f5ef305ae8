"""Server-side sign-in sessions: one row per signed-in browser, so that signing out really ends a session.

The session cookie carries a random secret; the database keeps only its SHA-256 digest. Every request must find
its row (web.load_user reads it together with the user, in one query). Signing out deletes the row, so a copy of
the cookie taken earlier opens nothing; "sign out everywhere", a password change, a password reset by an
administrator and a deactivation delete all of the user's rows.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
from typing import Any, NamedTuple, cast

from sqlalchemy import CursorResult, bindparam, delete, func, select
from sqlalchemy.orm import Session

from ..models import Instrument, Notification, SignInSession, User
from ..models.base import utcnow
from . import negotiations

#: last_seen_at is refreshed at most this often, and only by requests that write anyway (pages never write).
SEEN_RESOLUTION = dt.timedelta(minutes=5)
#: A session with no recorded activity for this long has ended (its cookie expired long ago, or the browser was
#: abandoned): it is refused, and its row is deleted at the next sign-in of anyone.
IDLE_LIMIT = dt.timedelta(days=30)
#: Where the secret travels in the (signed) session cookie.
SESSION_KEY = "sign_in"

_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def describe_user_agent(raw: str | None) -> str:
    """'Firefox on Windows': enough to tell one's sessions apart, without keeping the whole fingerprint."""
    raw = raw or ""
    browser = next((name for marker, name in _BROWSERS if marker in raw), None)
    system = next((name for marker, name in _SYSTEMS if marker in raw), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or system or ""
    # Something else (a script, a test client): its first word, printable characters only.
    first = re.sub(r"[^\x21-\x7e]", "", raw.split(" ", 1)[0])
    return first[:120]


def start(session: Session, user: User, *, user_agent: str | None) -> tuple[SignInSession, str]:
    """A new session for `user`; returns it with the secret for the cookie, which is never stored.
    Sessions idle beyond IDLE_LIMIT (anyone's) are cleared out on the way."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    session.execute(delete(SignInSession).where(SignInSession.last_seen_at < now - IDLE_LIMIT))
    row = SignInSession(
        user=user, digest=digest(secret), created_at=now, last_seen_at=now, user_agent=describe_user_agent(user_agent)
    )
    session.add(row)
    session.flush()
    return row, secret


class SignedIn(NamedTuple):
    user: User
    sign_in: SignInSession
    #: Their unread notifications (the bell on every page).
    unread: int
    #: The negotiation the request asked to open, read with them (`negotiations.with_the_opened`): None when it is
    #: not open to them, NOT_READ when none was asked.
    negotiation: Instrument | negotiations.NotRead | None


def load(
    session: Session, user_id: int, secret: str | None, *, asked: negotiations.Asked | None = None
) -> SignedIn | None:
    """The active user, their session for this cookie, their unread notifications and the negotiation `asked` for
    (when asked), in one query; None when the session has ended."""
    if not secret or len(secret) > 100:
        return None
    parameters = {"user_id": user_id, "digest": digest(secret), "seen_since": utcnow() - IDLE_LIMIT}
    if asked is None:
        found = session.execute(_load_statement(None, False), parameters).first()
        return SignedIn(found[0], found[1], found[2] or 0, negotiations.NOT_READ) if found else None
    statement = _load_statement(asked.slug is not None, asked.languages)
    found = session.execute(statement, {**parameters, "slug": asked.slug}).unique().first()
    return SignedIn(found[0], found[1], found[2] or 0, found[3]) if found else None


@functools.cache
def _load_statement(by_slug: bool | None, languages: bool):
    """The statement `load` runs, built once for each kind of negotiation asked (`by_slug`; None: none; with its
    `languages` or not): every request runs one, and building it again each time cost as much as running it."""
    unread = (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    statement = (
        select(User, SignInSession, unread)
        .join(SignInSession, SignInSession.user_id == User.id)
        .where(
            User.id == bindparam("user_id"),
            User.active.is_(True),
            SignInSession.digest == bindparam("digest"),
            SignInSession.last_seen_at > bindparam("seen_since"),
        )
    )
    if by_slug is None:
        return statement
    return negotiations.with_the_opened(statement, by_slug=by_slug, languages=languages)


def note_seen(row: SignInSession, now: dt.datetime | None = None) -> None:
    """Record activity, at most once per SEEN_RESOLUTION: call it only in a request that writes anyway."""
    now = now or utcnow()
    if now - row.last_seen_at > SEEN_RESOLUTION:
        row.last_seen_at = now


def sessions_of(session: Session, user: User) -> list[SignInSession]:
    return list(
        session.scalars(
            select(SignInSession)
            .where(SignInSession.user_id == user.id)
            .order_by(SignInSession.last_seen_at.desc(), SignInSession.id.desc())
        )
    )


def end(session: Session, row: SignInSession | None) -> None:
    """Sign one browser out: its row goes, and every copy of its cookie stops working."""
    if row is not None:
        session.delete(row)


def end_all(session: Session, user: User, *, keep: SignInSession | None = None) -> int:
    """End the user's sessions (all of them, or all but `keep`); returns how many ended. The caller audits."""
    statement = delete(SignInSession).where(SignInSession.user_id == user.id)
    if keep is not None:
        statement = statement.where(SignInSession.id != keep.id)
    return cast("CursorResult[Any]", session.execute(statement)).rowcount or 0
