"""Status reports for chairs: read-only figures over the whole draft, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..core import permissions
from ..core.clause_kinds import ClauseKind
from ..core.messages import N_, Message
from ..core.milestones import MilestoneState
from ..core.status import ClauseStatus
from ..core.workflow import AmendmentState
from ..models import Amendment, AmendmentRevision, Instrument, Milestone, Review, User
from ..models.base import utcnow
from . import agreement, meetings
from .draft import DraftClause, draft_as_of
from .errors import PermissionDenied
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


def _age(since: dt.datetime | None, now: dt.datetime) -> int:
    return max(0, (now - since).days) if since else 0


def status_report(session: Session, actor: User, instrument: Instrument) -> StatusReport:
    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the status report."))
    now = utcnow()
    draft = draft_as_of(session, actor, instrument)
    standing = standings(session, actor, instrument)
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

    all_meetings = meetings.milestones(session)
    next_meeting = next((m for m in all_meetings if m.state is not MilestoneState.concluded), None)
    dealt = [m for m in all_meetings if m.state is not MilestoneState.planned]
    last_meeting = dealt[-1] if dealt else None
    changed = [
        r
        for r in rows
        if r.standing.changed_since and last_meeting and r.standing.changed_since[0].id == last_meeting.id
    ]

    reviews = [(a, _age(a.tabled_at, now)) for a in agreement.pending_reviews(session, actor)]

    visible = session.scalars(
        select(Amendment)
        .where(Amendment.instrument_id == instrument.id)
        .where(
            (Amendment.state == AmendmentState.tabled)
            | ((Amendment.state == AmendmentState.draft) & (Amendment.party_id == actor.party_id))
        )
        .options(selectinload(Amendment.revisions).selectinload(AmendmentRevision.texts))
    ).all()
    open_by_party: dict[str, Counter] = {p.code: Counter() for p in instrument.parties}
    for amendment in visible:
        open_by_party.setdefault(amendment.party.code, Counter())[amendment.state.value] += 1
    return StatusReport(instrument, now, rows, groups, next_meeting, last_meeting, changed, reviews, open_by_party)


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
    from .redlines import Point, read_amendment, whole_draft_redline

    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the meeting pack."))
    milestone = meetings.get_milestone(session, code)
    instrument = session.get(Instrument, milestone.instrument_id)
    report = status_report(session, actor, instrument)
    frozen = milestone.state is not MilestoneState.planned
    draft = meetings.frozen_draft(session, milestone) if frozen else [r.item for r in report.rows]

    languages = instrument.language_codes
    tabled = [a for row in report.rows for a, _ in row.standing.open_amendments]
    all_reviews = session.scalars(
        select(Review).where(Review.amendment_id.in_([a.id for a in tabled])).order_by(Review.created_at, Review.id)
    ).all()
    reviews_of: dict[int, list[Review]] = defaultdict(list)
    for review in all_reviews:
        reviews_of[review.amendment_id].append(review)
    reviews = {a.id: agreement.current_review(reviews_of[a.id], a) for a in tabled}
    compilation = []
    for row in report.rows:
        proposals: dict[str, list] = {party.code: [] for party in instrument.parties}
        for amendment, step in row.standing.open_amendments:
            reading = read_amendment(amendment, row.item.version, languages)
            proposals.setdefault(amendment.party.code, []).append((reading, reviews.get(amendment.id), step))
        compilation.append(CompilationRow(row, proposals))

    earlier = [
        m
        for m in meetings.milestones(session)
        if m.position < milestone.position and m.state is MilestoneState.concluded
    ]
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
    redline = whole_draft_redline(session, actor, since, until)
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
