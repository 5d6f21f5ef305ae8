"""Status reports for chairs: read-only figures over the whole draft, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core import permissions
from ..core.clause_kinds import ClauseKind
from ..core.messages import N_, Message
from ..core.milestones import MilestoneState
from ..core.status import ClauseStatus
from ..core.workflow import AmendmentState
from ..models import (
    Amendment,
    AmendmentRevision,
    AuditEvent,
    ClauseVersion,
    Instrument,
    Milestone,
    MilestoneOutcome,
    Party,
    Response,
    Review,
    User,
)
from ..models.base import utcnow
from . import agreement, meetings
from .draft import DraftClause, current_instrument, draft_as_of
from .errors import NotFound, PermissionDenied
from .standing import ClauseStanding, standings

STATUS_ORDER = [ClauseStatus.agreed, ClauseStatus.ad_referendum, ClauseStatus.initial, ClauseStatus.bracketed]


#: The group of the title and preambular paragraphs in the report by article.
PREAMBLE = N_("Preamble")


@dataclass(frozen=True)
class ClauseRow:
    item: DraftClause
    standing: ClauseStanding
    #: Days since the oldest open amendment to the clause was tabled (0 when none).
    age_days: int


@dataclass(frozen=True)
class Group:
    """The preamble, or one article with everything under it."""

    label: str
    heading: str | None
    rows: list[ClauseRow]

    @property
    def counts(self) -> Counter:
        return Counter(row.standing.status for row in self.rows)


@dataclass
class StatusReport:
    instrument: Instrument
    generated_at: dt.datetime
    rows: list[ClauseRow]
    groups: list[Group]
    next_meeting: Milestone | None
    last_meeting: Milestone | None
    #: Clauses whose text differs from the last meeting's frozen draft.
    changed_since_last: list[ClauseRow]
    pending_reviews: list[tuple[Amendment, int]]
    #: Every meeting of the instrument, in order.
    meetings: list[Milestone] = field(default_factory=list)
    open_by_party: dict[str, Counter] = field(default_factory=dict)

    @property
    def counts(self) -> Counter:
        return Counter(row.standing.status for row in self.rows)

    @property
    def blocking(self) -> list[ClauseRow]:
        return [row for row in self.rows if row.standing.status is ClauseStatus.bracketed]

    @property
    def ready(self) -> int:
        return len(self.rows) - len(self.blocking)


def state_stamp(session: Session, actor: User) -> tuple:
    """What the status pages depend on, in one query: it changes whenever any of them would.

    Every change to the negotiation records an audit event, so the newest event's number moves with each one;
    its time tells apart a database emptied and loaded again, whose numbers start over. The newest clause
    version, revision, response, review and outcome are read as well, so that rows written without an event (a
    restored backup) also count. Days since tabling change with the date, so it is part too.
    """
    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the status report."))
    newest = [
        select(func.max(model.id)).scalar_subquery()
        for model in (AuditEvent, ClauseVersion, AmendmentRevision, Response, Review, MilestoneOutcome)
    ]
    newest.append(select(AuditEvent.occurred_at).order_by(AuditEvent.id.desc()).limit(1).scalar_subquery())
    return (*session.execute(select(*newest)).one(), utcnow().date().isoformat())


def _age(since: dt.datetime | None, now: dt.datetime) -> int:
    return max(0, (now - since).days) if since else 0


def status_report(
    session: Session,
    actor: User,
    instrument: Instrument,
    *,
    with_queues: bool = True,
    all_meetings: list[Milestone] | None = None,
) -> StatusReport:
    """Where every clause stands; `with_queues` adds the pending legal reviews and the open amendments per party.

    `all_meetings`, the instrument's meetings in order, spares a query to a caller that has them."""
    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the status report."))
    now = utcnow()
    draft = draft_as_of(session, actor, instrument)
    if all_meetings is None:
        all_meetings = meetings.milestones(session)
    standing = standings(
        session, actor, instrument, current={item.clause.id: item.version for item in draft}, meetings=all_meetings
    )
    rows = []
    for item in draft:
        clause_standing = standing[item.clause.id]
        tabled = [a.tabled_at for a, _ in clause_standing.open_amendments if a.tabled_at]
        rows.append(ClauseRow(item, clause_standing, _age(min(tabled), now) if tabled else 0))

    groups: list[Group] = []
    for row in rows:
        kind = row.item.kind
        if row.item.depth == 0 and kind is ClauseKind.article:
            groups.append(Group(row.item.label, row.item.heading("en"), [row]))
        elif row.item.depth == 0 and kind in (ClauseKind.title, ClauseKind.preamble):
            if not groups or groups[-1].label != PREAMBLE:
                groups.append(Group(PREAMBLE, N_("Title and preambular paragraphs"), []))
            groups[-1].rows.append(row)
        elif groups:
            groups[-1].rows.append(row)

    next_meeting = next((m for m in all_meetings if m.state is not MilestoneState.concluded), None)
    dealt = [m for m in all_meetings if m.state is not MilestoneState.planned]
    last_meeting = dealt[-1] if dealt else None
    changed = [
        r
        for r in rows
        if r.standing.changed_since and last_meeting and r.standing.changed_since[0].id == last_meeting.id
    ]

    report = StatusReport(instrument, now, rows, groups, next_meeting, last_meeting, changed, [], all_meetings)
    if with_queues:
        report.pending_reviews = [(a, _age(a.tabled_at, now)) for a in agreement.pending_reviews(session, actor)]
        report.open_by_party = _open_by_party(session, actor, instrument)
    return report


def _open_by_party(session: Session, actor: User, instrument: Instrument) -> dict[str, Counter]:
    """{party code: Counter of its open amendments by state}, counting drafts of the actor's own party only."""
    open_by_party: dict[str, Counter] = {p.code: Counter() for p in instrument.parties}
    for code, state, count in session.execute(
        select(Party.code, Amendment.state, func.count())
        .join(Party, Party.id == Amendment.party_id)
        .where(Amendment.instrument_id == instrument.id)
        .where(
            (Amendment.state == AmendmentState.tabled)
            | ((Amendment.state == AmendmentState.draft) & (Amendment.party_id == actor.party_id))
        )
        .group_by(Party.code, Amendment.state)
    ):
        open_by_party.setdefault(code, Counter())[state.value] += count
    return open_by_party


# Meeting pack ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompilationRow:
    row: ClauseRow
    #: Party code -> that party's tabled amendments to the clause, each with its redline readings and review.
    proposals: dict[str, list[tuple[object, object, object]]]


@dataclass
class MeetingPack:
    milestone: Milestone
    instrument: Instrument
    generated_at: dt.datetime
    #: The draft going to the meeting: its frozen snapshot, or the current draft while it is only planned.
    draft: list[DraftClause]
    frozen: bool
    compilation: list[CompilationRow]
    redline: object  # redlines.DraftRedline since the previous meeting (or the initial draft)
    since_label: str
    #: The two points of that redline, as keys for the whole-draft redline and its DOCX export.
    since_key: str
    until_key: str


def meeting_pack(session: Session, actor: User, code: str) -> MeetingPack:
    from .redlines import Point, load_reading_words, read_amendment, whole_draft_redline

    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the meeting pack."))
    instrument = current_instrument(session)
    all_meetings = meetings.milestones(session)
    milestone = next((m for m in all_meetings if m.code == code), None)
    if milestone is None:
        raise NotFound(N_("There is no meeting with that code."))
    report = status_report(session, actor, instrument, with_queues=False, all_meetings=all_meetings)
    frozen = milestone.state is not MilestoneState.planned
    draft = meetings.frozen_draft(session, milestone) if frozen else [r.item for r in report.rows]

    languages = instrument.language_codes
    tabled = [a for row in report.rows for a, _ in row.standing.open_amendments]
    load_reading_words(session, tabled, {row.item.clause.id: row.item.version for row in report.rows})
    compilation = []
    for row in report.rows:
        proposals: dict[str, list] = {party.code: [] for party in instrument.parties}
        for amendment, step in row.standing.open_amendments:
            reading = read_amendment(amendment, row.item.version, languages)
            proposals.setdefault(amendment.party.code, []).append(
                (reading, row.standing.reviews.get(amendment.id), step)
            )
        compilation.append(CompilationRow(row, proposals))

    earlier = [m for m in report.meetings if m.position < milestone.position and m.state is MilestoneState.concluded]
    if earlier:
        since = Point("milestone", earlier[-1].code, f"Draft frozen for the {earlier[-1].name}")
    else:
        first = min(row.item.version.created_at for row in report.rows) if report.rows else utcnow()
        since = Point("date", first.date().isoformat(), f"Draft at the end of {first:%d %B %Y}")
    until = (
        Point("milestone", milestone.code, Message(N_("Draft frozen for the %(meeting)s"), meeting=milestone.name))
        if frozen
        else Point("now")
    )
    redline = whole_draft_redline(
        session, actor, since, until, known={until.key: {item.clause.id: item.version for item in draft}}
    )
    return MeetingPack(
        milestone,
        instrument,
        report.generated_at,
        draft,
        frozen,
        compilation,
        redline,
        since.label,
        since.key,
        until.key,
    )
