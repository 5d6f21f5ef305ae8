"""Reading the audit trail: filtered, and never showing a party's private business to anyone else."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..core import permissions
from ..core.messages import N_, Message
from ..core.paging import Pages
from ..core.spreadsheet import write_csv
from ..models import AuditEvent, Clause, Party, User
from . import audit
from .draft import current_instrument
from .errors import PermissionDenied, ValidationFailed
from .listing import one_page

#: Events on a page of the audit trail; the CSV holds every event the filters match.
PAGE_SIZE = 50
NEWEST_FIRST = (AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


@dataclass(frozen=True)
class AuditFilter:
    clause_wid: str | None = None
    party_code: str | None = None
    user_login: str | None = None
    kind: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def parse_date(raw: str | None, label: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(Message(N_("%(field)s must be a date (YYYY-MM-DD)."), field=label)) from None


def all_events(session: Session, actor: User, wanted: AuditFilter) -> list[AuditEvent]:
    """Every event the filters match that this user may read, newest first (the CSV)."""
    return list(session.scalars(_events_query(session, actor, wanted).order_by(*NEWEST_FIRST)))


def page_of_events(
    session: Session, actor: User, wanted: AuditFilter, *, page: int, size: int | None = None
) -> tuple[list[AuditEvent], Pages]:
    """One page of the events this user may read, newest first, and where that page lies (the page, the API)."""
    query = _events_query(session, actor, wanted)
    return one_page(session, query, order_by=NEWEST_FIRST, page=page, size=size or PAGE_SIZE)


def _events_query(session: Session, actor: User, wanted: AuditFilter) -> Select:
    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the audit trail."))
    if wanted.date_from and wanted.date_to and wanted.date_from > wanted.date_to:
        raise ValidationFailed(N_("The start date is after the end date."))
    query = select(AuditEvent).where(
        audit.readable_private(AuditEvent.private_to_party_id, actor),
        # This negotiation's events only: never another's, nor those of accounts and tokens (which would tell who
        # takes part in negotiations the reader cannot open).
        AuditEvent.instrument_id == current_instrument(session).id,
    )
    if wanted.clause_wid:
        query = query.join(Clause, Clause.id == AuditEvent.clause_id).where(Clause.wid == wanted.clause_wid)
    if wanted.party_code or wanted.user_login:
        query = query.join(User, User.id == AuditEvent.actor_id)
        if wanted.user_login:
            query = query.where(User.login == wanted.user_login.strip().lower())
        if wanted.party_code:
            query = query.join(Party, Party.id == User.party_id).where(Party.code == wanted.party_code.strip().upper())
    if wanted.kind:
        query = query.where(AuditEvent.kind.startswith(wanted.kind.strip()))
    if wanted.date_from:
        query = query.where(AuditEvent.occurred_at >= dt.datetime.combine(wanted.date_from, dt.time.min, tzinfo=dt.UTC))
    if wanted.date_to:
        query = query.where(AuditEvent.occurred_at <= dt.datetime.combine(wanted.date_to, dt.time.max, tzinfo=dt.UTC))
    return query


CSV_COLUMNS = [
    "id",
    "occurred_at_utc",
    "actor",
    "actor_party",
    "kind",
    "subject",
    "clause",
    "summary",
    "before",
    "after",
]


def to_csv(rows: list[AuditEvent], wids: dict[int, str], summary_of=None) -> str:
    """`summary_of(event)`: the summary as the reader reads it (the web layer's, in the reader's language)."""
    return write_csv(
        CSV_COLUMNS,
        (
            [
                e.id,
                e.occurred_at.isoformat(),
                e.actor.login if e.actor else "system",
                e.actor.party.code if e.actor and e.actor.party else "",
                e.kind,
                f"{e.subject_type} {e.subject_id}",
                wids.get(e.clause_id, "") if e.clause_id is not None else "",
                summary_of(e) if summary_of else e.summary,
                e.before,
                e.after,
            ]
            for e in rows
        ),
    )


def clause_wids(session: Session, rows: list[AuditEvent]) -> dict[int, str]:
    ids = {e.clause_id for e in rows if e.clause_id}
    return dict(session.execute(select(Clause.id, Clause.wid).where(Clause.id.in_(ids))).tuples().all()) if ids else {}
