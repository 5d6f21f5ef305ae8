"""Signing in and managing accounts."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..core import permissions
from ..core.languages import INTERFACE_LANGUAGES
from ..core.messages import N_, Message
from ..core.roles import Role
from ..core.text import TextRuleError, clean_text
from ..models import ApiToken, Party, SignInSession, User
from ..models.base import utcnow
from . import audit, sign_in_sessions
from .errors import NotFound, PermissionDenied, ValidationFailed

LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 12
MAX_PASSWORD = 256

# Checked when the login is unknown, so that a wrong login and a wrong password take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


def authenticate(session: Session, login: str, password: str) -> User | None:
    """The active user with this login and password, or None; never says which of the two was wrong."""
    user = session.scalar(select(User).where(User.login == (login or "").strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not user.check_password(password or "") or not user.active:
        return None
    if user.password_needs_rehash:
        user.rehash_password(password)
        audit.record(session, user, "user.password_rehashed", user, f"Password hash of {user.login} upgraded")
    return user


def check_password_policy(password: str, *, login: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(Message(N_("The password must have at least %(count)s characters."), count=MIN_PASSWORD))
    if len(password) > MAX_PASSWORD:
        raise ValidationFailed(Message(N_("The password must have at most %(count)s characters."), count=MAX_PASSWORD))
    if login and login.lower() in password.lower():
        raise ValidationFailed(N_("The password must not contain the login."))


def _party(session: Session, party_id: int | None) -> Party | None:
    if party_id is None:
        return None
    party = session.get(Party, party_id)
    if party is None:
        raise ValidationFailed(N_("That party does not exist."))
    return party


def _check_role_party(role: Role, party: Party | None) -> None:
    if role.needs_party and party is None:
        raise ValidationFailed(N_("A negotiator must belong to a party."))


def _display_name(value: str) -> str:
    try:
        return clean_text(value, field=Message(N_("The display name")), max_length=120)
    except TextRuleError as exc:
        raise ValidationFailed(exc.args[0]) from exc


def _snapshot(user: User) -> dict:
    return {
        "login": user.login,
        "display_name": user.display_name,
        "role": user.role.value,
        "party": user.party.code if user.party else None,
        "active": user.active,
    }


def require_user_manager(actor: User | None) -> User:
    """The actor, when they may manage accounts at all (an active administrator)."""
    if not permissions.can_manage_users(actor):
        raise PermissionDenied(N_("Only an administrator can manage user accounts."))
    return actor


def require_account_manager(actor: User | None, user: User) -> None:
    """The actor may manage this account: an administrator of its party, or the platform operator."""
    require_user_manager(actor)
    if not permissions.can_manage_account(actor, user.party_id):
        raise PermissionDenied(
            N_("You manage the accounts of your own party only; the platform operator manages the others.")
        )


def _require_assignable(actor: User | None, party_id: int | None) -> None:
    if not permissions.can_manage_account(actor, party_id):
        raise PermissionDenied(N_("You can give an account your own party only."))


def assignable_parties(session: Session, actor: User | None) -> list[Party]:
    """The parties the actor may give an account: their own, or every one for the platform operator."""
    require_user_manager(actor)
    return [party for party in list_parties(session) if permissions.can_manage_account(actor, party.id)]


def may_leave_without_party(actor: User | None) -> bool:
    """Only the platform operator makes accounts of no party (such as another operator)."""
    return permissions.can_manage_account(actor, None)


def create_user(
    session: Session,
    actor: User | None,
    *,
    login: str,
    display_name: str,
    role: Role,
    party_id: int | None,
    password: str,
    system: bool = False,
) -> User:
    """Create an account. `system=True` is for the command line and the demo loader, which act for the operator."""
    if not system:
        require_user_manager(actor)
    party = _party(session, party_id)
    if not system:
        _require_assignable(actor, party_id)
    login = (login or "").strip().lower()
    if not LOGIN_PATTERN.match(login):
        raise ValidationFailed(
            N_("The login must be 2 to 64 characters: lower-case letters, digits, dots, hyphens or underscores.")
        )
    if session.scalar(select(func.count()).select_from(User).where(User.login == login)):
        raise ValidationFailed(N_("That login is already taken."))
    _check_role_party(role, party)
    check_password_policy(password, login=login)
    user = User(login=login, display_name=_display_name(display_name), role=role, party=party, active=True)
    user.set_password(password)
    session.add(user)
    session.flush()
    audit.record(
        session, actor, "user.created", user, f"Account {login} created as {role.label}", after=_snapshot(user)
    )
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("No such user."))
    return user


def manageable_user(session: Session, actor: User | None, user_id: int) -> User:
    """The account with this id, if the actor may manage it (403 otherwise, 404 when there is none)."""
    require_user_manager(actor)
    user = get_user(session, user_id)
    require_account_manager(actor, user)
    return user


def list_users(session: Session, actor: User | None) -> list[User]:
    """The accounts the actor manages: their party's, or every account for the platform operator."""
    manager = require_user_manager(actor)
    query = select(User).order_by(User.active.desc(), User.login)
    if manager.party_id is not None:
        query = query.where(User.party_id == manager.party_id)
    return list(session.scalars(query))


def update_user(
    session: Session,
    actor: User,
    user_id: int,
    *,
    display_name: str,
    role: Role,
    party_id: int | None,
    active: bool,
) -> User:
    user = manageable_user(session, actor, user_id)
    if permissions.is_self_lockout(actor, user, new_role=role, new_active=active):
        raise ValidationFailed(N_("You cannot remove your own administrator rights or deactivate yourself."))
    party = _party(session, party_id)
    if permissions.changes_own_standing(actor, user, new_role=role, new_party_id=party_id):
        raise PermissionDenied(N_("You cannot change your own role or party; another administrator must do it."))
    _require_assignable(actor, party_id)
    _check_role_party(role, party)
    before = _snapshot(user)
    user.display_name = _display_name(display_name)
    user.role = role
    user.party = party
    ended = None
    if user.active and not active:  # the deactivated user's open sessions end at once
        user.session_version += 1
        ended = sign_in_sessions.end_all(session, user)
    user.active = active
    after = _snapshot(user)
    if after != before:
        changed = ", ".join(k for k in after if after[k] != before[k])
        summary = f"Account {user.login} changed: {changed}"
        if ended is not None:
            summary += f"; {ended} open session(s) ended"
        audit.record(session, actor, "user.updated", user, summary, before=before, after=after)
    session.flush()
    return user


def reset_password(session: Session, actor: User, user_id: int, new_password: str) -> tuple[User, int]:
    """An administrator sets a new password: the user's open sessions end and their API tokens are revoked
    (whoever learned the old password may have made one). Returns the user and how many tokens were revoked."""
    user = manageable_user(session, actor, user_id)
    check_password_policy(new_password, login=user.login)
    user.set_password(new_password)
    ended = sign_in_sessions.end_all(session, user)
    revoked = _revoke_tokens(session, actor, user)
    audit.record(
        session,
        actor,
        "user.password_reset",
        user,
        f"Password of {user.login} reset; {ended} open session(s) ended, {revoked} API token(s) revoked",
    )
    session.flush()
    return user, revoked


def _revoke_tokens(session: Session, actor: User, user: User) -> int:
    """Revoke every usable API token of `user`, each with its own audit event naming the administrator.

    (api_tokens.revoke_token is for an owner revoking their own token; here the administrator acts.)"""
    now = utcnow()
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    revoked = 0
    for token in tokens:
        if token.expires_at <= now:
            continue
        token.revoked_at = now
        revoked += 1
        audit.record(
            session,
            actor,
            "token.revoked",
            token,
            f"{actor.display_name} revoked the API token '{token.name}' ({token.prefix}…) of {user.login} "
            "with the password reset",
        )
    return revoked


def change_own_password(
    session: Session,
    actor: User,
    *,
    current_password: str,
    new_password: str,
    keep: SignInSession | None,
    user_agent: str | None,
) -> tuple[SignInSession, str]:
    """The signed-in user changes their password. Every session ends; this browser goes on under a new one,
    whose row and cookie secret are returned. API tokens stay: the user made them and can revoke them."""
    if not actor.active:
        raise PermissionDenied(N_("An inactive account cannot change its password."))
    if not actor.check_password(current_password or ""):
        raise ValidationFailed(N_("The current password is not correct."))
    check_password_policy(new_password, login=actor.login)
    if actor.check_password(new_password):
        raise ValidationFailed(N_("The new password must differ from the current one."))
    actor.set_password(new_password)
    ended = sign_in_sessions.end_all(session, actor)
    row, secret = sign_in_sessions.start(session, actor, user_agent=user_agent)
    others = ended - (1 if keep is not None else 0)
    audit.record(
        session,
        actor,
        "user.password_changed",
        actor,
        f"{actor.login} changed their password; {max(others, 0)} other session(s) ended",
    )
    session.flush()
    return row, secret


def sign_out_everywhere(session: Session, actor: User) -> int:
    """End every session of the signed-in user, this one included. Returns how many ended."""
    ended = sign_in_sessions.end_all(session, actor)
    audit.record(
        session, actor, "user.signed_out_everywhere", actor, f"{actor.login} signed out everywhere ({ended} session(s))"
    )
    session.flush()
    return ended


def list_parties(session: Session) -> list[Party]:
    return list(session.scalars(select(Party).order_by(Party.position, Party.code)))


def party_by_code(session: Session, code: str) -> Party:
    party = session.scalar(select(Party).where(func.upper(Party.code) == code.strip().upper()))
    if party is None:
        raise ValidationFailed(Message(N_("There is no party with the code %(code)r."), code=code))
    return party


def set_language(session: Session, actor: User, code: str) -> User:
    """The signed-in user's interface language (and preferred language of clause texts)."""
    if code not in INTERFACE_LANGUAGES:
        raise ValidationFailed(_("That language is not available."))
    actor.language = code
    session.flush()
    return actor
