"""Personal API tokens: created and revoked by their owner, shown once, stored as a digest."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.messages import N_, Message
from ..models import ApiToken, User
from ..models.base import utcnow
from . import audit
from .errors import NotFound, PermissionDenied, ValidationFailed
from .validation import clean_field

#: Tokens carry this prefix so that a leaked one is recognisable (secret scanners, logs).
TOKEN_PREFIX = "mou_"  # noqa: S105  (a public marker, not a secret)
#: How long a new token may stay valid, in days (the account page and `flask create-token` offer these), and the
#: choice made when none is.
LIFETIMES_DAYS = (30, 90, 365)
DEFAULT_LIFETIME_DAYS = 90
#: last_used_at is refreshed at most this often, so that reads through the API do not each write a row.
USE_RESOLUTION = dt.timedelta(minutes=5)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def tokens_of(session: Session, actor: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == actor.id).order_by(ApiToken.created_at.desc(), ApiToken.id)
        )
    )


def create_token(
    session: Session, actor: User, *, name: str | None, lifetime_days: int | None, operator: str | None = None
) -> tuple[ApiToken, str]:
    """A new token for the actor; returns it with its secret, which is never stored or shown again.

    `operator` is for the command line, where someone at the server (named by their OS account) mints a token for
    `actor`: the audit trail then records the operator as the one who did it, and `actor` only as the owner."""
    if not actor.active:
        raise PermissionDenied(N_("An inactive account cannot create API tokens."))
    name = " ".join(
        clean_field(name, Message(N_("The token's name (what it is for, for example 'registry sync')")), 80).split()
    )
    if lifetime_days not in LIFETIMES_DAYS:
        raise ValidationFailed(N_("Choose how long the token stays valid: 30, 90 or 365 days."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user=actor,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        digest=digest(secret),
        created_at=now,
        expires_at=now + dt.timedelta(days=lifetime_days),
    )
    session.add(token)
    session.flush()
    after = {"name": name, "prefix": token.prefix, "expires_at": token.expires_at.isoformat()}
    if operator is None:
        audit.record(
            session,
            actor,
            "token.created",
            token,
            f"{actor.display_name} created the API token '{name}' ({token.prefix}…), valid {lifetime_days} days",
            after=after,
        )
    else:
        audit.record(
            session,
            None,
            "token.created",
            token,
            f"{operator} (via the command line) created the API token '{name}' ({token.prefix}…) for "
            f"{actor.display_name} ({actor.login}), valid {lifetime_days} days",
            after=after | {"owner": actor.login, "operator": operator, "via": "command line"},
        )
    return token, secret


def revoke_token(session: Session, actor: User, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.id:
        raise NotFound(N_("You have no API token with that number."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
        audit.record(
            session,
            actor,
            "token.revoked",
            token,
            f"{actor.display_name} revoked the API token '{token.name}' ({token.prefix}…)",
        )
    return token


def user_for_token(session: Session, secret: str) -> User | None:
    """The active user a bearer token belongs to, or None for an unknown, revoked or expired token."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.digest == digest(secret)))
    now = utcnow()
    if token is None or not token.is_usable(now):
        return None
    if token.last_used_at is None or now - token.last_used_at > USE_RESOLUTION:
        token.last_used_at = now
    return token.user
