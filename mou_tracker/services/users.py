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
from ..models import Party, User
from . import audit
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


def require_user_manager(actor: User | None) -> None:
    if not permissions.can_manage_users(actor):
        raise PermissionDenied(N_("Only an administrator can manage user accounts."))


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
    login = (login or "").strip().lower()
    if not LOGIN_PATTERN.match(login):
        raise ValidationFailed(
            N_("The login must be 2 to 64 characters: lower-case letters, digits, dots, hyphens or underscores.")
        )
    if session.scalar(select(func.count()).select_from(User).where(User.login == login)):
        raise ValidationFailed(N_("That login is already taken."))
    party = _party(session, party_id)
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


def list_users(session: Session, actor: User | None) -> list[User]:
    require_user_manager(actor)
    return list(session.scalars(select(User).order_by(User.active.desc(), User.login)))


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
    require_user_manager(actor)
    user = get_user(session, user_id)
    if permissions.is_self_lockout(actor, user, new_role=role, new_active=active):
        raise ValidationFailed(N_("You cannot remove your own administrator rights or deactivate yourself."))
    party = _party(session, party_id)
    _check_role_party(role, party)
    before = _snapshot(user)
    user.display_name = _display_name(display_name)
    user.role = role
    user.party = party
    if user.active and not active:
        user.session_version += 1  # ends the deactivated user's open sessions
    user.active = active
    after = _snapshot(user)
    if after != before:
        changed = ", ".join(k for k in after if after[k] != before[k])
        audit.record(
            session, actor, "user.updated", user, f"Account {user.login} changed: {changed}", before=before, after=after
        )
    session.flush()
    return user


def reset_password(session: Session, actor: User, user_id: int, new_password: str) -> User:
    require_user_manager(actor)
    user = get_user(session, user_id)
    check_password_policy(new_password, login=user.login)
    user.set_password(new_password)
    audit.record(session, actor, "user.password_reset", user, f"Password of {user.login} reset")
    session.flush()
    return user


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
