"""Status reports for chairs: read-only figures over the whole draft, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import enum
import re
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import Integer, column, func, select, text
from sqlalchemy.orm import Session, selectinload

from ..core import permissions
from ..core.clause_kinds import ClauseKind
from ..core.messages import N_, Message
from ..core.milestones import MilestoneState
from ..core.status import BracketMovement, ClauseFacts, ClauseStatus, bracket_movement, clause_status
from ..core.workflow import OPEN_STATES, AmendmentKind, AmendmentState
from ..models import (
    Amendment,
    AmendmentComment,
    AmendmentRevision,
    AuditEvent,
    ClauseVersion,
    Instrument,
    Milestone,
    MilestoneOutcome,
    Party,
    User,
)
from ..models.base import utcnow
from . import agreement, deadlines, meetings
from .amendments import visible_to
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
from .standing import (
    ClauseStanding,
    _tabled_with_revisions,
    frozen_version_ids,
    frozen_versions,
    standings,
    versions_by_id,
)

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
    """The newest row of each kind a status page shows to one party, and the date (see `state_stamp`)."""

    event_id: int | None
    own_event_id: int | None
    version_id: int | None
    response_id: int | None
    review_id: int | None
    outcome_id: int | None
    account_event_id: int | None
    event_time: dt.datetime | None
    day: str
    #: The newest event of the reader's party of the kinds only the page around the part shows (`state_stamp`'s
    #: `around`): it moves the page, not its kept part.
    around_event_id: int | None = None

    def of_part(self) -> tuple:
        """What the page's kept part depends on: the whole stamp but for what only the page around it shows."""
        return self[:-1]


class Private(enum.Flag):
    """What of the reader's party's private business a kept page shows (`state_stamp`): its party's events of
    those kinds, and of no other, move the page's stamp. Say NOTHING for a page that shows only what every party
    reads (tabled proposals, shared posts): a party's internal draft then leaves it kept."""

    NOTHING = 0
    #: Untabled amendments (their words, revisions, counts) and the internal notes on amendments; the drafts read
    #: from a marked-up Word document.
    DRAFTS = enum.auto()
    #: Internal posts in a clause's discussion (or their counts).
    POSTS = enum.auto()
    #: Documents attached as internal to the party.
    ATTACHMENTS = enum.auto()
    #: Every private event of the party, of whatever kind, including kinds none of the above names.
    EVERYTHING = DRAFTS | POSTS | ATTACHMENTS


def state_stamp(
    session: Session,
    actor: User,
    *,
    private: Private = Private.EVERYTHING,
    around: Private = Private.NOTHING,
    instrument: Instrument | None = None,
) -> StateStamp:
    """What a status page of the negotiation (`instrument`, else the one this unit of work reads) shown to
    `actor` depends on, in one query: it changes whenever the page would.

    `private` says which of the party's private business the page's kept part shows. The one rule for every kept
    page: a part that shows nothing private (NOTHING) is keyed by public events only, so a party's drafts never
    rebuild it; a part that shows some private business must name it, and its stamp moves with each event of the
    reader's party of that kind (a page missing its reader's own new draft is a bug). The default, EVERYTHING, is
    the safe one for a page that has not said. The part is kept per visibility (web/page_cache), so whatever it
    shows, it is never served to the other party. `around` names what the page shows of the party's private
    business around its part, for each reader (the dashboard's count of the party's drafts): its newest event moves
    the stamp, and with it the page around the part (kept per reader), but not the part's key
    (`StateStamp.of_part`), so a part built without it (web/build_ahead) is the same part.

    Every change to the negotiation records an audit event, so the newest event's number moves with each one: the
    negotiation's newest public event, its newest event private to the actor's party of the kinds `private` names
    (`AuditEvent.private_to_party_id`, and `_STAMP_QUERY` for which kinds of event each names), and the newest event
    that belongs to no negotiation (an account renamed: the pages show people's names). Events of another
    negotiation do not count. The time of the newest public event tells apart a database emptied and loaded again,
    whose numbers start over. The negotiation's newest clause version, response, review and outcome are read as
    well, so that rows written without an event (a restored backup) also count; amendment revisions are not (a
    draft's revision is its party's business). Days since tabling change with the date, so it is part too.
    """
    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the status report."))
    if instrument is None:
        instrument = current_instrument(session)
    # On the connection: the session's way to a plain statement only added its own bookkeeping, on every page.
    row = (
        session.connection()
        .execute(
            _STAMP_QUERY,
            {"instrument": instrument.id, **_kinds_shown(actor, private, ""), **_kinds_shown(actor, around, "around_")},
        )
        .one()
    )
    *newest, around_event_id = row._tuple()
    return StateStamp._make((*newest, utcnow().date().isoformat(), around_event_id))


def _kinds_shown(actor: User, kinds: Private, prefix: str) -> dict:
    """The parameters of `_private_event`'s condition for these kinds of the actor's party's private events."""
    return {
        # No party, no private event: the index finds none at once (a condition on the kind would read them all).
        prefix + "party": actor.party_id if kinds else None,
        prefix + "everything": kinds == Private.EVERYTHING,
        prefix + "drafts": Private.DRAFTS in kinds,
        prefix + "posts": Private.POSTS in kinds,
        prefix + "attachments": Private.ATTACHMENTS in kinds,
    }


def _private_event(prefix: str) -> str:
    """The newest event private to a party of the kinds `_kinds_shown(..., prefix)` names (`prefix`: one of this
    module's two constants, never input)."""
    return (
        f"(SELECT id FROM audit_events WHERE instrument_id = :instrument AND private_to_party_id = :{prefix}party"  # noqa: S608
        f" AND (:{prefix}everything OR (:{prefix}drafts AND (kind LIKE 'amendment.%' OR kind LIKE 'amendments.%'))"
        f" OR (:{prefix}posts AND kind = 'clause.discussed') OR (:{prefix}attachments AND kind LIKE 'attachment.%'))"
        " ORDER BY id DESC LIMIT 1)"
    )


# Written out once: every status page asks for it, and building the same statement from expressions on each
# request cost more than running it. The newest rows of the negotiation are found as ORDER BY id DESC LIMIT 1,
# which walks the primary key (or the index of the party's private events) back from the newest row and stops at
# the first of the negotiation (a max() over the negotiation's rows would read them all: the responses to 5,000
# amendments cost 1 to 5 ms a view at treaty scale, the walk a few hundredths). The walk is short while the
# negotiation read is the one being written; next to a busier one it passes that one's newest rows first.
# The kinds of private event: EVERYTHING reads every one, so that a private kind written later and not named here
# still counts there; DRAFTS the events of amendments (drafts, their revisions, internal notes: "amendment.*") and
# of the drafts read from a marked-up Word document ("amendments.*"); POSTS the internal posts of a clause's
# discussion ("clause.discussed"); ATTACHMENTS the documents attached as internal ("attachment.*").
_STAMP_QUERY = text(
    "SELECT (SELECT id FROM audit_events WHERE instrument_id = :instrument AND private_to_party_id IS NULL"  # noqa: S608
    " ORDER BY id DESC LIMIT 1) AS event_id,"
    f" {_private_event('')} AS own_event_id,"
    " (SELECT v.id FROM clause_versions v WHERE EXISTS (SELECT 1 FROM clauses c WHERE c.id = v.clause_id"
    " AND c.instrument_id = :instrument) ORDER BY v.id DESC LIMIT 1) AS version_id,"
    " (SELECT r.id FROM responses r WHERE EXISTS (SELECT 1 FROM amendments a WHERE a.id = r.amendment_id"
    " AND a.instrument_id = :instrument) ORDER BY r.id DESC LIMIT 1) AS response_id,"
    " (SELECT r.id FROM reviews r WHERE EXISTS (SELECT 1 FROM amendments a WHERE a.id = r.amendment_id"
    " AND a.instrument_id = :instrument) ORDER BY r.id DESC LIMIT 1) AS review_id,"
    " (SELECT o.id FROM milestone_outcomes o WHERE EXISTS (SELECT 1 FROM milestones m WHERE m.id = o.milestone_id"
    " AND m.instrument_id = :instrument) ORDER BY o.id DESC LIMIT 1) AS outcome_id,"
    " (SELECT id FROM audit_events WHERE instrument_id IS NULL ORDER BY id DESC LIMIT 1) AS account_event_id,"
    " (SELECT occurred_at FROM audit_events WHERE instrument_id = :instrument AND private_to_party_id IS NULL"
    " ORDER BY id DESC LIMIT 1) AS event_time,"
    f" {_private_event('around_')} AS around_event_id"
).columns(
    *(column(name, Integer) for name in StateStamp._fields[:7]),
    column("event_time", AuditEvent.__table__.c.occurred_at.type),
    column("around_event_id", Integer),
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


def _clause_row(item: DraftClause, standing: ClauseStanding, now: dt.datetime) -> ClauseRow:
    """A clause with where it stands and the age of its oldest open amendment."""
    tabled_at = [a.tabled_at for a, _ in standing.open_amendments if a.tabled_at]
    return ClauseRow(item, standing, _age(min(tabled_at), now) if tabled_at else 0)


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
    dealt = [m for m in all_meetings if m.state is not MilestoneState.planned]
    # Every frozen draft, read once (as version ids): the standings compare with them, the brackets with the last.
    frozen_ids = None if frozen is not None else frozen_version_ids(session, [m.id for m in dealt])
    current = {item.clause.id: item.version for item in draft}
    standing = standings(
        session,
        actor,
        instrument,
        current=current,
        meetings=all_meetings,
        frozen=frozen,
        frozen_ids=frozen_ids,
        tabled=tabled,
    )
    rows = [_clause_row(item, standing[item.clause.id], now) for item in draft]

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
            # Its versions are the current ones but for the clauses changed since (the standings read those).
            last = {cid: v_id for (m_id, cid), v_id in (frozen_ids or {}).items() if m_id == last_meeting.id}
            known = [*current.values(), *(r.standing.changed_since[1] for r in rows if r.standing.changed_since)]
            versions = versions_by_id(session, last.values(), known)
            then = {cid: versions[v_id] for cid, v_id in last.items()}
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
            if amendment.id in row.standing.outdated
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


def tabled_by_party(report: StatusReport) -> dict[str, int]:
    """{party code: its tabled amendments}: the public half of the "open amendments per party" panel, which a
    dashboard's kept part carries (it is the same for every reader)."""
    return {code: counts[AmendmentState.tabled.value] for code, counts in report.open_by_party.items()}


def open_by_party_now(
    session: Session, actor: User, instrument: Instrument, tabled: dict[str, int]
) -> dict[str, Counter]:
    """The "open amendments per party" panel for `actor` now: the tabled counts kept with the dashboard's part
    (`tabled_by_party`) and the drafts the actor may see, counted now. The drafts are a party's own business and
    change every few seconds while it drafts: they are counted when the page around the dashboard's part is
    rendered (kept for the reader until their party's drafts move the stamp: `state_stamp`'s `around`), and
    counting only them reads a party's handful of drafts instead of every open amendment of the negotiation."""
    panel: dict[str, Counter] = {code: Counter(tabled=count) for code, count in tabled.items()}
    for code, count in session.execute(
        select(Party.code, func.count())
        .select_from(Amendment)
        .join(Party, Party.id == Amendment.party_id)
        .where(Amendment.state == AmendmentState.draft, Amendment.instrument_id == instrument.id, visible_to(actor))
        .group_by(Party.code)
    ):
        panel.setdefault(code, Counter())[AmendmentState.draft.value] = count
    return panel


# Meeting pack ---------------------------------------------------------------------------------------------------
#
# A pack is read in parts: its first page (`pack_contents`: the cover, the meeting's summary and the contents, each
# article with its counts), then one article at a time (`pack_article`: the article's text going to the meeting,
# its proposals side by side, its redline since the previous meeting). At treaty scale the whole pack is some
# 15 MB of HTML and seconds of work, an article a few hundred kilobytes. The whole pack (`meeting_pack`) is still
# built for the PDF a chair prints, once per state (web/reports.py keeps it).


@dataclass(frozen=True)
class CompilationRow:
    #: The clause; None for a proposed new clause (see `insertion`).
    row: ClauseRow | None
    #: Party code -> that party's tabled amendments to the clause, each with its redline readings and review.
    proposals: dict[str, list[tuple[object, object, object]]]
    #: A tabled proposal of a new clause, shown in its own row at the place it would take.
    insertion: Amendment | None = None


def _insertion_index(items: Sequence[DraftClause], amendment: Amendment) -> int:
    """Where in `items` (the draft in reading order) a proposed new clause goes: after the clause it follows and
    everything under that clause, or first under its parent; at the very start when it has neither."""
    anchor = amendment.insert_after_id or amendment.insert_parent_id
    at = next((i for i, item in enumerate(items) if item.clause.id == anchor), None)
    if at is None:
        return 0
    if amendment.insert_after_id is None:  # first under its parent
        return at + 1
    depth = items[at].depth
    end = at + 1
    while end < len(items) and items[end].depth > depth:
        end += 1
    return end


#: The key of the title and preambular paragraphs in a pack's contents; an article's key is its stable id (wid).
PREAMBLE_KEY = "preamble"


def _part_keys(rows: Sequence[tuple[int, ClauseKind, str | None]]) -> list[str]:
    """The part of the pack each clause of a draft in reading order belongs to, given (depth, kind, stable id):
    an article with everything under it (its stable id); the title and preambular paragraphs (PREAMBLE_KEY); any
    other top-level clause (the closing "Done at ...") with the article before it, as the status report groups."""
    keys, key = [], PREAMBLE_KEY
    for depth, kind, wid in rows:
        if depth == 0 and kind is ClauseKind.article and wid:
            key = wid
        elif depth == 0 and kind in (ClauseKind.title, ClauseKind.preamble):
            key = PREAMBLE_KEY
        keys.append(key)
    return keys


def _keys_of(draft: Sequence[DraftClause]) -> dict[int, str]:
    """{clause id: the key of its part} for a draft in reading order."""
    keys = _part_keys([(item.depth, item.kind, item.clause.wid) for item in draft])
    return {item.clause.id: key for item, key in zip(draft, keys, strict=True)}


def _parts_in_order(now: Sequence[DraftClause], going: Sequence[DraftClause]) -> list[tuple[str, DraftClause | None]]:
    """The parts of the current draft and of the draft going to the meeting, in reading order, each with its
    article (None for the preamble): an article only the meeting's draft has (deleted since it was frozen) comes
    after the part it followed there."""

    def heads(draft: Sequence[DraftClause]) -> dict[str, DraftClause | None]:
        found: dict[str, DraftClause | None] = {}
        for item, key in zip(draft, _part_keys([(i.depth, i.kind, i.clause.wid) for i in draft]), strict=True):
            found.setdefault(key, item if key != PREAMBLE_KEY else None)
        return found

    ordered = list(heads(now).items())
    previous: str | None = None
    for key, head in heads(going).items():
        if all(key != known for known, _ in ordered):
            at = next((i + 1 for i, (known, _) in enumerate(ordered) if known == previous), 0)
            ordered.insert(at, (key, head))
        previous = key
    return ordered


_NUMBER = re.compile(r"(?:article\s*)?(\d+)", re.IGNORECASE)


def _find_part(ordered: list[tuple[str, DraftClause | None]], wanted: str) -> int | None:
    """The index of the part `wanted` names: an article's stable id or number ("3", "Article 3"), or "preamble"."""
    wanted = wanted.strip()
    number = _NUMBER.fullmatch(wanted)
    for index, (key, head) in enumerate(ordered):
        if wanted == key or (key == PREAMBLE_KEY and wanted.lower() == PREAMBLE_KEY):
            return index
        if number and head is not None and re.search(rf"(?<!\d){number.group(1)}$", head.citation):
            return index
    return None


@dataclass(frozen=True)
class PackPart:
    """An entry of a meeting pack's contents: the preamble, or an article with everything under it, and the counts
    of its clauses as the compilation shows them (the current draft)."""

    key: str
    #: The article's citation ("Article 3"; pages translate it), or PREAMBLE.
    label: str
    article: DraftClause | None = None
    clauses: int = 0
    #: Tabled amendments to its clauses, and proposed new clauses that would go in it.
    open_proposals: int = 0
    open_brackets: int = 0
    #: Clauses that block the meeting (bracketed: `StatusReport.blocking`).
    blocking: int = 0
    #: Reservations standing on its clauses.
    reservations: tuple[MilestoneOutcome, ...] = ()

    def heading_in(self, language: str) -> str | None:
        """The article's heading in `language` where the negotiation has it, else in English; the preamble's
        description (which pages translate)."""
        if self.article is None:
            return N_("Title and preambular paragraphs")
        return self.article.heading(language) or self.article.heading("en")


@dataclass(frozen=True)
class _PackBasis:
    instrument: Instrument
    milestone: Milestone
    #: Every meeting of the instrument, in order.
    meetings: list[Milestone]
    #: The last concluded meeting before this one: the pack's redline starts from its frozen draft.
    previous: Milestone | None

    @property
    def frozen(self) -> bool:
        return self.milestone.state is not MilestoneState.planned

    @property
    def dealt_ids(self) -> list[int]:
        """The meetings whose draft is frozen (the standings compare with them)."""
        return [m.id for m in self.meetings if m.state is not MilestoneState.planned]


def _draft_of(frozen: dict[tuple[int, int], ClauseVersion], meeting: Milestone) -> dict[int, ClauseVersion]:
    """One meeting's frozen draft out of `standing.frozen_versions` of several."""
    return {clause_id: v for (meeting_id, clause_id), v in frozen.items() if meeting_id == meeting.id}


def _pack_basis(session: Session, actor: User, code: str) -> _PackBasis:
    """What every part of a meeting's pack starts from: the meeting and the one before it."""
    if not permissions.can_read_draft(actor):
        raise PermissionDenied(N_("Sign in to read the meeting pack."))
    instrument = current_instrument(session)
    all_meetings = meetings.milestones(session)
    milestone = next((m for m in all_meetings if m.code == code), None)
    if milestone is None:
        raise NotFound(N_("There is no meeting with that code."))
    earlier = [m for m in all_meetings if m.position < milestone.position and m.state is MilestoneState.concluded]
    return _PackBasis(instrument, milestone, all_meetings, earlier[-1] if earlier else None)


def _pack_points(basis: _PackBasis, current: Iterable[ClauseVersion]):
    """The two points of the pack's redline (redlines.Point): the previous meeting's frozen draft (else the draft
    at the end of the day its oldest current clause was written, which is returned too), and this meeting's
    frozen draft (else the current one)."""
    from .redlines import Point

    day = None
    if basis.previous is not None:
        frozen_then = Message(N_("Draft frozen for the %(meeting)s"), meeting=basis.previous.local_name)
        since = Point("milestone", basis.previous.code, frozen_then)
    else:
        day = min((v.created_at for v in current if not v.is_deleted), default=utcnow()).date()
        since = Point("date", day.isoformat(), Message(N_("Draft at the end of %(day)s"), day=day))
    meeting = basis.milestone
    until = (
        Point("milestone", meeting.code, Message(N_("Draft frozen for the %(meeting)s"), meeting=meeting.local_name))
        if basis.frozen
        else Point("now")
    )
    return since, until, day


#: Whole-draft redlines of packs, per state of the draft (`_pack_redline`), most recently used last.
_PACK_REDLINES: OrderedDict[tuple, object] = OrderedDict()
PACK_REDLINES = 4
_PACK_REDLINES_LOCK = threading.Lock()


def _pack_redline(
    session: Session,
    actor: User,
    instrument: Instrument,
    since,
    until,
    newest_version_id: int | None,
    known: dict[str, dict[int, ClauseVersion]] | None = None,
):
    """The whole-draft redline between the pack's two points, computed once per state of the draft and shared by
    every article of the pack (each shows its own rows). The current draft is the newest version of each clause
    and versions are only ever added, so the newest version id (with the database and the negotiation) names its
    state; a meeting's frozen draft and a past day never change. The result holds no ORM object."""
    from .redlines import whole_draft_redline

    if newest_version_id is None:
        newest_version_id = session.scalar(select(func.max(ClauseVersion.id)))
    key = (
        str(session.get_bind().engine.url),
        instrument.id,
        instrument.created_at,
        newest_version_id,
        since.key,
        until.key,
        utcnow().date(),
    )
    with _PACK_REDLINES_LOCK:
        found = _PACK_REDLINES.get(key)
        if found is not None:
            _PACK_REDLINES.move_to_end(key)
            return found
    found = whole_draft_redline(session, actor, since, until, known=known, newest_version_id=newest_version_id)
    with _PACK_REDLINES_LOCK:
        _PACK_REDLINES[key] = found
        while len(_PACK_REDLINES) > PACK_REDLINES:
            _PACK_REDLINES.popitem(last=False)
    return found


def clear_caches() -> None:
    """Forget the packs' redlines (for measuring a first view)."""
    with _PACK_REDLINES_LOCK:
        _PACK_REDLINES.clear()


def _tabled_insertions(session: Session, instrument: Instrument, *, with_words: bool = True) -> list[Amendment]:
    """The tabled proposals of new clauses (they belong to no clause yet), in order of tabling; `with_words`: with
    their revisions and texts, to be read."""
    found = select(Amendment).where(
        Amendment.instrument_id == instrument.id,
        Amendment.state == AmendmentState.tabled,
        Amendment.kind == AmendmentKind.insert,
    )
    if with_words:
        found = found.options(selectinload(Amendment.revisions).selectinload(AmendmentRevision.texts))
    return list(session.scalars(found.order_by(Amendment.tabled_at, Amendment.id)))


def _compile(
    session: Session, instrument: Instrument, rows: list[ClauseRow], insertions: list[tuple[int, Amendment]]
) -> list[CompilationRow]:
    """The compilation of `rows`: each clause with every party's tabled proposals, redlined against its current
    text, with their legal review and next step; each proposed new clause (`insertions`: the index in `rows` it
    goes before, and the amendment) in its own row at its place."""
    from .redlines import load_reading_words, read_amendment
    from .standing import amendment_progress

    languages = instrument.language_codes
    tabled = [a for row in rows for a, _ in row.standing.open_amendments]
    load_reading_words(session, tabled, {row.item.clause.id: row.item.version for row in rows})
    insertions_at: dict[int, list[CompilationRow]] = defaultdict(list)
    if insertions:
        new = [amendment for _, amendment in insertions]
        load_reading_words(session, new, {})
        progress = amendment_progress(session, new, {})
        for index, amendment in insertions:
            offered: dict[str, list] = {party.code: [] for party in instrument.parties}
            offered.setdefault(amendment.party.code, []).append(
                (
                    read_amendment(amendment, None, languages),
                    progress[amendment.id].review,
                    progress[amendment.id].next_step,
                )
            )
            insertions_at[index].append(CompilationRow(None, offered, amendment))
    compilation = []
    for index, row in enumerate(rows):
        compilation.extend(insertions_at.pop(index, []))
        proposals: dict[str, list] = {party.code: [] for party in instrument.parties}
        for amendment, step in row.standing.open_amendments:
            reading = read_amendment(amendment, row.item.version, languages)
            proposals.setdefault(amendment.party.code, []).append(
                (reading, row.standing.reviews.get(amendment.id), step)
            )
        compilation.append(CompilationRow(row, proposals))
    compilation.extend(entry for index in sorted(insertions_at) for entry in insertions_at[index])
    return compilation


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
    """The whole pack for a meeting (its PDF): where every clause stands, the proposals side by side, the draft
    going to the meeting and a redline from the previous one. `newest_version_id`, from a `state_stamp` the caller
    has read, spares the whole-draft redline the query for it."""
    basis = _pack_basis(session, actor, code)
    instrument = basis.instrument
    # Every meeting's frozen draft, read once: the standings compare with them, the pack shows this meeting's and
    # redlines from the previous one.
    frozen = frozen_versions(session, basis.dealt_ids)
    # Every tabled amendment, read once: the standings place those to clauses, the compilation also those of new
    # clauses (which belong to no clause yet).
    all_tabled = _tabled_with_revisions(session, instrument, None)
    report = status_report(
        session,
        actor,
        instrument,
        with_queues=False,
        all_meetings=basis.meetings,
        frozen=frozen,
        tabled=all_tabled,
    )
    of_meeting = {m.id: _draft_of(frozen, m) for m in (basis.milestone, basis.previous) if m is not None}
    load_texts(session, [v for versions in of_meeting.values() for v in versions.values()])
    draft = in_reading_order(of_meeting[basis.milestone.id]) if basis.frozen else [r.item for r in report.rows]
    items = [row.item for row in report.rows]
    insertions = [(_insertion_index(items, a), a) for a in all_tabled if a.kind is AmendmentKind.insert]
    compilation = _compile(session, instrument, report.rows, insertions)

    since, until, since_day = _pack_points(basis, [item.version for item in items])
    known = {until.key: {item.clause.id: item.version for item in draft}}
    if basis.previous is not None:
        known[since.key] = of_meeting[basis.previous.id]
    redline = _pack_redline(session, actor, instrument, since, until, newest_version_id, known)
    counted = bracket_counts(session, [item.version for item in draft])
    open_brackets = {item.clause.id: counted.get(item.version.id, 0) for item in draft}
    previous = basis.previous
    brackets_since = _movement(session, of_meeting[previous.id], open_brackets) if previous is not None else None
    pack = MeetingPack(
        basis.milestone,
        instrument,
        report.generated_at,
        draft,
        basis.frozen,
        compilation,
        redline,
        since.label,
        since.key,
        until.key,
        since_day,
        open_brackets,
        brackets_since,
        previous,
    )
    pack.late = deadlines.who_is_late(session, actor, basis.milestone)
    return pack


@dataclass
class PackContents:
    """A meeting pack's first page: the cover, the meeting's summary (brackets, who is late) and the contents,
    each article with its counts and a link to its part."""

    milestone: Milestone
    instrument: Instrument
    generated_at: dt.datetime
    frozen: bool
    #: The draft going to the meeting (its title names the instrument on the cover), without its words.
    draft: list[DraftClause]
    parts: list[PackPart]
    since_label: str
    since_key: str
    until_key: str
    since_day: dt.date | None = None
    #: {clause id: open square brackets} in the draft going to the meeting.
    open_brackets: dict[int, int] = field(default_factory=dict)
    brackets_since: BracketMovement | None = None
    brackets_since_meeting: Milestone | None = None
    late: deadlines.WhoIsLate | None = None

    @property
    def bracket_total(self) -> int:
        return sum(self.open_brackets.values())

    @property
    def totals(self) -> Counter:
        """The contents' counts summed: clauses, open_proposals, open_brackets, blocking."""
        total: Counter = Counter()
        for part in self.parts:
            total.update(
                clauses=part.clauses,
                open_proposals=part.open_proposals,
                open_brackets=part.open_brackets,
                blocking=part.blocking,
            )
        return total

    def title_in(self, language: str) -> str:
        return _title_in(self.instrument, self.draft, language)


def pack_contents(session: Session, actor: User, code: str) -> PackContents:
    """The first page of a meeting's pack: what the meeting is, where the draft stands, who is late, and the
    contents with each article's clauses, open proposals, open brackets and blocking items.

    It reads no clause's words but the title and the articles' headings, and no proposal: the tabled amendments
    are counted per clause in one query, and each clause's status is the standing's rule (`core.status`) applied
    to that count. Reading the proposals themselves (with their revisions, concurrences and reviews) cost most of
    a first view at treaty scale; they are each article's (`pack_article`)."""
    basis = _pack_basis(session, actor, code)
    instrument = basis.instrument
    current = versions_as_of(session, instrument.id, with_texts=False)
    items = in_reading_order(current)
    frozen = frozen_versions(session, basis.dealt_ids)
    going = in_reading_order(_draft_of(frozen, basis.milestone)) if basis.frozen else items
    ordered = _parts_in_order(items, going)
    titles = [item for item in (*items, *going) if item.kind is ClauseKind.title]
    load_texts(session, [item.version for item in titles] + [head.version for _, head in ordered if head is not None])
    # Where each clause stands apart from its proposals: reservations, endorsements, open brackets.
    standing = standings(
        session,
        actor,
        instrument,
        current={item.clause.id: item.version for item in items},
        meetings=basis.meetings,
        tabled=[],
        frozen=frozen,
    )
    tabled = _tabled_counts(session, instrument)
    keys = _keys_of(items)
    counts: dict[str, Counter] = defaultdict(Counter)
    reservations: dict[str, list[MilestoneOutcome]] = defaultdict(list)
    for item in items:
        key, found = keys[item.clause.id], standing[item.clause.id]
        status = clause_status(
            ClauseFacts(
                has_open_amendments=tabled.get(item.clause.id, 0) > 0,
                has_reservation=found.reservation is not None,
                agreed_by_negotiators=item.version.amendment_id is not None,
                endorsed=found.status is ClauseStatus.agreed,
                open_brackets=found.open_brackets,
            )
        )
        counts[key].update(
            clauses=1,
            open_proposals=tabled.get(item.clause.id, 0),
            open_brackets=found.open_brackets,
            blocking=int(status is ClauseStatus.bracketed),
        )
        if found.reservation is not None:
            reservations[key].append(found.reservation)
    for amendment in _tabled_insertions(session, instrument, with_words=False) if items else []:
        index = _insertion_index(items, amendment)
        counts[keys[items[max(index - 1, 0)].clause.id]]["open_proposals"] += 1
    parts = [
        PackPart(
            key,
            head.citation if head is not None else PREAMBLE,
            head,
            counts[key]["clauses"],
            counts[key]["open_proposals"],
            counts[key]["open_brackets"],
            counts[key]["blocking"],
            tuple(reservations[key]),
        )
        for key, head in ordered
    ]
    since, until, since_day = _pack_points(basis, [item.version for item in items])
    counted = bracket_counts(session, [item.version for item in going])
    open_brackets = {item.clause.id: counted.get(item.version.id, 0) for item in going}
    previous = basis.previous
    brackets_since = _movement(session, _draft_of(frozen, previous), open_brackets) if previous is not None else None
    return PackContents(
        basis.milestone,
        instrument,
        utcnow(),
        basis.frozen,
        going,
        parts,
        since.label,
        since.key,
        until.key,
        since_day,
        open_brackets,
        brackets_since,
        previous,
        deadlines.who_is_late(session, actor, basis.milestone),
    )


def pdf_fits(session: Session, instrument: Instrument, max_proposals: int) -> tuple[bool, int]:
    """Whether a document showing every open proposal (the whole meeting pack, the rolling text) is short enough
    to typeset as one PDF while its reader waits, and how many proposals it shows: WeasyPrint's time grows with
    them (the pack: about half a second of CPU each at treaty scale, BENCHMARKS.md). A longer pack is printed part
    by part, a longer rolling text taken as Word."""
    proposals = sum(_tabled_counts(session, instrument).values())
    return proposals <= max_proposals, proposals


def _tabled_counts(session: Session, instrument: Instrument) -> dict[int, int]:
    """{clause id: its tabled amendments}, as `standing._tabled_with_revisions` finds them, counted in one query."""
    return {
        clause_id: count
        for clause_id, count in session.execute(
            select(Amendment.clause_id, func.count())
            .where(
                Amendment.instrument_id == instrument.id,
                Amendment.state == AmendmentState.tabled,
                Amendment.clause_id.is_not(None),
            )
            .group_by(Amendment.clause_id)
        )
    }


@dataclass
class PackArticle:
    """One part of a meeting's pack: an article (or the preamble) as the pack shows it."""

    milestone: Milestone
    instrument: Instrument
    generated_at: dt.datetime
    frozen: bool
    part: PackPart
    #: The parts before and after it (None at either end), and its place among them (from 1).
    previous: PackPart | None
    following: PackPart | None
    number: int
    of: int
    #: The part of the draft going to the meeting, and its open square brackets ({clause id: count}).
    draft: list[DraftClause]
    open_brackets: dict[int, int]
    compilation: list[CompilationRow]
    #: The rows of the pack's whole-draft redline that belong to the part (redlines.DraftRedlineRow).
    redline_rows: list
    since_label: str
    since_key: str
    until_key: str
    since_day: dt.date | None = None
    #: {clause id: citation} of the whole current draft: where the proposed new clauses go.
    citations: dict[int, str] = field(default_factory=dict)

    @property
    def bracket_total(self) -> int:
        return sum(self.open_brackets.values())

    def count(self, status: str) -> int:
        return sum(1 for row in self.redline_rows if row.status == status)


def pack_article(
    session: Session, actor: User, code: str, wanted: str, *, newest_version_id: int | None = None
) -> PackArticle:
    """One article of a meeting's pack (`wanted`: its stable id or number, or "preamble"): its text going to the
    meeting, its compilation and its redline since the previous meeting. The standings and the proposals are
    read for its clauses only; the redline is the pack's, drawn once per state of the draft (`_pack_redline`)."""
    basis = _pack_basis(session, actor, code)
    instrument = basis.instrument
    current = versions_as_of(session, instrument.id, with_texts=False)
    now_items = in_reading_order(current)
    # This meeting's frozen draft only (the others matter to the part's own clauses, read below).
    going = (
        in_reading_order(_draft_of(frozen_versions(session, [basis.milestone.id]), basis.milestone))
        if basis.frozen
        else now_items
    )
    ordered = _parts_in_order(now_items, going)
    at = _find_part(ordered, wanted) if len(wanted) <= 100 else None
    if at is None:
        raise NotFound(N_("This meeting pack has no such article."))
    key = ordered[at][0]
    keys_now = _keys_of(now_items)
    items = [item for item in now_items if keys_now[item.clause.id] == key]
    keys_going = _keys_of(going) if basis.frozen else keys_now
    going_items = [item for item in going if keys_going[item.clause.id] == key]
    load_texts(session, [item.version for item in (*items, *going_items)])

    clause_ids = [item.clause.id for item in items]
    tabled = _tabled_with_revisions(session, instrument, clause_ids) if clause_ids else []
    standing = (
        standings(
            session,
            actor,
            instrument,
            current={item.clause.id: item.version for item in items},
            meetings=basis.meetings,
            only_current=True,
            tabled=tabled,
            frozen=frozen_versions(session, basis.dealt_ids, clause_ids),
        )
        if items
        else {}
    )
    now = utcnow()
    rows = [_clause_row(item, standing[item.clause.id], now) for item in items]
    # A proposed new clause belongs to the part of the clause it would follow; its place counts this part's rows.
    insertions = []
    for amendment in _tabled_insertions(session, instrument) if now_items else []:
        index = _insertion_index(now_items, amendment)
        if keys_now[now_items[max(index - 1, 0)].clause.id] == key:
            insertions.append((sum(1 for item in now_items[:index] if keys_now[item.clause.id] == key), amendment))
    compilation = _compile(session, instrument, rows, insertions)

    since, until, since_day = _pack_points(basis, [item.version for item in now_items])
    redline = _pack_redline(session, actor, instrument, since, until, newest_version_id)
    # A clause only the older draft has (an article deleted since) stays with the part before it.
    known = {part_key for part_key, _ in ordered}
    redline_rows, last = [], PREAMBLE_KEY
    for row, row_key in zip(redline.rows, _part_keys([(r.depth, r.kind, r.wid) for r in redline.rows]), strict=True):
        last = row_key if row_key in known else last
        if last == key:
            redline_rows.append(row)
    counted = bracket_counts(session, [item.version for item in going_items])

    def entry(index: int) -> PackPart | None:
        """The part at `index` of the contents (its label and article), None past either end."""
        if not 0 <= index < len(ordered):
            return None
        part_key, head = ordered[index]
        return PackPart(part_key, head.citation if head is not None else PREAMBLE, head)

    this = entry(at)
    if this is None:  # (`at` indexes `ordered`)
        raise NotFound(N_("This meeting pack has no such article."))
    return PackArticle(
        basis.milestone,
        instrument,
        now,
        basis.frozen,
        this,
        entry(at - 1),
        entry(at + 1),
        at + 1,
        len(ordered),
        going_items,
        {item.clause.id: counted.get(item.version.id, 0) for item in going_items},
        compilation,
        redline_rows,
        since.label,
        since.key,
        until.key,
        since_day,
        {item.clause.id: item.citation for item in now_items},
    )


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
