"""Status reports for chairs: read-only figures over the whole draft, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import Integer, column, func, select, text
from sqlalchemy.orm import Session

from ..core import permissions
from ..core.clause_kinds import ClauseKind
from ..core.messages import N_, Message
from ..core.milestones import MilestoneState
from ..core.status import BracketMovement, ClauseStatus, bracket_movement
from ..core.workflow import OPEN_STATES, AmendmentKind
from ..models import (
    Amendment,
    AmendmentComment,
    AuditEvent,
    ClauseVersion,
    Instrument,
    Milestone,
    Party,
    User,
)
from ..models.base import utcnow
from . import agreement, deadlines, meetings
from .amendments import is_outdated, visible_to
from .brackets import bracket_counts
from .draft import (
    DraftClause,
    current_instrument,
    draft_as_of,
    in_reading_order,
    load_texts,
    number_live,
    versions_as_of,
)
from .draft import citations as draft_citations
from .errors import NotFound, PermissionDenied
from .standing import ClauseStanding, _tabled_with_revisions, frozen_versions, standings

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
    #: The article (None for the preamble), whose heading reads in each language of the negotiation.
    article: DraftClause | None = None

    def heading_in(self, language: str) -> str | None:
        """The heading in `language` where the negotiation has it, else the English one (or the preamble's label,
        which pages translate)."""
        return (self.article.heading(language) if self.article else None) or self.heading

    @property
    def counts(self) -> Counter:
        return Counter(row.standing.status for row in self.rows)

    @property
    def open_brackets(self) -> int:
        return sum(row.standing.open_brackets for row in self.rows)


#: Pending reviews a status report lists: who must act first. The whole queue is on each reviewer's own page.
LONGEST_WAITING = 20


def _title_in(instrument: Instrument, draft: list[DraftClause], language: str) -> str:
    """The instrument's title in `language`: the draft's title clause where it has that language, else the title
    the negotiation was registered with."""
    title = next((item for item in draft if item.kind is ClauseKind.title), None)
    return (title.body(language) if title else None) or instrument.title


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
    #: The longest-waiting legal reviews (at most `LONGEST_WAITING`) with their age in days, and how many wait.
    pending_reviews: list[tuple[Amendment, int]]
    pending_review_count: int = 0
    #: Tabled amendments nobody can review or answer until their proposers rebase them, with who must act.
    waiting_for_rebase: list[tuple[Amendment, str]] = field(default_factory=list)
    #: Every meeting of the instrument, in order.
    meetings: list[Milestone] = field(default_factory=list)
    #: Reply-by dates and late proposals (services.deadlines), overdue first; with the queues only.
    deadlines: deadlines.Overview | None = None
    open_by_party: dict[str, Counter] = field(default_factory=dict)
    #: Open square brackets now, and how many were opened and closed since the last meeting's frozen draft (None
    #: before any meeting's draft is frozen).
    brackets_since_last: BracketMovement | None = None

    @property
    def counts(self) -> Counter:
        return Counter(row.standing.status for row in self.rows)

    @property
    def open_brackets(self) -> int:
        return sum(row.standing.open_brackets for row in self.rows)

    def title_in(self, language: str) -> str:
        return _title_in(self.instrument, [row.item for row in self.rows], language)

    @property
    def blocking(self) -> list[ClauseRow]:
        return [row for row in self.rows if row.standing.status is ClauseStatus.bracketed]

    @property
    def ready(self) -> int:
        return len(self.rows) - len(self.blocking)


class StateStamp(NamedTuple):
    """The newest row of each kind the status pages show to one party, and the date (see `state_stamp`)."""

    event_id: int | None
    own_event_id: int | None
    version_id: int | None
    response_id: int | None
    review_id: int | None
    outcome_id: int | None
    event_time: dt.datetime | None
    day: str


def state_stamp(session: Session, actor: User) -> StateStamp:
    """What the status pages shown to `actor` depend on, in one query: it changes whenever any of them would.

    Every change to the negotiation records an audit event, so the newest event's number moves with each one:
    the newest public event, and the newest event private to the actor's party (its drafts, its internal notes;
    `AuditEvent.private_to_party_id`). A party's internal draft therefore moves its own stamp only: the other
    party's kept pages stay kept. The time of the newest public event tells apart a database emptied and loaded
    again, whose numbers start over. The newest clause version, response, review and outcome are read as well, so
    that rows written without an event (a restored backup) also count; amendment revisions are not (a draft's
    revision is its party's business). Days since tabling change with the date, so it is part too.
    """
    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the status report."))
    row = session.execute(_STAMP_QUERY, {"party": actor.party_id}).one()
    return StateStamp._make((*row._tuple(), utcnow().date().isoformat()))


# Written out once: every status page asks for it, and building the same statement from expressions on each
# request cost more than running it.
_STAMP_QUERY = text(
    "SELECT (SELECT max(id) FROM audit_events WHERE private_to_party_id IS NULL) AS event_id,"
    " (SELECT max(id) FROM audit_events WHERE private_to_party_id = :party) AS own_event_id,"
    " (SELECT max(id) FROM clause_versions) AS version_id,"
    " (SELECT max(id) FROM responses) AS response_id,"
    " (SELECT max(id) FROM reviews) AS review_id,"
    " (SELECT max(id) FROM milestone_outcomes) AS outcome_id,"
    " (SELECT occurred_at FROM audit_events WHERE private_to_party_id IS NULL ORDER BY id DESC LIMIT 1)"
    " AS event_time"
).columns(
    *(column(name, Integer) for name in StateStamp._fields[:6]),
    column("event_time", AuditEvent.__table__.c.occurred_at.type),
)


def _movement(session: Session, then: dict[int, ClauseVersion], now: dict[int, int]) -> BracketMovement:
    """Open brackets `now` ({clause id: count}) against a meeting's frozen draft (`then`, {clause id: version})."""
    counts = bracket_counts(session, then.values())
    return bracket_movement({cid: counts.get(v.id, 0) for cid, v in then.items()}, now)


def brackets_by_article(draft: list[DraftClause], counts: dict[int, int]) -> list[tuple[DraftClause | None, int]]:
    """Open brackets per article of a draft in reading order ({clause id: count}): (the article, or None for the
    title and preambular paragraphs, its count with everything under it)."""
    found: list[tuple[DraftClause | None, int]] = []
    for item in draft:
        if item.depth == 0 and item.kind is ClauseKind.article:
            found.append((item, 0))
        elif not found or (item.depth == 0 and found[-1][0] is not None and item.kind is not ClauseKind.article):
            found.append((None, 0))
        article, count = found[-1]
        found[-1] = (article, count + counts.get(item.clause.id, 0))
    return found


def _age(since: dt.datetime | None, now: dt.datetime) -> int:
    return max(0, (now - since).days) if since else 0


def status_report(
    session: Session,
    actor: User,
    instrument: Instrument,
    *,
    with_queues: bool = True,
    all_meetings: list[Milestone] | None = None,
    frozen: dict[tuple[int, int], ClauseVersion] | None = None,
    tabled: list[Amendment] | None = None,
) -> StatusReport:
    """Where every clause stands; `with_queues` adds the pending legal reviews and the open amendments per party.

    `all_meetings` (the instrument's meetings in order) and `frozen` (`standing.frozen_versions` of the meetings
    that are not only planned) spare queries to a caller that has them."""
    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the status report."))
    now = utcnow()
    draft = draft_as_of(session, actor, instrument)
    if all_meetings is None:
        all_meetings = meetings.milestones(session)
    standing = standings(
        session,
        actor,
        instrument,
        current={item.clause.id: item.version for item in draft},
        meetings=all_meetings,
        frozen=frozen,
        tabled=tabled,
    )
    rows = []
    for item in draft:
        clause_standing = standing[item.clause.id]
        tabled_at = [a.tabled_at for a, _ in clause_standing.open_amendments if a.tabled_at]
        rows.append(ClauseRow(item, clause_standing, _age(min(tabled_at), now) if tabled_at else 0))

    groups: list[Group] = []
    for row in rows:
        kind = row.item.kind
        if row.item.depth == 0 and kind is ClauseKind.article:
            groups.append(Group(row.item.label, row.item.heading("en"), [row], row.item))
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

    report = StatusReport(instrument, now, rows, groups, next_meeting, last_meeting, changed, [], meetings=all_meetings)
    if last_meeting is not None:
        if frozen is not None:
            then = {cid: v for (m_id, cid), v in frozen.items() if m_id == last_meeting.id}
        else:
            then = {cid: v for (_m, cid), v in frozen_versions(session, [last_meeting.id]).items()}
        report.brackets_since_last = _movement(
            session, then, {r.item.clause.id: r.standing.open_brackets for r in rows}
        )
    if with_queues:
        waiting, pages = agreement.page_of_pending_reviews(session, actor, page=1, size=LONGEST_WAITING)
        report.pending_reviews = [(a, _age(a.tabled_at, now)) for a in waiting]
        report.pending_review_count = pages.total
        report.waiting_for_rebase = [
            (amendment, step)
            for row in rows
            for amendment, step in row.standing.open_amendments
            if is_outdated(amendment, row.item.version)
        ]
        report.open_by_party = _open_by_party(session, actor, instrument)
        report.deadlines = deadlines.overview(session, actor, instrument, meetings=all_meetings)
    return report


def _open_by_party(session: Session, actor: User, instrument: Instrument) -> dict[str, Counter]:
    """{party code: Counter of its open amendments by state}, counting drafts of the actor's own party only."""
    open_by_party: dict[str, Counter] = {p.code: Counter() for p in instrument.parties}
    for code, state, count in session.execute(
        select(Party.code, Amendment.state, func.count())
        .join(Party, Party.id == Amendment.party_id)
        .where(Amendment.instrument_id == instrument.id)
        .where(Amendment.state.in_(OPEN_STATES), visible_to(actor))
        .group_by(Party.code, Amendment.state)
    ):
        open_by_party.setdefault(code, Counter())[state.value] += count
    return open_by_party


# Meeting pack ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompilationRow:
    #: The clause; None for a proposed new clause (see `insertion`).
    row: ClauseRow | None
    #: Party code -> that party's tabled amendments to the clause, each with its redline readings and review.
    proposals: dict[str, list[tuple[object, object, object]]]
    #: A tabled proposal of a new clause, shown in its own row at the place it would take.
    insertion: Amendment | None = None


def _insertion_index(rows: list[ClauseRow], amendment: Amendment) -> int:
    """Where in `rows` (the draft in reading order) a proposed new clause goes: after the clause it follows and
    everything under that clause, or first under its parent; at the very start when it has neither."""
    anchor = amendment.insert_after_id or amendment.insert_parent_id
    at = next((i for i, row in enumerate(rows) if row.item.clause.id == anchor), None)
    if at is None:
        return 0
    if amendment.insert_after_id is None:  # first under its parent
        return at + 1
    depth = rows[at].item.depth
    end = at + 1
    while end < len(rows) and rows[end].item.depth > depth:
        end += 1
    return end


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
    #: The day of the draft the redline starts from, when it starts from a day rather than a meeting.
    since_day: dt.date | None = None
    #: {clause id: open square brackets} in the draft going to the meeting.
    open_brackets: dict[int, int] = field(default_factory=dict)
    #: Those brackets against the previous meeting's frozen draft (None when there is none).
    brackets_since: BracketMovement | None = None
    #: The previous meeting that movement is counted from.
    brackets_since_meeting: Milestone | None = None
    #: Who is late: answers overdue past their reply-by dates, proposals tabled after this meeting's deadline.
    late: deadlines.WhoIsLate | None = None

    @property
    def bracket_total(self) -> int:
        return sum(self.open_brackets.values())

    @property
    def brackets_by_article(self) -> list[tuple[DraftClause | None, int]]:
        return brackets_by_article(self.draft, self.open_brackets)

    def title_in(self, language: str) -> str:
        return _title_in(self.instrument, self.draft, language)


def meeting_pack(session: Session, actor: User, code: str, *, newest_version_id: int | None = None) -> MeetingPack:
    """The documents for a meeting: where every clause stands, the proposals side by side, the draft going to the
    meeting and a redline from the previous one. `newest_version_id`, from a `state_stamp` the caller has read,
    spares the whole-draft redline the query for it."""
    from .redlines import Point, load_reading_words, read_amendment, whole_draft_redline
    from .standing import amendment_progress

    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the meeting pack."))
    instrument = current_instrument(session)
    all_meetings = meetings.milestones(session)
    milestone = next((m for m in all_meetings if m.code == code), None)
    if milestone is None:
        raise NotFound(N_("There is no meeting with that code."))
    # Every meeting's frozen draft, read once: the standings compare with them, the pack shows this meeting's and
    # redlines from the previous one.
    dealt = [m for m in all_meetings if m.state is not MilestoneState.planned]
    frozen_drafts = frozen_versions(session, [m.id for m in dealt])
    # Every tabled amendment, read once: the standings place those to clauses, the compilation also those of new
    # clauses (which belong to no clause yet).
    all_tabled = _tabled_with_revisions(session, instrument, None)
    report = status_report(
        session,
        actor,
        instrument,
        with_queues=False,
        all_meetings=all_meetings,
        frozen=frozen_drafts,
        tabled=all_tabled,
    )
    earlier = [m for m in report.meetings if m.position < milestone.position and m.state is MilestoneState.concluded]
    frozen = milestone.state is not MilestoneState.planned
    shown = {milestone.id, earlier[-1].id} if earlier else {milestone.id}
    of_meeting: dict[int, dict[int, ClauseVersion]] = {m_id: {} for m_id in shown}
    for (meeting_id, clause_id), version in frozen_drafts.items():
        if meeting_id in shown:
            of_meeting[meeting_id][clause_id] = version
    load_texts(session, [v for versions in of_meeting.values() for v in versions.values()])
    draft = in_reading_order(of_meeting[milestone.id]) if frozen else [r.item for r in report.rows]

    languages = instrument.language_codes
    tabled = [a for row in report.rows for a, _ in row.standing.open_amendments]
    load_reading_words(session, tabled, {row.item.clause.id: row.item.version for row in report.rows})
    # Proposals of new clauses belong to no clause yet: each takes its own row at the place it would take.
    insertions_at: dict[int, list[CompilationRow]] = defaultdict(list)
    insertions = [a for a in all_tabled if a.kind is AmendmentKind.insert]
    if insertions:
        load_reading_words(session, insertions, {})
        progress = amendment_progress(session, insertions, {})
        for amendment in insertions:
            offered: dict[str, list] = {party.code: [] for party in instrument.parties}
            offered.setdefault(amendment.party.code, []).append(
                (
                    read_amendment(amendment, None, languages),
                    progress[amendment.id].review,
                    progress[amendment.id].next_step,
                )
            )
            insertions_at[_insertion_index(report.rows, amendment)].append(CompilationRow(None, offered, amendment))
    compilation = []
    for index, row in enumerate(report.rows):
        compilation.extend(insertions_at.pop(index, []))
        proposals: dict[str, list] = {party.code: [] for party in instrument.parties}
        for amendment, step in row.standing.open_amendments:
            reading = read_amendment(amendment, row.item.version, languages)
            proposals.setdefault(amendment.party.code, []).append(
                (reading, row.standing.reviews.get(amendment.id), step)
            )
        compilation.append(CompilationRow(row, proposals))
    compilation.extend(entry for index in sorted(insertions_at) for entry in insertions_at[index])

    if earlier:
        frozen_then = Message(N_("Draft frozen for the %(meeting)s"), meeting=earlier[-1].local_name)
        since = Point("milestone", earlier[-1].code, frozen_then)
    else:
        first = min(row.item.version.created_at for row in report.rows) if report.rows else utcnow()
        since = Point("date", first.date().isoformat(), Message(N_("Draft at the end of %(day)s"), day=first.date()))
    until = (
        Point(
            "milestone", milestone.code, Message(N_("Draft frozen for the %(meeting)s"), meeting=milestone.local_name)
        )
        if frozen
        else Point("now")
    )
    known = {until.key: {item.clause.id: item.version for item in draft}}
    if earlier:
        known[since.key] = of_meeting[earlier[-1].id]
    redline = whole_draft_redline(session, actor, since, until, known=known, newest_version_id=newest_version_id)
    counted = bracket_counts(session, [item.version for item in draft])
    open_brackets = {item.clause.id: counted.get(item.version.id, 0) for item in draft}
    brackets_since = _movement(session, of_meeting[earlier[-1].id], open_brackets) if earlier else None
    pack = MeetingPack(
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
        None if earlier else first.date(),
        open_brackets,
        brackets_since,
        earlier[-1] if earlier else None,
    )
    pack.late = deadlines.who_is_late(session, actor, milestone)
    return pack


# Exports ---------------------------------------------------------------------------------------------------------


def export_citations(
    session: Session, actor: User, instrument: Instrument, amendments: list[Amendment]
) -> dict[int, str]:
    """{clause id: citation} for the clauses `amendments` name: as the current draft cites them, and a deleted
    clause as it was cited just before its deletion ("Article 6 (deleted)"), so that no row loses its clause."""
    cited = draft_citations(session, actor, instrument)
    named = {a.clause_id for a in amendments} | {a.insert_after_id for a in amendments}
    named |= {a.insert_parent_id for a in amendments}
    missing = {clause_id for clause_id in named if clause_id is not None and clause_id not in cited}
    if not missing:
        return cited
    deleted_at: dict[int, dt.datetime] = {}
    for clause_id, when in session.execute(
        select(ClauseVersion.clause_id, func.max(ClauseVersion.created_at))
        .where(ClauseVersion.clause_id.in_(missing), ClauseVersion.is_deleted.is_(True))
        .group_by(ClauseVersion.clause_id)
    ):
        deleted_at[clause_id] = when
    for when in sorted(set(deleted_at.values())):
        before = versions_as_of(session, instrument.id, when - dt.timedelta(microseconds=1), with_texts=False)
        for numbered in number_live(before):
            if deleted_at.get(numbered.id) == when:
                cited[numbered.id] = f"{numbered.citation} (deleted)"
    return cited


def discussion(session: Session, actor: User, amendments: list[Amendment]) -> list[AmendmentComment]:
    """The comments on `amendments` (those the actor may see) that the actor may read, by amendment then in order
    of writing: the other party's internal notes never."""
    if not amendments:
        return []
    comments = session.scalars(
        select(AmendmentComment)
        .where(AmendmentComment.amendment_id.in_([a.id for a in amendments]))
        .order_by(AmendmentComment.amendment_id, AmendmentComment.created_at, AmendmentComment.id)
    )
    return [c for c in comments if permissions.can_see_comment(actor, c)]
