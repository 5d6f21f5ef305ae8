"""Tell whoever must act next: notifications written with the event that causes them, read on the notifications
page, and mailed through the outbox.

Every action already writes its audit event (services.audit.record); a flush that adds an event named in
`core.notifications.RULES` adds, in the same transaction, one notification per person the rule names, marked
`mail_at_once` for those who take e-mail at once when mail is on. An adoption also tells the proposers of the
amendments it made outdated. Nothing is rendered or sent here: the `send-mail` worker (mou_tracker.mail) renders
each marked notification from its row, in the recipient's language, into the outbox and sends it after the action
committed, so that e-mail adds one INSERT to an action and a mail server that refuses never undoes one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, and_, bindparam, case, event, func, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ..core import notifications as rules
from ..core import permissions
from ..core.messages import N_, Message
from ..core.paging import Pages
from ..core.roles import Role
from ..core.workflow import AmendmentState
from ..models import (
    Amendment,
    AuditEvent,
    Clause,
    ClausePost,
    Instrument,
    InstrumentAssignment,
    InstrumentParty,
    Milestone,
    Notification,
    OutboxMessage,
    User,
)
from ..models.base import table_of, utcnow
from . import audit
from .amendments import outdated_condition
from .draft import citations
from .errors import PermissionDenied, ValidationFailed
from .listing import one_page

#: Shown on the notifications page at once; older ones a page at a time.
PAGE_SIZE = 50


#: Whether e-mail is on (a mail server is configured: mou_tracker.mail.install). Off (the demo), no notification is
#: marked to be mailed at once, and the notifications page is the only channel.
_mailing = False


def install_mailing(enabled: bool) -> None:
    global _mailing
    _mailing = enabled


def _taking_part(instrument_id: Any):
    """SQL: the active users who work on the negotiation (its id, or a bound parameter): its parties' negotiators
    and the people assigned to it."""
    parties = select(InstrumentParty.party_id).where(InstrumentParty.instrument_id == instrument_id)
    assigned = select(InstrumentAssignment.user_id).where(InstrumentAssignment.instrument_id == instrument_id)
    return and_(
        User.active.is_(True),
        or_(
            (User.role == Role.negotiator) & User.party_id.in_(parties),
            (User.role != Role.negotiator) & User.id.in_(assigned),
        ),
    )


def people_of_negotiation(session: Session, instrument_id: int) -> list[User]:
    """Everyone active who works on the negotiation: its parties' negotiators and the people assigned to it."""
    return list(session.scalars(select(User).where(_taking_part(instrument_id)).order_by(User.id)))


@dataclass(frozen=True)
class _Recipient:
    """What the listener reads of a person who may be told: read as plain columns, not as User rows (a tabling
    tells a handful of people, and loading each as an account with its party cost more than the telling)."""

    id: int
    role: Role
    party_id: int | None
    email: str | None
    email_mode: rules.EmailMode
    language: str


#: Built once with the negotiation as a parameter: the listener runs with every action, and building the
#: statement anew cost three times what running it did.
_RECIPIENTS = (
    select(User.id, User.role, User.party_id, User.email, User.email_mode, User.language)
    .where(_taking_part(bindparam("instrument_id")))
    .order_by(User.id)
)


def _recipients_of(session: Session, instrument_id: int) -> list[_Recipient]:
    rows = session.connection().execute(_RECIPIENTS, {"instrument_id": instrument_id})  # Core: no ORM to pass
    return [_Recipient(*row) for row in rows]


#: Its earlier name, for callers written before the discussion needed it too.
_people = people_of_negotiation


def _plain(value: object) -> object:
    """Values kept as JSON: a Message (a draft's citation) keeps its template so it can be translated."""
    if isinstance(value, Message):
        return {"template": value.template, "params": {k: _plain(v) for k, v in value.params.items()}}
    return value


@dataclass(frozen=True)
class _Told:
    kind: str
    facts: rules.EventFacts
    params: dict[str, Any]
    target: str
    instrument_id: int
    audit_event_id: int | None


def _what_was_told(session: Session, audit_event: AuditEvent) -> list[_Told]:
    kind = rules.notification_kind(audit_event.kind, audit_event.before, audit_event.after)
    if kind is None or audit_event.instrument_id is None:
        return []
    # A reminder names the date it reminds of; a reservation who entered it (services.deadlines, services.meetings).
    after = audit_event.after or {}
    extra: dict[str, Any] = {key: after[key] for key in ("date", "reserved_by") if key in after}
    actor_party = audit_event.actor.party.code if audit_event.actor and audit_event.actor.party else ""
    if audit_event.subject_type == "Amendment":
        amendment = session.get(Amendment, int(audit_event.subject_id))
        if amendment is None:
            return []
        told = [
            _Told(
                kind,
                rules.EventFacts(kind, audit_event.actor_id, amendment.party_id, audit_event.private_to_party_id),
                {"party": actor_party, "citation": _plain(amendment.citation), **extra},
                f"amendments/{amendment.id}",
                audit_event.instrument_id,
                audit_event.id,
            )
        ]
        if kind == "amendment.adopted" and amendment.clause_id is not None:
            told.extend(_outdated_by(session, audit_event, amendment))
        return told
    if audit_event.subject_type == "Milestone":
        meeting = session.get(Milestone, int(audit_event.subject_id))
        if meeting is None:
            return []
        return [
            _Told(
                kind,
                rules.EventFacts(kind, audit_event.actor_id, None, audit_event.private_to_party_id),
                {
                    "meeting": meeting.name,
                    "meeting_names": meeting.names or {},
                    **extra,
                    **({"party": extra["reserved_by"]} if "reserved_by" in extra else {}),
                },
                f"meetings/{meeting.code}",
                audit_event.instrument_id,
                audit_event.id,
            )
        ]
    if audit_event.subject_type == "ClausePost":
        return _mentioned_in(session, audit_event, kind)
    return []


def _mentioned_in(session: Session, audit_event: AuditEvent, kind: str) -> list[_Told]:
    """The people a clause's discussion post names (services.discussion refused, before writing it, any name that
    may not read it; the event of an internal post is private to its party all the same)."""
    post = session.get(ClausePost, int(audit_event.subject_id))
    if post is None or not post.mentions:
        return []
    clause = session.get(Clause, post.clause_id)
    instrument = session.get(Instrument, post.instrument_id)
    citation = citations(session, post.author, instrument).get(post.clause_id) if instrument else None
    facts = rules.EventFacts(
        kind,
        audit_event.actor_id,
        None,
        audit_event.private_to_party_id,
        mentioned_ids=frozenset(m.user_id for m in post.mentions),
    )
    params = {"author": post.author.display_name, "citation": citation or (clause.wid if clause else "")}
    target = f"clauses/{clause.wid if clause else ''}#post-{post.id}"
    return [_Told(kind, facts, params, target, post.instrument_id, audit_event.id)]


def _outdated_by(session: Session, audit_event: AuditEvent, adopted: Amendment) -> list[_Told]:
    """The tabled amendments to the clause an adoption changed that it made outdated: their proposers must rebase."""
    others = session.scalars(
        select(Amendment).where(
            Amendment.clause_id == adopted.clause_id,
            Amendment.id != adopted.id,
            Amendment.state == AmendmentState.tabled,
            outdated_condition(),
        )
    ).all()
    kind = "amendment.outdated"
    return [
        _Told(
            kind,
            rules.EventFacts(kind, None, other.party_id, None),
            {"citation": _plain(other.citation)},
            f"amendments/{other.id}",
            audit_event.instrument_id or other.instrument_id,
            audit_event.id,
        )
        for other in others
    ]


def _slug(session: Session, instrument_id: int) -> str:
    """The negotiation's slug, for the links: read from the session when the action has loaded the negotiation
    (it usually has), else one query."""
    loaded = session.identity_map.get(identity_key(Instrument, instrument_id))
    slug = loaded.__dict__.get("slug") if loaded is not None else None  # never a refresh of an expired row
    if slug is None:
        slug = session.scalar(_SLUG, {"instrument_id": instrument_id})
    return slug or ""


#: Built once, as _RECIPIENTS.
_SLUG = select(Instrument.slug).where(Instrument.id == bindparam("instrument_id"))
_NOTIFICATIONS = insert(table_of(Notification))


@event.listens_for(Session, "after_flush")
def _notify(session: Session, flush_context) -> None:
    events = [
        obj
        for obj in session.new
        if isinstance(obj, AuditEvent) and rules.notification_kind(obj.kind, obj.before, obj.after) is not None
    ]
    if not events:
        return
    people_of: dict[int, tuple[dict[int, _Recipient], list[rules.Person]]] = {}
    slugs: dict[int, str] = {}
    notifications: list[dict[str, Any]] = []
    now = utcnow()
    for audit_event in sorted(events, key=lambda e: e.id):
        for told in _what_was_told(session, audit_event):
            if told.instrument_id not in people_of:
                recipients = _recipients_of(session, told.instrument_id)
                people_of[told.instrument_id] = (
                    {p.id: p for p in recipients},
                    [rules.Person(p.id, p.role, p.party_id) for p in recipients],
                )
                slugs[told.instrument_id] = _slug(session, told.instrument_id)
            people, persons = people_of[told.instrument_id]
            target = f"n/{slugs[told.instrument_id]}/{told.target}"
            template = rules.RULES[told.kind].sentence
            for person in rules.recipients(told.facts, persons):
                user = people[person.id]
                notifications.append(
                    {
                        "user_id": user.id,
                        "instrument_id": told.instrument_id,
                        "audit_event_id": told.audit_event_id,
                        "kind": told.kind,
                        "template": template,
                        "params": told.params,
                        "target": target,
                        "created_at": now,
                        "mailed_at": None,
                        # Rendered and queued by the worker (mou_tracker.mail.queue_at_once), not here.
                        "mail_at_once": _mailing and bool(user.email) and user.email_mode is rules.EmailMode.immediate,
                    }
                )
    if notifications:
        session.connection().execute(_NOTIFICATIONS, notifications)


# Reading ----------------------------------------------------------------------------------------------------


def for_user(session: Session, user: User, *, limit: int = PAGE_SIZE) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def page_of_notifications(
    session: Session,
    user: User,
    *,
    instrument_id: int | None = None,
    unread_only: bool = False,
    page: int = 1,
    size: int = PAGE_SIZE,
) -> tuple[list[Notification], Pages]:
    """One page of the user's own notifications (of one negotiation, when given), newest first (the API);
    `unread_only` leaves out those read."""
    query = select(Notification).where(Notification.user_id == user.id)
    if instrument_id is not None:
        query = query.where(Notification.instrument_id == instrument_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return one_page(
        session, query, order_by=(Notification.created_at.desc(), Notification.id.desc()), page=page, size=size
    )


def owned(session: Session, user: User, notification_id: int, instrument_id: int) -> Notification | None:
    """The user's own notification of that number in that negotiation; another user's is as absent as a missing
    one."""
    return session.scalar(
        select(Notification).where(
            Notification.id == notification_id,
            Notification.user_id == user.id,
            Notification.instrument_id == instrument_id,
        )
    )


def mark_read(
    session: Session, user: User, notification_id: int | None = None, *, instrument_id: int | None = None
) -> int:
    """Mark one of the user's notifications read (or all, when no id; of one negotiation, when given): returns how
    many changed. Another user's notification is never touched (the condition names the user)."""
    statement = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if instrument_id is not None:
        statement = statement.where(Notification.instrument_id == instrument_id)
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    result = session.execute(statement.values(read_at=utcnow()).execution_options(synchronize_session=False))
    return cast(CursorResult, result).rowcount or 0  # an UPDATE's result is a cursor result


def _still_told():
    """SQL, on notifications joined to their user and (outer join) their audit event: what may still be mailed to
    its recipient now, whatever changed since it was written: the recipient is active and still works on its
    negotiation, and an event private to a party (its drafts, its internal posts) is mailed to that party's people
    only. What is mailed is rendered from the notification row alone (its sentence, values and link, fixed when
    the action was taken), never from the amendment or post as it stands at sending time."""
    return and_(
        _taking_part(Notification.instrument_id),
        or_(AuditEvent.private_to_party_id.is_(None), AuditEvent.private_to_party_id == User.party_id),
    )


def waiting_at_once(session: Session, *, limit: int = 500) -> list[tuple[Notification, User, bool]]:
    """Notifications marked to be mailed at once and not mailed yet, oldest first, each with its recipient and
    whether they may still be told of it by e-mail (`_still_told`): the outbox worker's queue."""
    rows = session.execute(
        select(Notification, User, case((_still_told(), True), else_=False))
        .join(User, User.id == Notification.user_id)
        .outerjoin(AuditEvent, AuditEvent.id == Notification.audit_event_id)
        # As the partial index ix_notifications_to_mail says it, so that the database reads only these.
        .where(Notification.mail_at_once, Notification.mailed_at.is_(None))
        .order_by(Notification.id)
        .limit(limit)
    )
    return [(notification, user, bool(may)) for notification, user, may in rows]


def due_digests(session: Session, now: dt.datetime) -> dict[int, list[Notification]]:
    """Digest users' notifications not yet mailed (and that they may still be told of: `_still_told`), when their
    last digest went out a day ago or more."""
    waiting = session.scalars(
        select(Notification)
        .join(User, User.id == Notification.user_id)
        .outerjoin(AuditEvent, AuditEvent.id == Notification.audit_event_id)
        .where(
            Notification.mailed_at.is_(None),
            User.email_mode == rules.EmailMode.digest,
            User.email.is_not(None),
            _still_told(),
        )
        .order_by(Notification.user_id, Notification.created_at)
    ).all()
    by_user: dict[int, list[Notification]] = {}
    for notification in waiting:
        by_user.setdefault(notification.user_id, []).append(notification)
    due = {}
    for user_id, pending in by_user.items():
        last = session.scalar(select(func.max(Notification.mailed_at)).where(Notification.user_id == user_id))
        if last is None or now - last >= dt.timedelta(days=1):
            due[user_id] = pending
    return due


# Settings and the outbox ----------------------------------------------------------------------------------------

#: Enough to refuse what is plainly not an address; the mail server has the last word (a bounce stays in the
#: outbox with its reason).
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


def set_email_preferences(session: Session, actor: User, email: str | None, mode: rules.EmailMode) -> User:
    address = (email or "").strip() or None
    if address is not None and (len(address) > 254 or not _EMAIL.match(address)):
        raise ValidationFailed(N_("That is not an e-mail address (name@example.org)."))
    before = {"email": actor.email, "email_mode": actor.email_mode.value}
    actor.email = address
    actor.email_mode = mode
    audit.record(
        session,
        actor,
        "user.notifications_changed",
        actor,
        f"{actor.login} set e-mail notifications: {mode.value}",
        before=before,
        after={"email": address, "email_mode": mode.value},
    )
    session.flush()
    return actor


def outbox(session: Session, actor: User, *, limit: int = 200) -> list[OutboxMessage]:
    """Administrators read the outbox: what waits, what went, what failed and why."""
    if not permissions.can_manage_users(actor):
        raise PermissionDenied(N_("Only administrators read the outbox."))
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)))
