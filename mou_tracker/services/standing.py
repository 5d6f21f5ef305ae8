"""Where every clause stands: status, whose turn it is, reservations, and what changed since the last meeting.

Read-only, and a fixed number of queries however long the draft: the chairs' reports and the draft page use it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from ..core import clearance as clearance_rules
from ..core.milestones import MilestoneState, Outcome
from ..core.status import AmendmentFacts, ClauseFacts, ClauseStatus, clause_status, next_step
from ..core.workflow import AmendmentState
from ..models import (
    Amendment,
    AmendmentRevision,
    Clause,
    ClauseVersion,
    Instrument,
    Milestone,
    MilestoneOutcome,
    MilestoneSnapshot,
    Response,
    Review,
    User,
)
from .amendments import is_outdated
from .brackets import bracket_counts
from .draft import versions_as_of


@dataclass
class ClauseStanding:
    status: ClauseStatus = ClauseStatus.initial
    #: Tabled amendments, each with who must act on it next.
    open_amendments: list[tuple[Amendment, str]] = field(default_factory=list)
    #: {amendment id: the legal review of its current revision, or None} for the open amendments.
    reviews: dict[int, Review | None] = field(default_factory=dict)
    reservation: MilestoneOutcome | None = None
    #: The last meeting whose frozen draft differs from the clause now, and the version it had then.
    changed_since: tuple[Milestone, ClauseVersion] | None = None
    #: The latest outcome recorded for the clause at a concluded meeting.
    last_outcome: tuple[Milestone, MilestoneOutcome] | None = None
    #: Open square brackets (and unbalanced ones) left in the current text, every language (services.brackets).
    open_brackets: int = 0


@dataclass(frozen=True)
class AmendmentProgress:
    outdated: bool
    concurred_by: set[int]
    review: Review | None
    next_step: str


def amendment_progress(
    session: Session, amendments: list[Amendment], current: dict[int, ClauseVersion]
) -> dict[int, AmendmentProgress]:
    """Concurrences, the live review and the next step of each tabled amendment (two queries in all)."""
    ids = select(Amendment.id).where(Amendment.id.in_([a.id for a in amendments])).scalar_subquery()
    responses: dict[int, list[Response]] = defaultdict(list)
    for response in session.scalars(select(Response).where(Response.amendment_id.in_(ids))):
        responses[response.amendment_id].append(response)
    reviews: dict[int, list[Review]] = defaultdict(list)
    for given in session.scalars(
        select(Review).where(Review.amendment_id.in_(ids)).order_by(Review.created_at, Review.id)
    ):
        reviews[given.amendment_id].append(given)
    instruments: dict[int, Instrument] = {}
    progress = {}
    for amendment in amendments:
        if amendment.instrument_id not in instruments:
            instruments[amendment.instrument_id] = session.get_one(Instrument, amendment.instrument_id)
        instrument = instruments[amendment.instrument_id]
        latest_id = amendment.latest.id
        concurred = clearance_rules.concurred_parties(responses[amendment.id], latest_id)
        cleared = clearance_rules.clearance(
            instrument.clearance_rule,
            [p.id for p in instrument.parties],
            [clearance_rules.Fact(r.revision_id, r.decision, r.reviewer.party_id) for r in reviews[amendment.id]],
            latest_id,
        )
        review = clearance_rules.current_review(reviews[amendment.id], latest_id)
        others = {p.code for p in instrument.parties} - {amendment.party.code}
        outdated = is_outdated(amendment, current.get(amendment.clause_id)) if amendment.clause_id else False
        # "Cleared" only once the clearance the negotiation asks for is complete: under the per-party rule one
        # party's clearance leaves the review pending.
        facts = AmendmentFacts(amendment.party.code, outdated, bool(concurred), cleared.decision)
        progress[amendment.id] = AmendmentProgress(outdated, concurred, review, next_step(facts, others))
    return progress


def _tabled_with_revisions(session: Session, instrument: Instrument, clause_ids: list[int] | None) -> list[Amendment]:
    """The tabled amendments (to `clause_ids`, or to any clause), each with its revisions (not their words): two
    queries however many there are.

    Revisions are read in one query and attached by hand, because an eager loader would split a long list of
    amendments into batches of a few hundred and issue one query per batch.
    """
    tabled_filter = [Amendment.instrument_id == instrument.id, Amendment.state == AmendmentState.tabled]
    if clause_ids is not None:
        tabled_filter.append(Amendment.clause_id.in_(clause_ids))
    tabled = session.scalars(select(Amendment).where(*tabled_filter).order_by(Amendment.tabled_at, Amendment.id)).all()
    revisions: dict[int, list[AmendmentRevision]] = defaultdict(list)
    for revision in session.scalars(
        select(AmendmentRevision)
        .join(Amendment, Amendment.id == AmendmentRevision.amendment_id)
        .where(*tabled_filter)
        # A page that shows the words or the authors loads them itself.
        .options(lazyload(AmendmentRevision.texts), lazyload(AmendmentRevision.created_by))
        .order_by(AmendmentRevision.amendment_id, AmendmentRevision.seq)
    ):
        revisions[revision.amendment_id].append(revision)
    for amendment in tabled:
        if "revisions" not in inspect(amendment).dict:
            set_committed_value(amendment, "revisions", revisions[amendment.id])
    return list(tabled)


def frozen_versions(
    session: Session, meeting_ids: list[int], clause_ids: list[int] | None = None
) -> dict[tuple[int, int], ClauseVersion]:
    """{(meeting id, clause id): the version frozen for it, with its clause}: one query, whatever the number of
    meetings. The words are not read: `draft.load_texts` adds them for a caller that shows them."""
    frozen = [MilestoneSnapshot.milestone_id.in_(meeting_ids)]
    if clause_ids is not None:
        frozen.append(MilestoneSnapshot.clause_id.in_(clause_ids))
    rows = session.execute(
        select(MilestoneSnapshot.milestone_id, MilestoneSnapshot.clause_id, ClauseVersion)
        .join(ClauseVersion, ClauseVersion.id == MilestoneSnapshot.version_id)
        .where(*frozen)
        .options(joinedload(ClauseVersion.clause), lazyload(ClauseVersion.texts))
    ).all()
    return {(meeting_id, clause_id): version for meeting_id, clause_id, version in rows}


def standings(
    session: Session,
    actor: User,
    instrument: Instrument,
    *,
    current: dict[int, ClauseVersion] | None = None,
    meetings: Sequence[Milestone] | None = None,
    only_current: bool = False,
    tabled: list[Amendment] | None = None,
    frozen: dict[tuple[int, int], ClauseVersion] | None = None,
) -> dict[int, ClauseStanding]:
    """{clause id: where it stands} for every clause of the instrument (only those of `current` if `only_current`).

    `current` ({clause id: its current version}) and `meetings` (the instrument's meetings in order) spare the
    queries when the caller has already read them; so do `tabled` (the tabled amendments to those clauses, with
    their revisions), and `frozen` (`frozen_versions` of every meeting that is not only planned), for a caller that
    has them.
    """
    only = list(current) if current is not None and only_current else None
    if current is None:
        current = versions_as_of(session, instrument.id, with_texts=False)
    if tabled is None:
        tabled = _tabled_with_revisions(session, instrument, only)
    progress = amendment_progress(session, tabled, current)
    if meetings is None:
        meetings = session.scalars(
            select(Milestone).where(Milestone.instrument_id == instrument.id).order_by(Milestone.position)
        ).all()
    meetings = [m for m in meetings if m.state is not MilestoneState.planned]
    meeting_ids = [m.id for m in meetings]
    outcomes = [MilestoneOutcome.milestone_id.in_(meeting_ids)]
    if only is not None:
        outcomes.append(MilestoneOutcome.clause_id.in_(only))
    recorded = session.scalars(select(MilestoneOutcome).where(*outcomes)).all()
    frozen_version = frozen if frozen is not None else frozen_versions(session, meeting_ids, only)
    outcome_of = {(o.milestone_id, o.clause_id): o for o in recorded}

    brackets = bracket_counts(session, current.values())
    tabled_by_clause: dict[int, list[Amendment]] = defaultdict(list)
    for amendment in tabled:
        if amendment.clause_id is not None:  # a proposed new clause stands nowhere yet
            tabled_by_clause[amendment.clause_id].append(amendment)
    result: dict[int, ClauseStanding] = {}
    for clause_id, version in current.items():
        standing = ClauseStanding()
        standing.open_amendments = [(a, progress[a.id].next_step) for a in tabled_by_clause[clause_id]]
        standing.reviews = {a.id: progress[a.id].review for a in tabled_by_clause[clause_id]}
        endorsed = reserved = False
        for meeting in meetings:  # in order: the latest meeting that dealt with the clause decides
            then = frozen_version.get((meeting.id, clause_id))
            if then is None:
                continue
            standing.changed_since = (meeting, then) if then.id != version.id else None
            outcome = outcome_of.get((meeting.id, clause_id))
            if outcome is None or (
                meeting.state is not MilestoneState.concluded and outcome.outcome is not Outcome.reservation
            ):
                continue
            unchanged = then.id == version.id
            standing.last_outcome = (meeting, outcome)
            endorsed = outcome.outcome.endorses and unchanged
            reserved = outcome.outcome is Outcome.reservation and unchanged
            standing.reservation = outcome if reserved else None
        standing.open_brackets = brackets.get(version.id, 0)
        standing.status = clause_status(
            ClauseFacts(
                has_open_amendments=bool(standing.open_amendments),
                has_reservation=reserved,
                agreed_by_negotiators=version.amendment_id is not None,
                endorsed=endorsed,
                open_brackets=standing.open_brackets,
            )
        )
        result[clause_id] = standing
    return result


def clause_standing(
    session: Session,
    actor: User,
    instrument: Instrument,
    clause: Clause,
    current: ClauseVersion,
    open_amendments: list[Amendment],
) -> ClauseStanding:
    """Where one clause stands: the same reading as `standings`, with queries limited to that clause.

    `open_amendments` are those the caller shows for the clause (with their revisions): the tabled ones count.
    """
    tabled = sorted(
        (a for a in open_amendments if a.state is AmendmentState.tabled and a.clause_id == clause.id),
        key=lambda a: (a.tabled_at, a.id),
    )
    # The meetings that froze a version of the clause, with that version, in one query: a meeting that froze none
    # of it (the clause came later) says nothing about it, so these are all the meetings `standings` reads.
    meetings: dict[int, Milestone] = {}
    frozen: dict[tuple[int, int], ClauseVersion] = {}
    for meeting, version in session.execute(
        select(Milestone, ClauseVersion)
        .join(MilestoneSnapshot, MilestoneSnapshot.milestone_id == Milestone.id)
        .join(ClauseVersion, ClauseVersion.id == MilestoneSnapshot.version_id)
        .where(
            Milestone.instrument_id == instrument.id,
            Milestone.state != MilestoneState.planned,
            MilestoneSnapshot.clause_id == clause.id,
        )
        .options(joinedload(ClauseVersion.clause), lazyload(ClauseVersion.texts))
    ).tuples():
        meetings[meeting.id] = meeting
        frozen[(meeting.id, clause.id)] = version
    return standings(
        session,
        actor,
        instrument,
        current={clause.id: current},
        meetings=sorted(meetings.values(), key=lambda m: m.position),
        only_current=True,
        tabled=tabled,
        frozen=frozen,
    )[clause.id]
